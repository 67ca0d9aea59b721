"""A light list to pick one entry from: the home screen's menu, topics and demos.

Textual's OptionList is a scrolling container with component styles, a line
cache and scrollbar widgets. Three of them were a tenth of the instructions up
to the home screen's first frame (``benchmarks/bench_startup.py``). The home
screen's lists are short and fixed: this widget draws them as one piece of
Content, a line per entry, with a cursor, a hover, separators and, when the list
is taller than its space, a one-column scroll thumb.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, NamedTuple

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widget import Widget


class Pick(NamedTuple):
    """One entry: what it shows and the id it is picked by."""

    prompt: Content | str
    id: str | None = None
    disabled: bool = False


#: Styles of an entry's line (theme variables, as OptionList's CSS uses them).
CURSOR = "bold $block-cursor-foreground on $block-cursor-background"
CURSOR_BLURRED = "$foreground on $block-cursor-blurred-background"
HOVER = "on $block-hover-background"
DISABLED = "$text-disabled"
SEPARATOR = "$foreground 15%"
THUMB = "$scrollbar"


def _content(prompt: Content | str) -> Content:
    return prompt if isinstance(prompt, Content) else Content(prompt)


class PickList(Widget, can_focus=True):
    """Entries (``Pick``) and separators (``None``); up, down, home, end, page keys, enter and the mouse."""

    DEFAULT_CSS = """
    PickList {
        height: auto;
        max-height: 100%;
        padding: 0 1;
        border: round $panel;
        background: $background;
        color: $foreground;
        border-title-color: $text-primary;
        border-title-style: bold;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        &:focus {
            border: round $primary;
            background-tint: $foreground 5%;
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    class _Picked(Message):
        def __init__(self, pick_list: PickList, option: Pick, index: int) -> None:
            super().__init__()
            self.pick_list = pick_list
            self.option = option
            self.option_index = index

        @property
        def control(self) -> PickList:
            return self.pick_list

    class Highlighted(_Picked):
        """The cursor moved to an entry."""

    class Selected(_Picked):
        """An entry was picked: enter, or a click."""

    def __init__(self, options: Iterable[Pick | None] = (), *, title: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        if title is not None:
            self.border_title = title
        self._lines: list[Pick | None] = []
        self._options: list[Pick] = []
        self._line_of: list[int] = []  # each option's line
        self._option_on: list[int | None] = []  # each line's option (None: a separator)
        self._highlighted: int | None = None
        self._hover: int | None = None
        self._top = 0  # the first line shown
        self._fill(options)

    # -- the entries ----------------------------------------------------------------

    def _fill(self, options: Iterable[Pick | None]) -> None:
        self._lines = list(options)
        self._options = [line for line in self._lines if line is not None]
        self._line_of = [index for index, line in enumerate(self._lines) if line is not None]
        self._option_on = [None] * len(self._lines)
        for index, line in enumerate(self._line_of):
            self._option_on[line] = index
        self._hover = None
        self._highlighted = next((index for index, option in enumerate(self._options)
                                  if not option.disabled), None)

    def set_options(self, options: Iterable[Pick | None]) -> None:
        """New entries; the cursor goes to the first that can be picked (set ``highlighted`` after)."""
        self._fill(options)
        self._top = 0
        self.refresh(layout=True)

    @property
    def options(self) -> list[Pick]:
        return list(self._options)

    @property
    def option_count(self) -> int:
        return len(self._options)

    def get_option_at_index(self, index: int) -> Pick:
        return self._options[index]

    def get_option_index(self, option_id: str) -> int:
        for index, option in enumerate(self._options):
            if option.id == option_id:
                return index
        raise KeyError(option_id)

    def get_option(self, option_id: str) -> Pick:
        return self._options[self.get_option_index(option_id)]

    @property
    def highlighted(self) -> int | None:
        """The index of the entry under the cursor (separators do not count)."""
        return self._highlighted

    @highlighted.setter
    def highlighted(self, index: int | None) -> None:
        if index is not None and not 0 <= index < len(self._options):
            index = None
        if index == self._highlighted:
            return
        self._highlighted = index
        self._scroll_to_cursor()
        self.refresh()
        if index is not None:
            self.post_message(self.Highlighted(self, self._options[index], index))

    @property
    def highlighted_option(self) -> Pick | None:
        return None if self._highlighted is None else self._options[self._highlighted]

    # -- drawing ----------------------------------------------------------------------

    def get_content_width(self, container: object, viewport: object) -> int:
        return max((_content(option.prompt).cell_length for option in self._options), default=0)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self._lines)

    def _scroll_to_cursor(self) -> None:
        height = self.size.height
        if self._highlighted is None or height <= 0:
            return
        line = self._line_of[self._highlighted]
        if line < self._top:
            self._top = line
        elif line >= self._top + height:
            self._top = line - height + 1

    def _clamp_top(self) -> None:
        self._top = max(0, min(self._top, len(self._lines) - self.size.height))

    def on_resize(self) -> None:
        self._scroll_to_cursor()
        self._clamp_top()

    def render(self) -> Content:
        width, height = self.size
        if width <= 0 or height <= 0:
            return Content()
        clipped = len(self._lines) > height
        text_width = width - 1 if clipped else width
        thumb = range(0)
        if clipped:  # a thumb as tall as the share shown, where the shown lines are
            size = max(1, round(height * height / len(self._lines)))
            start = min(height - size, round(self._top * height / len(self._lines)))
            thumb = range(start, start + size)
        focused = self.has_focus
        shown: list[Content] = []
        for row, line in enumerate(self._lines[self._top:self._top + height]):
            if line is None:
                text = Content.styled("─" * text_width, SEPARATOR)
            else:
                text = _content(line.prompt).truncate(text_width, ellipsis=True, pad=True)
                index = self._option_on[self._top + row]
                if line.disabled:
                    text = text.stylize(DISABLED)
                elif index == self._highlighted:
                    text = text.stylize(CURSOR if focused else CURSOR_BLURRED)
                elif index == self._hover:
                    text = text.stylize(HOVER)
            if clipped:
                text += Content.styled("▐", THUMB) if row in thumb else " "
            shown.append(text)
        return Content("\n").join(shown)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- keys ---------------------------------------------------------------------------

    def _move(self, step: int, start: int | None = None) -> None:
        """The cursor to the next entry that can be picked, ``step`` at a time from ``start``."""
        count = len(self._options)
        if not count:
            return
        index = (self._highlighted if start is None else start)
        if index is None:
            index = -1 if step > 0 else count
        candidate = index + step
        while 0 <= candidate < count and self._options[candidate].disabled:
            candidate += 1 if step > 0 else -1
        if 0 <= candidate < count:
            self.highlighted = candidate

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_first(self) -> None:
        self._move(1, start=-1)

    def action_last(self) -> None:
        self._move(-1, start=len(self._options))

    def _page(self, direction: int) -> None:
        if self._highlighted is None:
            self._move(direction)
            return
        target = self._line_of[self._highlighted] + direction * max(1, self.size.height - 1)
        candidates = [index for index, line in enumerate(self._line_of)
                      if (line >= target if direction > 0 else line <= target)
                      and not self._options[index].disabled]
        if candidates:
            self.highlighted = candidates[0] if direction > 0 else candidates[-1]
        else:
            (self.action_last if direction > 0 else self.action_first)()

    def action_page_down(self) -> None:
        self._page(1)

    def action_page_up(self) -> None:
        self._page(-1)

    def action_select(self) -> None:
        if self._highlighted is not None and not self._options[self._highlighted].disabled:
            self.post_message(self.Selected(self, self._options[self._highlighted], self._highlighted))

    # -- the mouse ----------------------------------------------------------------------

    def _option_at(self, event: events.MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        line = self._top + offset.y
        index = self._option_on[line] if 0 <= line < len(self._lines) else None
        return None if index is None or self._options[index].disabled else index

    def on_click(self, event: events.Click) -> None:
        index = self._option_at(event)
        if index is not None:
            event.stop()
            self.highlighted = index
            self.action_select()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        index = self._option_at(event)
        if index != self._hover:
            self._hover = index
            self.refresh()

    def on_leave(self) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

    def _scroll(self, lines: int) -> bool:
        before = self._top
        self._top += lines
        self._clamp_top()
        if self._top != before:
            self.refresh()
        return self._top != before

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if self._scroll(1):
            event.stop()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self._scroll(-1):
            event.stop()
