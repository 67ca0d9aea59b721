"""Answer widgets, one per kind of question; each says ``Submitted`` when the learner is done.

Every widget answers ``response()`` in the form ``normquiz.bank.check_answer``
takes: indices as written in the file (the display order is mapped back
here), a bool for true/false, text for typed answers. A widget that can be
left empty answers None then, and its ``MISSING`` says what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList, TextArea
from textual.widgets.option_list import Option

from normquiz.tui.widgets.inline import inline_markdown

DIGITS = "123456789"


class AnswerSubmitted(Message):
    """The learner submitted the answer in ``widget`` (enter, or a click on a choice)."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget


def _numbered(position: int, text: str) -> Content:
    label = f"{position + 1} " if position < len(DIGITS) else "  "
    return Content.assemble((label, "bold $text-primary"), inline_markdown(text))


def _digit_bindings(action: str, description: str) -> list[Binding]:
    return [Binding(digit, f"{action}({index})", description, show=False) for index, digit in enumerate(DIGITS)]


class ChoiceAnswer(OptionList):
    """One answer among numbered choices: a digit or the arrows pick it, enter submits."""

    BINDINGS = [*_digit_bindings("pick", "Pick"), Binding("enter", "select", "Submit")]
    MISSING = "Pick an answer first: a digit or the arrows, then enter."

    def __init__(self, texts: Sequence[str], values: Sequence[Any], *, id: str | None = None) -> None:
        super().__init__(*[Option(_numbered(position, text)) for position, text in enumerate(texts)], id=id)
        self.values = list(values)

    def on_mount(self) -> None:
        self.highlighted = None

    def action_pick(self, position: int) -> None:
        if position < self.option_count:
            self.highlighted = position

    def action_select(self) -> None:
        if self.highlighted is None:
            # Nothing to select: still say "submitted", so the screen can say what to do.
            self.post_message(AnswerSubmitted(self))
        else:
            super().action_select()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(AnswerSubmitted(self))

    def response(self) -> Any:
        """The written index (or True/False) of the highlighted choice; None when none is."""
        return None if self.highlighted is None else self.values[self.highlighted]


class MultiChoiceAnswer(OptionList):
    """Any number of choices: space (or the choice's digit) toggles, enter submits.

    An OptionList that draws its own tick boxes rather than a SelectionList:
    SelectionList cuts every option to one line, and its height ignores its tick
    gutter, so a long last option could hide below the list. Options wrap here.
    """

    BINDINGS = [*_digit_bindings("toggle_at", "Toggle"), Binding("space", "toggle", "Toggle", show=False),
                Binding("enter", "submit", "Submit")]

    def __init__(self, texts: Sequence[str], values: Sequence[int], *, id: str | None = None) -> None:
        self.texts = list(texts)
        self.values = list(values)
        self.ticked: set[int] = set()  # display positions
        super().__init__(*[Option(self._prompt(position)) for position in range(len(self.texts))], id=id)

    def _prompt(self, position: int) -> Content:
        box = ("[x] ", "bold $text-success") if position in self.ticked else ("[ ] ", "$text-muted")
        return Content.assemble(box, _numbered(position, self.texts[position]))

    def action_toggle_at(self, position: int) -> None:
        if position < self.option_count:
            self.highlighted = position
            self.action_toggle()

    def action_toggle(self) -> None:
        position = self.highlighted
        if position is None:
            return
        self.ticked ^= {position}
        self.replace_option_prompt_at_index(position, self._prompt(position))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # a click toggles the choice; enter (bound above) submits
        self.action_toggle()

    def action_submit(self) -> None:
        self.post_message(AnswerSubmitted(self))

    @property
    def selected(self) -> list[int]:
        """The written indices of the ticked choices."""
        return sorted(self.values[position] for position in self.ticked)

    def response(self) -> list[int]:
        return self.selected


class OrderingAnswer(OptionList):
    """Steps to put in order: shift+up/down (or alt/ctrl+up/down, or [ and ]) move the
    highlighted step; enter submits."""

    BINDINGS = [
        Binding("shift+up,alt+up,ctrl+up,left_square_bracket", "move(-1)", "Move up", key_display="⇧↑"),
        Binding("shift+down,alt+down,ctrl+down,right_square_bracket", "move(1)", "Move down",
                key_display="⇧↓"),
        Binding("enter", "submit", "Submit"),
    ]

    def __init__(self, texts: Sequence[str], values: Sequence[int], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[tuple[str, int]] = list(zip(texts, values))

    def on_mount(self) -> None:
        self._render_items()
        self.highlighted = 0

    def _render_items(self) -> None:
        highlighted = self.highlighted
        self.set_options([Option(_numbered(position, text)) for position, (text, _) in enumerate(self.items)])
        self.highlighted = highlighted

    def action_move(self, step: int) -> None:
        here = self.highlighted
        if here is None or not 0 <= here + step < len(self.items):
            return
        self.items[here], self.items[here + step] = self.items[here + step], self.items[here]
        self.highlighted = here + step
        self._render_items()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # a click only highlights: moving needs the keys

    def action_submit(self) -> None:
        self.post_message(AnswerSubmitted(self))

    def response(self) -> list[int]:
        return [value for _, value in self.items]


class TypedAnswer(Input):
    """A number or a few words; enter submits."""

    BINDINGS = [Binding("enter", "submit", "Submit")]
    MISSING = "Type an answer first."

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(AnswerSubmitted(self))

    def response(self) -> str | None:
        return self.value if self.value.strip() else None


class WrittenAnswer(TextArea):
    """An open question's free answer; the quiz screen's ctrl+s submits it."""

    MISSING = "Write something first (or press tab, then s to skip)."

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False)

    def response(self) -> str | None:
        return self.text if self.text.strip() else None


class KeyPointChecklist(MultiChoiceAnswer):
    """The key points of an open question to tick after writing: space or a digit toggles,
    enter says done."""

    BINDINGS = [Binding("enter", "submit", "Done")]
