"""The bank as a Markdown study guide, for reading away from the terminal (and what every export selects)."""

from __future__ import annotations

from collections.abc import Iterable

from normquiz.bank import model as m
from normquiz.bank.answer_text import answer_text
from normquiz.bank.computed import generate
from normquiz.bank.loader import LoadResult

EXPORT_SEED = 0  # computed questions show the instance drawn from this seed


def selected_questions(result: LoadResult, levels: Iterable[str] | None = None) -> list[m.QuestionBase]:
    """The questions an export writes: those of ``levels`` (every level when empty), in bank order."""
    wanted = set(levels) if levels else set(m.LEVELS)
    return [question for question in result.questions if question.level in wanted]


def topic_of(result: LoadResult, question: m.QuestionBase) -> str:
    """The topic of the file ``question`` was read from."""
    source = result.sources.get(question.id)
    return source.topic if source else "Questions"


def export_markdown(result: LoadResult, *, levels: Iterable[str] | None = None) -> str:
    """Questions grouped by topic, each with its answer, explanation and references."""
    lines = ["# normquiz study guide", ""]
    current_topic = None
    number = 0
    for question in selected_questions(result, levels):
        topic = topic_of(result, question)
        if topic != current_topic:
            lines += [f"## {topic}", ""]
            current_topic = topic
        number += 1
        lines += question_markdown(question, number)
    if number == 0:
        lines.append("No questions match.")
    return "\n".join(lines).rstrip() + "\n"


def question_markdown(question: m.QuestionBase, number: int) -> list[str]:
    instance = generate(question, EXPORT_SEED) if isinstance(question, m.ComputedQuestion) else None
    prompt = instance.prompt if instance else question.prompt
    lines = [f"### {number}. `{question.id}`", "",
             f"*{question.level} · {question.type.replace('_', ' ')} · {', '.join(question.tags)}*",
             "", prompt.strip(), ""]
    if isinstance(question, (m.SingleChoiceQuestion, m.MultipleChoiceQuestion)):
        for choice in question.choices:
            mark = "x" if choice.correct else " "
            feedback = f" — {choice.feedback}" if choice.feedback else ""
            lines.append(f"- [{mark}] {choice.text}{feedback}")
        lines.append("")
    elif isinstance(question, m.OpenQuestion):
        lines += ["Key points:", "", *(f"- {point}" for point in question.key_points), ""]
    text = answer_text(question, instance)
    for block in (text.answer, text.worked_solution, text.why, text.references):
        if block is not None:
            lines += [block, ""]
    return lines
