"""Demo "training": a small MLP trained live with no, batch and layer normalization side by side."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

from normquiz.lab.training import NORMS, Trainer, TrainingConfig, make_task
from normquiz.tui.demos.base import next_choice
from normquiz.tui.demos.live import LiveDemoScreen
from normquiz.tui.widgets.plots import LinePlot, PlotView, Series

LEARNING_RATES = (0.001, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
INIT_SCALES = (0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (1, 2, 8, 32, 128, 512)
#: Curves are moving averages over this many steps (single minibatch losses are noisy).
SMOOTHING = 10
NAMES = {"none": "none", "batch": "BN", "layer": "LN"}
ROLES = {"none": "warning", "batch": "primary", "layer": "error"}
#: The worker publishes its runs' progress at most this often (and at the end); the screen
#: draws the latest a few times a second (``LiveDemoScreen.REFRESH_SECONDS``). Each
#: publication copies every run's loss history, so not after every step.
PUBLISH_SECONDS = 0.05
#: The plot's share of the time (see ``LinePlot``); the table follows every refresh. A render
#: costs 15-40 ms of the GIL the training needs, so 5% is a redraw every 0.3-0.8 s; at 10% the
#: event loop took a fifth of the training's CPU time (benchmarks/bench_demos.py).
DRAWING_SHARE = 0.05
#: Curves are thinned to at most this many points: the plot has about two per column, and
#: plotext's time grows with the points.
MAX_CURVE_POINTS = 150
EVAL_EVERY = 50


@dataclass(frozen=True)
class TrainingState:
    learning_rate: float = 0.1
    init_scale: float = 1.0
    batch_size: int = 128
    steps: int = 300
    norm: str = "batch"  # the run the table points at

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> TrainingState:
        return cls(learning_rate=params.get("learning_rate", 0.1), batch_size=params.get("batch_size", 128),
                   steps=params.get("steps", 300), norm=params.get("norm", "batch"))

    def step_choice(self, name: str, choices: tuple[float, ...], direction: int) -> TrainingState:
        """One step up or down ``choices`` from the choice nearest the current value."""
        current = getattr(self, name)
        index = min(range(len(choices)), key=lambda i: abs(math.log(choices[i] / current)))
        return replace(self, **{name: choices[min(max(index + direction, 0), len(choices) - 1)]})

    def cycle(self, name: str, choices: tuple[float, ...]) -> TrainingState:
        """The next value of ``choices`` after the current one (wrapping round)."""
        larger = [c for c in choices if c > getattr(self, name)]
        return replace(self, **{name: larger[0] if larger else choices[0]})

    def config(self, norm: str) -> TrainingConfig:
        """The engine's config for one run (raises ValueError when it refuses, e.g. BN at batch size 1)."""
        return TrainingConfig(norm=norm, learning_rate=self.learning_rate, init_scale=self.init_scale,
                              batch_size=self.batch_size, steps=self.steps)


@dataclass(frozen=True)
class RunProgress:
    """Where one run is: its losses so far, status, and the last held-out evaluation."""

    norm: str
    losses: tuple[float, ...] = ()
    status: str = "ready"
    diverged_at: int | None = None
    eval_accuracy: float = math.nan
    error: str | None = None

    @classmethod
    def of(cls, norm: str, trainer: Trainer, eval_accuracy: float) -> RunProgress:
        return cls(norm, tuple(trainer.losses), trainer.status, trainer.diverged_at, eval_accuracy)


@dataclass(frozen=True, eq=False)
class TrainingView:
    plot: PlotView
    table: tuple[tuple[str, ...], ...]  # one row per run: marker, norm, status, step, loss, accuracy
    errors: tuple[str, ...] = field(default=())


def smoothed(losses: np.ndarray) -> np.ndarray:
    """Moving average over the last SMOOTHING steps (fewer at the start)."""
    sums = np.cumsum(losses)
    window = np.minimum(np.arange(1, losses.size + 1), SMOOTHING)
    previous = np.concatenate([np.zeros(SMOOTHING), sums])[: losses.size]
    return (sums - previous) / window


