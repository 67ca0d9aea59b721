"""The footer is rebuilt only when the keys it shows change (a rebuild cost most of a verdict's time)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Button
from textual.widgets._footer import FooterKey

from normquiz.tui.widgets.footer import KeysFooter


class FooterApp(App):
    BINDINGS = [Binding("n", "next", "Next")]
    next_allowed = True

    def compose(self) -> ComposeResult:
        yield Button("one", id="one")
        yield Button("two", id="two")
        yield KeysFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.next_allowed if action == "next" else True

    def action_next(self) -> None:
        pass


async def test_a_focus_change_with_the_same_keys_keeps_the_footer_and_a_new_key_rebuilds_it() -> None:
    app = FooterApp()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        keys = list(app.query(FooterKey))
        assert "Next" in [key.description for key in keys]
        app.query_one("#two").focus()  # the bindings "may have changed": they did not
        await pilot.pause()
        await pilot.pause()
        assert list(app.query(FooterKey)) == keys
        app.next_allowed = False
        app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        rebuilt = list(app.query(FooterKey))
        assert "Next" not in [key.description for key in rebuilt]
