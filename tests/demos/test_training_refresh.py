"""The training demo's cheap refreshes: the latest published state at a fixed rate and at the end,
a plain-text table laid out as Rich lays out the table it replaces, and no stale heights."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.table import Table

from normquiz.tui.demos import training
from normquiz.tui.demos.live import LiveDemoScreen
from normquiz.tui.demos.training import TABLE_COLUMNS, RunProgress, TrainingDemo, summary_table
from tests.demos.harness import DemoHarness

ROWS = [
    ("", "none", "finished", "300", "0.412", "81.0%"),
    (">", "BN", "diverged@12", "12", "—", "—"),
    ("", "LN", "training", "7", "1.094", "—"),
]


def rich_table(rows: list[tuple[str, ...]]) -> Table:
    table = Table(box=None, padding=(0, 1), header_style="bold")
    for column, justify in TABLE_COLUMNS:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*row)
    return table


def cells(renderable: object) -> list[list[tuple[str, bool]]]:
    """Each line as (character, bold) pairs: what a terminal shows, however it is split up."""
    console = Console(width=120)
    lines = console.render_lines(renderable, console.options, pad=False)  # type: ignore[arg-type]
    return [[(char, bool(segment.style and segment.style.bold)) for segment in line for char in segment.text]
            for line in lines]


@pytest.mark.parametrize("rows", [ROWS, ROWS[:1], []])
def test_the_plain_table_is_laid_out_as_rich_lays_out_its_table(rows: list[tuple[str, ...]]) -> None:
    assert cells(summary_table(rows)) == cells(rich_table(rows))


async def test_the_runs_final_numbers_are_drawn_even_if_no_refresh_came_before(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The refresh timer never fires during the run: only the end of the run draws.
    monkeypatch.setattr(LiveDemoScreen, "REFRESH_SECONDS", 1000.0)
    screen = TrainingDemo({"steps": 12, "batch_size": 32}, autostart=False)
    app = DemoHarness("training", screen=screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [len(run.losses) for run in screen.runs.values()] == [12, 12, 12]
        table = str(screen.query_one("#training-table").render())
        assert table.count("finished") == 3 and " 12 " in table
        assert "stopped" in str(screen.query_one("#training-status").render())
        assert screen.query_one(training.LinePlot).view.series[0].x[-1] == 12  # the curves reach the last step


async def test_a_table_that_outgrows_the_width_gets_the_height_it_needs() -> None:
    # Wide enough for the table before the run, too narrow once its cells are longer: the
    # table wraps, and the screen must be laid out again or its last lines would be cut.
    screen = TrainingDemo({"steps": 40}, autostart=False)
    app = DemoHarness("training", screen=screen)
    async with app.run_test(size=(60, 40)) as pilot:
        await pilot.pause()
        table = screen.query_one("#training-table")
        assert table.size.height == 4
        long = "x" * 20
        screen.adopt_published({norm: RunProgress(norm, (1.0,) * 40, "finished", None, 0.5, error=None)
                                for norm in training.NORMS} | {"layer": RunProgress("layer", (1.0,), long)})
        screen.refresh_view()
        await pilot.pause()
        assert table.size.height > 4
        shown = [screen.app.screen._compositor.render_strips()[y].text for y in
                 range(table.region.y, table.region.y + table.region.height)]
        assert sum(line.count("x") for line in shown) == len(long)  # every line of it on screen
