"""The home screen's light list: keys, the mouse, scrolling and what it draws."""

from __future__ import annotations

from textual.app import App, ComposeResult

from normquiz.tui.widgets.picklist import Pick, PickList

ENTRIES = [Pick("one", "1"), Pick("two", "2"), None, Pick("off", "off", disabled=True), Pick("four", "4"),
           *(Pick(f"entry {number}", str(number)) for number in range(5, 21))]


class ListApp(App[None]):
    CSS = "PickList { height: 8; width: 30; }"

    def __init__(self) -> None:
        super().__init__()
        self.picked: list[str | None] = []
        self.highlights: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield PickList(ENTRIES, title="Things", id="things")

    def on_pick_list_selected(self, event: PickList.Selected) -> None:
        self.picked.append(event.option.id)

    def on_pick_list_highlighted(self, event: PickList.Highlighted) -> None:
        self.highlights.append(event.option.id)


def lines(pick_list: PickList) -> list[str]:
    return str(pick_list.render()).split("\n")


async def test_the_cursor_skips_separators_and_disabled_entries_and_enter_picks() -> None:
    app = ListApp()
    async with app.run_test() as pilot:
        things = app.query_one(PickList)
        assert things.has_focus and things.highlighted_option == ENTRIES[0]
        await pilot.press("down", "down")  # over the separator and the disabled entry
        assert things.highlighted_option.id == "4"
        await pilot.press("up")
        assert things.highlighted_option.id == "2"
        await pilot.press("enter")
        await pilot.pause()
        assert app.picked == ["2"] and app.highlights == ["2", "4", "2"]
        await pilot.press("end")
        assert things.highlighted_option.id == "20"
        await pilot.press("down")  # no wrapping
        assert things.highlighted_option.id == "20"
        await pilot.press("home")
        assert things.highlighted_option.id == "1"


async def test_a_list_taller_than_its_space_scrolls_to_the_cursor_with_a_thumb() -> None:
    app = ListApp()
    async with app.run_test() as pilot:
        things = app.query_one(PickList)
        shown = lines(things)
        assert len(shown) == 6 and shown[0].startswith("one") and shown[2].startswith("─")
        assert shown[0].endswith("▐") and not shown[-1].endswith("▐")  # at the top: the thumb too
        await pilot.press("pagedown")  # a page down, less a line: from line 0 to line 5
        assert things.highlighted_option.id == "5"
        assert lines(things)[-1].startswith("entry 5")  # the cursor is on screen
        await pilot.press("pagedown")
        assert things.highlighted_option.id == "10"
        assert lines(things)[-1].startswith("entry 10")
        await pilot.press("end")
        shown = lines(things)
        assert shown[-1].startswith("entry 20") and shown[-1].endswith("▐") and not shown[0].endswith("▐")
        await pilot.press("pageup")
        assert things.highlighted_option.id == "15"
        assert lines(things)[0].startswith("entry 15")


async def test_a_click_picks_the_entry_under_the_mouse_and_the_wheel_scrolls() -> None:
    app = ListApp()
    async with app.run_test() as pilot:
        things = app.query_one(PickList)
        # The border and padding are a cell: the content starts at (2, 1).
        await pilot.click(PickList, offset=(3, 2))
        await pilot.pause()
        assert app.picked == ["2"]
        await pilot.click(PickList, offset=(3, 3))  # the separator: nothing
        await pilot.click(PickList, offset=(3, 4))  # the disabled entry: nothing
        await pilot.pause()
        assert app.picked == ["2"] and things.highlighted_option.id == "2"  # the cursor stays too
        await pilot.hover(PickList, offset=(3, 1))
        await pilot.pause()
        assert things._hover == 0
        await pilot.hover(PickList, offset=(3, 3))  # a separator: no hover
        await pilot.pause()
        assert things._hover is None
        for _ in range(4):  # Pilot has no mouse wheel: the events themselves
            things.post_message(_wheel_down(things))
        await pilot.pause()
        assert lines(things)[0].startswith("four")  # four lines down
        await pilot.click(PickList, offset=(3, 1))
        await pilot.pause()
        assert app.picked == ["2", "4"]


def _wheel_down(widget: PickList):  # type: ignore[no-untyped-def]
    from textual.events import MouseScrollDown

    region = widget.content_region
    return MouseScrollDown(widget, 2, 1, 0, 1, 0, False, False, False, screen_x=region.x, screen_y=region.y)


async def test_new_entries_put_the_cursor_on_the_first_that_can_be_picked() -> None:
    app = ListApp()
    async with app.run_test() as pilot:
        things = app.query_one(PickList)
        await pilot.press("end")
        things.set_options([Pick("loading", disabled=True), Pick("a", "a"), Pick("b", "b")])
        await pilot.pause()
        assert things.highlighted == 1 and things.option_count == 3
        assert things.get_option("b").prompt == "b" and things.get_option_index("b") == 2
        assert lines(things) == ["loading".ljust(26), "a".ljust(26), "b".ljust(26)]
        things.set_options([Pick("nothing here", disabled=True)])
        await pilot.press("down", "enter")
        await pilot.pause()
        assert things.highlighted is None and app.picked == []
