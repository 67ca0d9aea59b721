"""Accuracy per tag as one text bar per tag: the weakest tags that fit, and a title that says so.

A plotext bar chart with more bars than rows put bars on the wrong labels and
dropped tags without saying; here each row is one tag, its bar and its figures,
so a bar can only ever be its own tag's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from textual.content import Content
from textual.widget import Widget

from normquiz.progress.stats import Accuracy

MAX_LABEL = 24
FIGURES = 11  # " 100% of 99"


@dataclass(frozen=True)
class TagBar:
    tag: str
    answers: int
    accuracy: float


def weakest_tags(per_tag: Mapping[str, Accuracy], room: int) -> tuple[list[TagBar], int]:
    """The answered tags, weakest first (lowest accuracy, then most answers), at most ``room`` of
    them, and how many answered tags there are in all."""
    answered = [TagBar(tag, value.answers, value.accuracy or 0.0) for tag, value in per_tag.items() if value.answers]
    answered.sort(key=lambda bar: (bar.accuracy, -bar.answers, bar.tag))
    return answered[: max(room, 0)], len(answered)


def title_for(shown: int, total: int) -> str:
    if total == 0:
        return "Accuracy per tag"
    if shown >= total:
        return f"Accuracy per tag, all {total} answered tags, weakest first"
    return f"Accuracy per tag, the weakest {shown} of {total} answered tags (all in the table below)"


class TagBars(Widget):
    """Draws ``per_tag`` accuracies as rows that fit the widget's height (``show(per_tag)``)."""

    DEFAULT_CSS = """
    TagBars {
        height: 14;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.per_tag: Mapping[str, Accuracy] = {}
        self.shown: Sequence[TagBar] = ()
        self.total = 0

    def show(self, per_tag: Mapping[str, Accuracy]) -> None:
        self.per_tag = per_tag
        self.refresh()

    def render(self) -> Content:
        self.shown, self.total = weakest_tags(self.per_tag, self.size.height - 2)  # the title and a gap
        lines = [Content.styled(title_for(len(self.shown), self.total), "bold"), Content("")]
        if not self.total:
            lines.append(Content.styled("no answers yet", "$text-muted"))
        label = min(MAX_LABEL, max((len(bar.tag) for bar in self.shown), default=0))
        width = max(self.size.width - label - FIGURES - 2, 4)
        for bar in self.shown:
            filled = round(bar.accuracy * width)
            role = "$text-error" if bar.accuracy < 0.5 else "$text-warning" if bar.accuracy < 0.8 else "$text-success"
            name = bar.tag if len(bar.tag) <= label else bar.tag[: label - 1] + "…"
            lines.append(Content.assemble(
                f"{name:<{label}} ", ("█" * filled, role), ("░" * (width - filled), "$text-muted"),
                f" {round(100 * bar.accuracy):>3}% of {bar.answers}"))
        return Content("\n").join(lines)