def compute_view(state: TrainingState, runs: Mapping[str, RunProgress]) -> TrainingView:
    """Loss curves and the summary table for the runs' progress (no training here)."""
    series = []
    for norm in NORMS:
        run = runs.get(norm)
        if run is None or not run.losses:
            continue
        losses = np.asarray(run.losses, dtype=float)
        # A diverging run's last losses would flatten the others' curves.
        shown = np.minimum(smoothed(np.where(np.isfinite(losses), losses, 10.0)), 10.0)
        steps = np.arange(1, losses.size + 1)
        every = -(-losses.size // MAX_CURVE_POINTS)  # ceil: the last step is always kept
        keep = np.unique(np.append(np.arange(0, losses.size, every), losses.size - 1))
        series.append(Series(NAMES[norm], steps[keep], shown[keep], role=ROLES[norm]))
    plot = PlotView(tuple(series), title=f"training loss (mean of {SMOOTHING} steps, clipped at 10)", xlabel="step",
                    message="press space to train none, BN and LN from the same initial weights")
    rows = []
    errors = []
    for norm in NORMS:
        run = runs.get(norm, RunProgress(norm))
        if run.error:
            errors.append(f"{NAMES[norm]}: {run.error}")
        marker = ">" if norm == state.norm else ""
        recent = [v for v in run.losses[-10:] if math.isfinite(v)]
        loss = f"{np.mean(recent):.3f}" if recent and run.status != "diverged" else "—"
        status = "refused" if run.error else (
            f"diverged@{run.diverged_at}" if run.status == "diverged" else run.status)
        accuracy = "—" if math.isnan(run.eval_accuracy) else f"{run.eval_accuracy:.1%}"
        rows.append((marker, NAMES[norm], status, str(len(run.losses)), loss, accuracy))
    return TrainingView(plot, tuple(rows), tuple(errors))


#: The summary table's columns: (header, justification).
TABLE_COLUMNS = (("", "left"), ("norm", "left"), ("status", "left"), ("step", "right"),
                 ("loss (last 10)", "right"), ("held-out acc", "right"))


def summary_table(rows: Iterable[tuple[str, ...]]) -> Text:
    """The table under the plot, one row per run (``TrainingView.table``), laid out as Rich lays out
    ``Table(box=None, padding=(0, 1))``: a column as wide as its widest cell, a space either side.
    Plain text, because a Rich table is laid out again at every frame it is drawn in, and this
    one is redrawn a few times a second while the runs train."""
    rows = list(rows)
    widths = table_shape(rows)
    text = Text(end="")
    for index, cells in enumerate([tuple(header for header, _ in TABLE_COLUMNS), *rows]):
        if index:
            text.append("\n")
        for cell, width, (_, justify) in zip(cells, widths, TABLE_COLUMNS):
            padding = " " * (width - cell_len(cell))
            cell = padding + cell if justify == "right" else cell + padding
            text.append(f" {cell} ", style="bold" if index == 0 else "")
    return text


def table_shape(rows: Iterable[tuple[str, ...]]) -> tuple[int, ...]:
    """The summary table's column widths (without the space either side)."""
    widths = [cell_len(header) for header, _ in TABLE_COLUMNS]
    for row in rows:
        widths = [max(width, cell_len(cell)) for width, cell in zip(widths, row)]
    return tuple(widths)


class TrainingDemo(LiveDemoScreen):
    """The training demo screen: the three runs advance in one worker thread, step by step."""

    DEMO_NAME = "training"
    TITLE_TEXT = "training · none vs BN vs LN, same network, same data"
    QUIZ_TAGS = ("training-dynamics",)
    STATE_TYPE = TrainingState
    WORKER_GROUP = "training"
    CSS_PATH = ["base.tcss", "training.tcss"]
    EXPLANATION = (
        "A 6-layer MLP (64 units, ReLU) learns a 3-arm spiral, trained from scratch in NumPy with plain "
        "SGD; the forward and backward passes go through normquiz.core.\n\n"
        "All three runs share the initial weights and minibatches; only the layer after each hidden "
        "linear layer differs.\n\n"
        "Try learning rates ([b][ ][/b]) and init scales ([b]i[/b]): which runs still learn, which "
        "diverge?\n\nOn this task (300 steps, seed 0) the engine's sweep found: without normalization "
        "only ×1 init and lr ≤ 0.1 learn, ×10 init diverges at once; BN learns at every init from "
        "×0.1 to ×10 and lr up to 1; LN does not diverge at ×10 init but learns poorly away from ×1. "
        "At lr 10 all three diverge.\n\nBatch size 1 is refused for BN (b)."
    )
    BINDINGS = [
        Binding("space", "toggle_run", "run",
                tooltip="start or stop the three runs"),
        Binding("r", "restart", "restart", show=False,
                tooltip="train again from step 0"),
        Binding("right_square_bracket", "learning_rate(1)", "lr+", key_display="]",
                tooltip="raise the learning rate"),
        Binding("left_square_bracket", "learning_rate(-1)", "lr-", key_display="[",
                tooltip="lower the learning rate"),
        Binding("i", "init_scale", "init", show=False,
                tooltip="next initial weight scale"),
        Binding("b", "batch", "batch", show=False,
                tooltip="next batch size"),
        Binding("n", "next_norm", "row", show=False,
                tooltip="point the table at the next run"),
    ]

    def __init__(self, params: Mapping[str, Any] | None = None, *, autostart: bool = True) -> None:
        super().__init__(params, autostart=autostart)
        self.runs: dict[str, RunProgress] = {}
        # Per widget: the content last shown, and its height if it was sure (see ``_update``).
        self._shown: dict[Static, tuple[Hashable, int | None]] = {}

    def compose_demo(self) -> Iterable[Widget]:
        yield Static(id="training-status", classes="demo-status")
        # Drawing the curves takes at most DRAWING_SHARE of the time: the runs are bound by the training.
        yield LinePlot(id="training-plot", drawing_share=DRAWING_SHARE)
        yield Static(id="training-errors", classes="demo-error")
        yield Static(id="training-table", classes="demo-status")

    def refresh_view(self) -> None:
        state = self.state
        view = self.view = compute_view(state, self.runs)
        activity = "[b]training…[/b] (space stops)" if self.running else "stopped (space trains)"
        if state.norm not in NORMS:
            activity += f" · the engine has no {state.norm!r} runs"
        # Only what changed is updated: a refresh during a run then redraws the table and the
        # plot, and lays the screen out again only when a widget's height may change.
        status = (f"learning rate [b]{state.learning_rate:g}[/b] · init [b]×{state.init_scale:g}[/b] He · "
                  f"batch [b]{state.batch_size}[/b] · {state.steps} steps · {activity}")
        self._update(self.query_one("#training-status", Static), status, width=Text.from_markup(status).cell_len)
        # While the runs train, the plot redraws within its budget; once they stop, at once.
        self.query_one("#training-plot", LinePlot).show(view.plot, now=not self.running)
        errors = self.query_one("#training-errors", Static)
        errors.display = bool(view.errors)
        self._update(errors, "\n".join(view.errors))
        rows = view.table
        self._update(self.query_one("#training-table", Static), rows, lambda: summary_table(rows),
                     width=sum(table_shape(rows)) + 2 * len(TABLE_COLUMNS), lines=1 + len(rows))

    def _update(self, widget: Static, content: Hashable, draw: Callable[[], object] | None = None, *,
                width: int | None = None, lines: int = 1) -> None:
        """Show ``content`` in ``widget`` (as ``draw()`` makes it, or as markup) if it is new.

        The screen is laid out again only if the widget's height may change. Content of ``lines``
        lines no wider than ``width`` cells is exactly ``lines`` high when it fits the widget's
        width; so is the content before it if it fitted with as many lines: then the height
        stays (the widget's width is set by the screen, not by its content)."""
        shown = self._shown.get(widget)
        if shown is not None and shown[0] == content:
            return
        height = lines if width is not None and 0 < width <= widget.content_size.width else None
        same_height = shown is not None and height is not None and shown[1] == height
        widget.update(draw() if draw else content, layout=not same_height)  # type: ignore[arg-type]
        self._shown[widget] = (content, height)

    # -- running --------------------------------------------------------------------------------

    def action_toggle_run(self) -> None:
        """Stop the runs, or (when stopped) train again from step 0."""
        if self.running:
            self.stop_work()
        else:
            self.action_restart()

    def action_restart(self) -> None:
        self.start_work()

    def start_work(self, *args: Any) -> None:
        """Train the three runs again from step 0."""
        self.runs = {}
        super().start_work(self.state)

    def work(self, generation: int, state: TrainingState) -> None:  # type: ignore[override]
        trainers: dict[str, Trainer] = {}
        refused: dict[str, RunProgress] = {}
        task = None  # the same data for every run: built once
        for norm in NORMS:
            try:
                config = state.config(norm)
                task = make_task(config) if task is None else task
                trainers[norm] = Trainer(config, task=task)
            except ValueError as exc:
                refused[norm] = RunProgress(norm, error=str(exc))
        accuracy = {norm: math.nan for norm in trainers}

        def progress() -> dict[str, RunProgress]:
            # Built only when published: each RunProgress copies the run's whole loss history.
            return {norm: refused[norm] if norm in refused else RunProgress.of(norm, trainers[norm], accuracy[norm])
                    for norm in NORMS}

        published_at = -math.inf
        while not self.work_cancelled():
            for norm, trainer in trainers.items():
                if trainer.finished:
                    continue
                trainer.step()
                if trainer.finished or trainer.steps_done % EVAL_EVERY == 0:
                    accuracy[norm] = trainer.evaluate().accuracy
            done = all(t.finished for t in trainers.values())
            if done or time.monotonic() - published_at >= PUBLISH_SECONDS:
                self.publish(generation, progress())
                published_at = time.monotonic()
            if done:
                return

    def adopt_published(self, state: Any) -> None:
        self.runs = state

    # -- settings: each change starts the runs again --------------------------------------------------------

    def change(self, state: TrainingState) -> None:
        self.state = state
        if self.running or self.runs:
            self.action_restart()
        else:
            self.refresh_view()

    def action_learning_rate(self, direction: int) -> None:
        self.change(self.state.step_choice("learning_rate", LEARNING_RATES, direction))

    def action_init_scale(self) -> None:
        self.change(self.state.cycle("init_scale", INIT_SCALES))

    def action_batch(self) -> None:
        self.change(self.state.cycle("batch_size", BATCH_SIZES))

    def action_next_norm(self) -> None:
        self.state = replace(self.state, norm=next_choice(NORMS, self.state.norm))
        self.refresh_view()
