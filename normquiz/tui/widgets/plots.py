"""Line plots for the demos: a thin layer over textual-plotext that draws a declarative ``PlotView``.

Series colours are named by theme role (``"primary"``, ``"error"``, ...) and
looked up in the running theme at draw time, so a plot follows the app's
dark or light theme; each series also has its own marker and a legend entry,
so the colours are never the only way to tell the lines apart.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.color import Color
from textual_plotext import PlotextPlot

FALLBACK_COLOURS = {"primary": "#2f6fde", "error": "#d9412b", "success": "#2e9e4f", "warning": "#c98a0b",
                    "accent": "#8e44c9", "secondary": "#14a3a3", "foreground": "#888888"}


@dataclass(frozen=True)
class Series:
    """One line: points ``(x[i], y[i])`` (non-finite points are skipped), a legend label and a look."""

    label: str
    x: Sequence[float]
    y: Sequence[float]
    role: str = "primary"
    marker: str = "braille"
    lines: bool = True


@dataclass(frozen=True)
class PlotView:
    """Everything a plot shows."""

    series: tuple[Series, ...] = ()
    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    xscale: str = "linear"
    yscale: str = "linear"
    ylim: tuple[float, float] | None = None
    message: str = ""  # shown instead of the axes when there is nothing to plot
    legend: bool = True  # False: the screen explains the series itself (plotext's legend covers the top left)


class LinePlot(PlotextPlot):
    """A plotext plot that redraws itself from a ``PlotView`` (``show(view)``).

    ``drawing_share`` (e.g. 0.1) caps the share of the time spent drawing this plot: after
    a render that took t seconds the next one waits until t / drawing_share seconds have
    passed, and the latest view is drawn then. A plot of a live run then redraws about as
    often as the machine can afford (several times a second when idle, less when busy), and
    the run stays bound by its computation. None: every ``show`` redraws at the next frame.
    """

    DEFAULT_CSS = """
    LinePlot {
        width: 1fr;
        height: 1fr;
        min-height: 8;
    }
    """

    def __init__(self, view: PlotView | None = None, *, id: str | None = None, classes: str | None = None,
                 drawing_share: float | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view = view or PlotView()
        self.drawing_share = drawing_share
        self.renders = 0
        self._render_seconds = 0.0  # how long the last render took
        self._rendered_at = -math.inf  # when it ended (perf_counter)
        self._redraw_timer: object | None = None

    def show(self, view: PlotView, *, now: bool = False) -> None:
        """Replace what the plot shows and redraw: at the next frame, or when the drawing budget
        allows (``now``: at the next frame anyway, e.g. for the last view of a run)."""
        self.view = view
        if self.drawing_share is None or now:
            if self._redraw_timer is not None:
                self._redraw_timer.stop()  # type: ignore[attr-defined]
                self._redraw_timer = None
            self.refresh()
            return
        wait = self._render_seconds / self.drawing_share - (time.perf_counter() - self._rendered_at)
        if wait <= 0:
            self.refresh()
        elif self._redraw_timer is None:
            self._redraw_timer = self.set_timer(wait, self._deferred_redraw)

    def _deferred_redraw(self) -> None:
        self._redraw_timer = None
        self.refresh()

    def _colour(self, role: str) -> tuple[int, int, int]:
        variables = getattr(self.app, "theme_variables", {}) or {}
        colour = Color.parse(variables.get(role) or FALLBACK_COLOURS.get(role, "#888888"))
        return colour.rgb

    def render(self) -> Text:
        started = time.perf_counter()
        try:
            return self._draw()
        finally:
            self.renders += 1
            self._rendered_at = time.perf_counter()
            self._render_seconds = self._rendered_at - started

    def _draw(self) -> Text:
        view = self.view
        plt = self.plt
        plt.clear_figure()
        plt.title(view.title)
        plt.xlabel(view.xlabel)
        plt.ylabel(view.ylabel)
        drawn = False
        for series in view.series:
            points = [(float(x), float(y)) for x, y in zip(series.x, series.y)
                      if math.isfinite(float(x)) and math.isfinite(float(y))
                      and (view.xscale != "log" or x > 0) and (view.yscale != "log" or y > 0)]
            if not points:
                continue
            xs, ys = zip(*points)
            draw = plt.plot if series.lines else plt.scatter
            draw(list(xs), list(ys), label=series.label if view.legend else None, color=self._colour(series.role),
                 marker=series.marker)
            drawn = True
        if not drawn:
            return Text(view.message or "nothing to plot yet", justify="center")
        plt.xscale(view.xscale)
        plt.yscale(view.yscale)
        if view.ylim is not None:
            plt.ylim(*view.ylim)
        return super().render()
