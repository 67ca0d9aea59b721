"""Every demo's keys can be found (footers that fit, arrows that select) and its tables read at 80x24."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from normquiz.tui.demos import DEMO_NAMES
from normquiz.tui.messages import HelpRequested
from normquiz.tui.widgets.heatmap import Heatmap
from tests.demos.harness import DemoHarness

SIZES = [(80, 24), (100, 30)]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", DEMO_NAMES)
async def test_the_footer_fits(name: str, size: tuple[int, int]) -> None:
    app = DemoHarness(name, {"steps": 1} if name == "training" else None)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.pause()
        keys = list(app.screen.query(FooterKey))
        assert {key.key_display for key in keys} >= {"esc", "?", "z", "w"}
        for key in keys:
            assert key.region.right <= size[0], f"{key.key_display} {key.description} is cut"
        await app.workers.wait_for_complete()


async def test_arrows_move_the_selection_even_when_the_scroll_area_has_the_focus() -> None:
    app = DemoHarness("axes")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.query_one("#demo-main").focus()
        await pilot.press("down", "right", "right")
        state = app.screen.state
        assert (state.row, state.col) == (1, 2)


async def test_w_shows_and_hides_the_explanation_and_question_mark_asks_for_help() -> None:
    asked: list[str] = []

    class HelpRecordingHarness(DemoHarness):
        def on_help_requested(self, message: HelpRequested) -> None:
            asked.append("help")

    app = HelpRecordingHarness("coupling")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.screen.query_one("#demo-explanation")
        assert panel.display
        await pilot.press("w")
        assert not panel.display
        await pilot.press("question_mark")
        await pilot.pause()
        assert asked == ["help"] and not panel.display


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("name", "params", "keys"), [
    ("sequences", {"max_length": 12}, []),
    ("sequences", {"max_length": 16}, []),
    ("axes", {"d": 8}, ["n", "n"]),  # group norm: a mean and a variance per group and row
])
async def test_tables_are_never_hidden_behind_the_explanation(name, params, keys, size) -> None:
    app = DemoHarness(name, params)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        screen = app.screen
        main = screen.query_one("#demo-main")
        assert not main.region.overlaps(screen.query_one("#demo-explanation").region)
        for heatmap in screen.query(Heatmap):
            if not heatmap.display:
                continue
            # Wider than the view: the area scrolls sideways to the rest (it is never cut off).
            overflow = heatmap.virtual_region.right - main.scrollable_content_region.width
            assert overflow <= main.max_scroll_x, heatmap.id


async def test_small_batch_points_are_drawn_over_the_line_without_a_legend_on_them() -> None:
    app = DemoHarness("small-batch")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one("#small-plot").view
        # plotext draws in order: the measured points last, so the line never covers them;
        # its legend (top left, where the small-m points are) is replaced by a caption.
        assert [series.label for series in view.series] == ["σ/√m", "measured", "m = 8"]
        assert not view.legend
        assert "● measured" in str(app.screen.query_one("#small-legend").render())
