"""A small dialog: flag the current question as wrong or unclear, with an optional comment."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from normquiz.tui.widgets.answers import AnswerSubmitted, ChoiceAnswer

REASONS = {"wrong": "The question or its answer is wrong", "unclear": "The question is unclear"}


class FlagScreen(ModalScreen[tuple[str, str] | None]):
    """Returns ``(reason, comment)``, or None when cancelled."""

    CSS_PATH = "flag.tcss"
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, question_id: str) -> None:
        super().__init__()
        self.question_id = question_id

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"Flag [b]{self.question_id}[/b]", id="flag-title")
            yield ChoiceAnswer(list(REASONS.values()), list(REASONS), id="reason")
            yield Input(placeholder="optional comment, then enter", id="comment")
            yield Label("1 or 2 picks the reason · tab to the comment · enter saves · escape cancels",
                        id="flag-how")

    def on_mount(self) -> None:
        reason = self.query_one("#reason", ChoiceAnswer)
        reason.highlighted = 0
        reason.focus()
        self.query_one("#comment", Input).cursor_blink = getattr(self.app, "cursor_blink", True)

    @on(AnswerSubmitted)
    @on(Input.Submitted)
    def _save(self) -> None:
        reason = self.query_one("#reason", ChoiceAnswer).response() or "wrong"
        self.dismiss((reason, self.query_one("#comment", Input).value.strip()))
