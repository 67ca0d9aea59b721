"""A live plot's redraws are capped to a share of the time; the latest view is always drawn in the end."""

from __future__ import annotations

import time

from textual.app import App, ComposeResult

from normquiz.tui.demos import training
from normquiz.tui.widgets.plots import LinePlot, PlotView, Series


class PlotApp(App):
    def compose(self) -> ComposeResult:
        yield LinePlot(id="plot", drawing_share=0.1)


def view(points: int) -> PlotView:
    return PlotView((Series("loss", list(range(1, points + 1)), [1.0 / i for i in range(1, points + 1)]),))


async def test_a_redraw_waits_while_the_last_render_used_up_the_drawing_share() -> None:
    app = PlotApp()
    async with app.run_test(size=(80, 20)) as pilot:
        plot = app.query_one(LinePlot)
        plot.show(view(5))
        await pilot.pause()
        drawn = plot.renders
        assert drawn >= 1
        # As if the last render had just taken a whole second: the next may come 10 s later.
        plot._render_seconds, plot._rendered_at = 1.0, time.perf_counter()
        for points in (6, 7, 8):
            plot.show(view(points))
            await pilot.pause()
        assert plot.renders == drawn  # not drawn yet ...
        assert plot.view == view(8)  # ... but the latest view is the one waiting
        plot._redraw_timer.stop()  # the deferred redraw, now rather than in ten seconds
        plot._deferred_redraw()
        await pilot.pause()
        assert plot.renders == drawn + 1


def test_long_curves_are_thinned_but_keep_their_last_step() -> None:
    runs = {"batch": training.RunProgress("batch", tuple(1.0 / (1 + i) for i in range(1000)), "training")}
    series = training.compute_view(training.TrainingState(), runs).plot.series[0]
    assert len(series.x) <= training.MAX_CURVE_POINTS + 1
    assert series.x[0] == 1 and series.x[-1] == 1000


async def test_the_last_view_of_a_run_is_drawn_at_once() -> None:
    app = PlotApp()
    async with app.run_test(size=(80, 20)) as pilot:
        plot = app.query_one(LinePlot)
        plot.show(view(5))
        await pilot.pause()
        drawn = plot.renders
        plot._render_seconds, plot._rendered_at = 1.0, time.perf_counter()
        plot.show(view(6))
        plot.show(view(7), now=True)
        await pilot.pause()
        assert plot.renders == drawn + 1 and plot._redraw_timer is None
