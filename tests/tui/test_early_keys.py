"""Keys pressed before the question files are read are not lost."""

from __future__ import annotations

from normquiz.tui.screens.home import HomeScreen
from normquiz.tui.screens.quiz import QuizScreen
from normquiz.tui.screens.stats import StatsScreen


def hold_the_bank(app) -> None:
    """Keep the bank unread until the test reads it, as on a slow start."""
    app.after_first_frame = lambda: None


async def test_enter_before_the_bank_is_read_starts_the_quiz_once_it_is(make_app) -> None:
    app = make_app()
    hold_the_bank(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.bank is None
        await pilot.press("enter")  # "Basic" is highlighted
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert any("starts in a moment" in str(n.message) for n in app._notifications)
        app.load_bank()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen)
        assert app.screen.run.session.options.levels == frozenset({"basic"})


async def test_stats_before_the_bank_is_read_open_once_it_is(make_app) -> None:
    app = make_app()
    hold_the_bank(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        app.load_bank()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
