"""How a verdict reads: a one-line title and the Markdown explaining it (quiz and summary)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from normquiz.bank import AnswerVerdict, QuestionBase
from normquiz.bank.generators import ComputedInstance


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


def _answer_block(expected: str) -> str:
    if "\n" in expected.strip():
        return f"**Answer:**\n\n{expected.strip()}"
    return f"**Answer:** {expected.strip()}"


def verdict_markdown(question: QuestionBase, verdict: AnswerVerdict | None, *,
                     instance: ComputedInstance | None = None, show_answer: bool = True) -> str:
    """What was right, the feedback, the explanation, the worked solution and the references."""
    from normquiz.bank import expected_answer

    parts = []
    if show_answer:
        expected = verdict.expected if verdict is not None else expected_answer(question, instance)
        parts.append(_answer_block(expected))
    if verdict is not None and verdict.feedback:
        parts.append("\n".join(f"- {line}" for line in verdict.feedback))
    parts.append("**Why:** " + (instance.explanation if instance else question.explanation).strip())
    if instance is not None and instance.worked_solution:
        parts.append("**Worked solution:**\n\n" + instance.worked_solution.strip())
    if question.references:
        parts.append("**References:**\n\n" + "\n".join(f"- {ref}" for ref in question.references))
    return "\n\n".join(parts)


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
