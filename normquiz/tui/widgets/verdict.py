"""How a verdict reads: a one-line title and the Markdown explaining it (quiz and summary)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from normquiz.bank import AnswerVerdict, QuestionBase
from normquiz.bank.answer_text import answer_text
from normquiz.bank.computed import ComputedInstance


def verdict_title(verdict: AnswerVerdict | None) -> Content:
    """``✔ Correct``, ``✘ Incorrect`` or ``◐ Partly right · 60%``; a skipped question has no verdict."""
    if verdict is None:
        return Content.assemble(("– Skipped", "bold $text-warning"))
    if verdict.correct:
        return Content.assemble(("✔ Correct", "bold $text-success"))
    if verdict.score > 0:
        return Content.assemble(("◐ Partly right", "bold $text-warning"),
                                (f" · score {round(verdict.score * 100)}%", "$text-muted"))
    return Content.assemble(("✘ Incorrect", "bold $text-error"))


def verdict_markdown(question: QuestionBase, verdict: AnswerVerdict | None, *,
                     instance: ComputedInstance | None = None, show_answer: bool = True) -> str:
    """What was right, the feedback, the explanation, the worked solution and the references."""
    text = answer_text(question, instance, expected=verdict.expected if verdict is not None else None,
                       inline_why=True, with_answer=show_answer)
    feedback = "\n".join(f"- {line}" for line in verdict.feedback) if verdict is not None else ""
    blocks = (text.answer, feedback, text.why, text.worked_solution, text.references)
    return "\n\n".join(block for block in blocks if block)


class MarkdownText(Static):
    """Markdown drawn as one Rich renderable: much quicker to show than Textual's Markdown
    widget (one block widget per paragraph), which matters for the verdict's 50 ms."""

    CODE_THEME = "monokai"

    def __init__(self, source: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = ""
        if source:
            self.show(source)

    def show(self, source: str) -> None:
        from rich.markdown import Markdown

        self.source = source
        self.update(Markdown(source, code_theme=self.CODE_THEME))
