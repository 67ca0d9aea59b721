"""Help from a demo lists that demo's keys, every one of them, in the real app."""

from __future__ import annotations

from normquiz.tui.app import StartDemo
from normquiz.tui.demos.training import TrainingDemo
from normquiz.tui.screens.help import HelpScreen
from tests.tui.conftest import ready


async def test_question_mark_in_a_demo_lists_its_keys(make_app) -> None:
    app = make_app(StartDemo("training", {"steps": 1}))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, TrainingDemo)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("#help-text").source
        assert "# Keys of the training demo" in text
        for keys, what in TrainingDemo.key_help():
            assert f"| `{keys}` | {what} |" in text
        # The hidden ones too (the footer shows only a few).
        assert "| `i` | next initial weight scale |" in text
        assert "| `w` | show or hide the explanation |" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TrainingDemo)
        await app.workers.wait_for_complete()
