"""What the quiz screen shows around a question: its type's name, how to answer it, the input
widget for it, the session's progress bar, and the self-grading ratings."""

from __future__ import annotations

from textual.widget import Widget

from normquiz.bank import model as m
from normquiz.tui.widgets.answers import (
    ChoiceAnswer,
    MultiChoiceAnswer,
    OrderingAnswer,
    TypedAnswer,
    WrittenAnswer,
)

#: Self-grading keys after an open question: FSRS's four ratings.
RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
PROGRESS_WIDTH = 10
TYPE_NAMES = {
    "single_choice": "single choice", "multiple_choice": "multiple choice", "true_false": "true or false",
    "numeric": "number", "short_answer": "short answer", "ordering": "ordering", "open": "open question",
    "computed": "computed",
}
HOW_TO_ANSWER = {
    "single_choice": "Pick with a digit or ↑↓, then enter.",
    "true_false": "1 for true, 2 for false (or ↑↓), then enter.",
    "multiple_choice": "Toggle with space or a digit (any number may be right), then enter.",
    "ordering": "Move the highlighted step with shift+↑↓ (or alt+↑↓, [ ]), then enter.",
    "numeric": "Type a number (0.5, 1e-3, 3/4) and press enter.",
    "computed": "Type a number (0.5, 1e-3, 3/4) and press enter.",
    "short_answer": "Type a word or a few and press enter.",
    "open": "Write your answer, then ctrl+s (or the button) to see the model answer.",
}


def progress_bar(done: int, total: int, width: int = PROGRESS_WIDTH) -> list[tuple[str, str]]:
    """The session's progress as a short bar: one cell per 1/width of the questions answered."""
    filled = round(width * done / total) if total else 0
    return [("█" * filled, "$text-success"), ("░" * (width - filled), "$text-muted")]


def answer_widget(question: m.QuestionBase, order: tuple[int, ...]) -> Widget:
    """The input for ``question``, its choices in the session's display order."""
    if isinstance(question, m.TrueFalseQuestion):
        return ChoiceAnswer(["True", "False"], [True, False], id="answer-input")
    if isinstance(question, m.SingleChoiceQuestion):
        return ChoiceAnswer([question.choices[i].text for i in order], order, id="answer-input")
    if isinstance(question, m.MultipleChoiceQuestion):
        return MultiChoiceAnswer([question.choices[i].text for i in order], order, id="answer-input")
    if isinstance(question, m.OrderingQuestion):
        return OrderingAnswer([question.items[i] for i in order], order, id="answer-input")
    if isinstance(question, m.OpenQuestion):
        return WrittenAnswer(id="answer-input")
    placeholder = "a word or a few" if isinstance(question, m.ShortAnswerQuestion) else "a number, e.g. 0.5 or 3/4"
    return TypedAnswer(placeholder=placeholder, id="answer-input")
