"""The stats screen: accuracy over time and per tag, streak, reviews due in the coming days.

The figures are ``normquiz.progress.progress_stats``, the same that
``normquiz stats`` prints; the plots are textual-plotext.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from normquiz.progress import ProgressStats
from normquiz.tui.protocol import quiz_host
from normquiz.tui.widgets.bars import TagBars
from normquiz.tui.widgets.footer import KeysFooter

HEADLINE_LINES = 3


class StatsScreen(Screen[None]):
    """Progress at a glance."""

    CSS_PATH = "stats.tcss"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self) -> None:
        super().__init__()
        self.stats: ProgressStats | None = None

    def compose(self) -> ComposeResult:
        self.stats = stats = quiz_host(self).progress_stats()
        lines = stats.format_text().splitlines()
        yield Static("[b]Stats[/b] · the same figures as `normquiz stats`", id="status")
        with VerticalScroll(id="body"):
            yield Static("\n".join(lines[:HEADLINE_LINES]), id="headline")
            with Grid(id="plots"):
                yield PlotextPlot(id="per-day")
                yield PlotextPlot(id="forecast")
                yield TagBars(id="per-tag")
            yield Static("\n".join(lines[HEADLINE_LINES:]).strip("\n"), id="tables")
        yield KeysFooter()

    def on_mount(self) -> None:
        assert self.stats is not None
        self._plot_days(self.query_one("#per-day", PlotextPlot), self.stats)
        self._plot_forecast(self.query_one("#forecast", PlotextPlot), self.stats)
        self.query_one("#per-tag", TagBars).show(self.stats.per_tag)
        self.query_one("#body").focus()

    @staticmethod
    def _plot_days(widget: PlotextPlot, stats: ProgressStats) -> None:
        plt = widget.plt
        plt.title("Accuracy per day (%)")
        days = [day for day in stats.per_day if day.accuracy is not None][-14:]  # not skip-only days
        if days:
            plt.bar([f"{day.day:%m-%d}" for day in days], [round(100 * day.accuracy) for day in days])
            plt.ylim(0, 100)
        else:
            plt.text("no answers yet", 0.5, 0.5, alignment="center")
            plt.xlim(0, 1)
            plt.ylim(0, 1)

    @staticmethod
    def _plot_forecast(widget: PlotextPlot, stats: ProgressStats) -> None:
        plt = widget.plt
        plt.title("Reviews due, coming days")
        plt.bar([f"{due.day:%a}" for due in stats.due_forecast], [due.count for due in stats.due_forecast])
