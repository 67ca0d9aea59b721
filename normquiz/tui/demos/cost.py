"""Demo "cost": time BN and LN on this machine across batch and feature sizes, live, and plot it."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from normquiz.core import (
    batch_norm,
    batch_norm_backward,
    group_norm,
    instance_norm,
    layer_norm,
    layer_norm_backward,
    normalization_statistics,
    rms_norm,
)
from normquiz.tui.demos.live import LiveDemoScreen
from normquiz.tui.widgets.plots import LinePlot, PlotView, Series

BATCH_SIZES = (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
FEATURE_SIZES = (16, 64, 256, 1024, 4096, 16384)
FIXED_BATCH = 32
#: Aim for about this many elements per timed block, so tiny inputs are timed over many calls.
ELEMENTS_PER_BLOCK = 200_000
REPEATS = 5
ROLES = {"batch": "primary", "layer": "error", "rms": "success", "group": "warning", "instance": "accent"}
MARKERS = {"batch": "●", "layer": "■", "rms": "▲", "group": "◆", "instance": "✚"}
SHORT = {"batch": "BN", "layer": "LN", "rms": "RMS", "group": "GN", "instance": "IN"}


@dataclass(frozen=True)
class CostPoint:
    """One measurement: seconds per call of ``kind``'s ``direction`` pass on an (n, d) input."""

    sweep: str  # "batch" (n varies, d fixed) or "features" (d varies, n fixed)
    kind: str
    direction: str
    n: int
    d: int
    seconds: float


@dataclass(frozen=True)
class CostState:
    size: int = 1024  # features while the batch size varies
    norm: str = "batch"  # a third layer to time when it is neither BN nor LN
    direction: str = "forward"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CostState:
        return cls(size=params.get("size", 1024), norm=params.get("norm", "batch"))

    @property
    def kinds(self) -> tuple[str, ...]:
        return ("batch", "layer") + ((self.norm,) if self.norm not in ("batch", "layer") else ())

    def resize(self, factor: float) -> CostState:
        return replace(self, size=int(min(max(round(self.size * factor), 1), 1 << 16)))


def pass_function(kind: str, direction: str, x: np.ndarray) -> Callable[[], object]:
    """The call to time: one forward (training-mode statistics) or backward pass of ``kind`` on ``x``."""
    d = x.shape[1]
    if direction == "backward":
        dy = np.ones_like(x)
        if kind == "batch":
            return lambda: batch_norm_backward(dy, x)
        return lambda: layer_norm_backward(dy, x, d)
    calls: dict[str, Callable[[], object]] = {
        "batch": lambda: batch_norm(x, None, None, training=True),
        "layer": lambda: layer_norm(x, d),
        "rms": lambda: rms_norm(x, d),
        "group": lambda: group_norm(x, 1),
        "instance": lambda: instance_norm(x.reshape(x.shape[0], 1, d)),  # D positions of one channel
    }
    return calls[kind]


def time_call(call: Callable[[], object], elements: int, timer: Callable[[], float]) -> float:
    """Seconds per call: the best of REPEATS blocks of calls (the minimum is the least disturbed)."""
    number = max(1, ELEMENTS_PER_BLOCK // max(elements, 1))
    best = float("inf")
    for _ in range(REPEATS):
        start = timer()
        for _ in range(number):
            call()
        best = min(best, (timer() - start) / number)
    return best


def measurements(state: CostState, timer: Callable[[], float] = time.perf_counter) -> Iterator[CostPoint]:
    """Time every layer of ``state.kinds`` (or BN and LN for backward) over both sweeps, one point at a time."""
    rng = np.random.default_rng(0)
    kinds = state.kinds if state.direction == "forward" else ("batch", "layer")
    grid = [("batch", n, state.size) for n in BATCH_SIZES] + [("features", FIXED_BATCH, d) for d in FEATURE_SIZES]
    for sweep, n, d in grid:
        x = rng.standard_normal((n, d)).astype(np.float32)
        for kind in kinds:
            yield CostPoint(sweep, kind, state.direction, n, d, time_call(pass_function(kind, state.direction, x),
                                                                          x.size, timer))


@dataclass(frozen=True, eq=False)
class CostView:
    batch_plot: PlotView
    feature_plot: PlotView
    summary: str


@functools.lru_cache(maxsize=8)
def bn_saved_values(d: int) -> int:
    """How many values BN keeps for the backward pass at D features: a mean and a 1/std per statistic.

    Cached: the summary is redrawn at every measured point, and at D = 65536 the
    statistics call costs milliseconds on the event loop.
    """
    x = np.zeros((2, d), dtype=np.float32)  # any input with more than one row: only the layout matters
    return 2 * normalization_statistics(x, "batch").num_statistics


def compute_view(state: CostState, points: Iterable[CostPoint]) -> CostView:
    """Plots and a summary of the measured points that match the state (pass and feature size)."""
    points = [p for p in points if p.direction == state.direction]
    kinds = state.kinds if state.direction == "forward" else ("batch", "layer")
    series_batch, series_features = [], []
    for kind in kinds:
        for sweep, target, attribute in (("batch", series_batch, "n"), ("features", series_features, "d")):
            mine = [p for p in points if p.kind == kind and p.sweep == sweep]
            target.append(Series(SHORT[kind], [getattr(p, attribute) for p in mine],
                                 [p.seconds * 1e6 for p in mine], role=ROLES[kind], marker=MARKERS[kind]))
    message = "press space to measure on this machine"
    batch_plot = PlotView(tuple(series_batch), title=f"µs per {state.direction}, D={state.size}",
                          xlabel="batch size N", xscale="log", yscale="log", message=message)
    feature_plot = PlotView(tuple(series_features), title=f"µs per {state.direction}, N={FIXED_BATCH}",
                            xlabel="features D", xscale="log", yscale="log", message=message)
    return CostView(batch_plot, feature_plot, summarize(state, points))


def summarize(state: CostState, points: list[CostPoint]) -> str:
    """LN time / BN time at the smallest and largest batch measured so far."""
    by_key = {(p.kind, p.n): p.seconds for p in points if p.sweep == "batch"}
    sizes = sorted({n for kind, n in by_key if ("batch", n) in by_key and ("layer", n) in by_key})
    memory = f"kept for backward: BN {bn_saved_values(state.size)} values (2·D), LN 2·N values"
    if not sizes:
        return f"no measurement yet · {memory}"
    parts = [f"N={n}: LN/BN time {by_key[('layer', n)] / by_key[('batch', n)]:.2f}" for n in (sizes[0], sizes[-1])]
    return " · ".join(dict.fromkeys(parts)) + f"\n{memory}"


class CostDemo(LiveDemoScreen):
    """The cost demo screen: measurements run in a worker thread and arrive point by point."""

    DEMO_NAME = "cost"
    TITLE_TEXT = "cost · BN versus LN time on this machine"
    QUIZ_TAGS = ("cost",)
    STATE_TYPE = CostState
    WORKER_GROUP = "cost"
    CSS_PATH = ["base.tcss", "cost.tcss"]
    EXPLANATION = (
        "Both layers read every element once for the statistics and once to normalize: the work is "
        "proportional to N·D either way.\n\n"
        "What differs is the layout: BN reduces down the columns (D statistics), LN along the rows "
        "(N statistics). Timings here are this NumPy implementation on this machine.\n\n"
        "Judge the claim \"LN is cheaper for small batches\" from the left plot: compare the two lines "
        "at small N."
    )
    BINDINGS = [
        Binding("space", "measure", "measure",
                tooltip="measure on this machine (again)"),
        Binding("x", "stop", "stop",
                tooltip="stop measuring"),
        Binding("right_square_bracket", "resize(2)", "D×2", key_display="]", show=False,
                tooltip="double the features D"),
        Binding("left_square_bracket", "resize(0.5)", "D÷2", key_display="[", show=False,
                tooltip="halve the features D"),
        Binding("p", "toggle_direction", "fwd/bwd",
                tooltip="time the forward or the backward pass"),
    ]

    def __init__(self, params: Mapping[str, Any] | None = None, *, autostart: bool = True,
                 timer: Callable[[], float] = time.perf_counter) -> None:
        super().__init__(params, autostart=autostart)
        self.points: list[CostPoint] = []
        self.timer = timer

    def compose_demo(self) -> Iterable[Widget]:
        yield Static(id="cost-status", classes="demo-status")
        with Horizontal(id="cost-plots"):
            yield LinePlot(id="cost-batch-plot")
            yield LinePlot(id="cost-feature-plot")
        yield Static(id="cost-summary", classes="demo-status")

    def refresh_view(self) -> None:
        view = self.view = compute_view(self.state, self.points)
        activity = "[b]measuring…[/b] (x stops)" if self.running else "idle (space measures)"
        done = sum(p.direction == self.state.direction for p in self.points)
        self.query_one("#cost-status", Static).update(
            f"{self.state.direction} pass · float32 · {activity} · {done} points")
        self.query_one("#cost-batch-plot", LinePlot).show(view.batch_plot)
        self.query_one("#cost-feature-plot", LinePlot).show(view.feature_plot)
        self.query_one("#cost-summary", Static).update(view.summary)

    def start_work(self, *args: Any) -> None:
        """Measure the state's pass again (the other pass's points stay)."""
        self.points = [p for p in self.points if p.direction != self.state.direction]
        super().start_work(self.state)

    def work(self, generation: int, state: CostState) -> None:  # type: ignore[override]
        for point in measurements(state, self.timer):
            if self.work_cancelled():
                return
            self.report(generation, self.add_point, point)

    def add_point(self, point: CostPoint) -> None:
        self.points.append(point)
        self.refresh_view()

    def action_measure(self) -> None:
        self.start_work()

    def action_stop(self) -> None:
        self.stop_work()

    def action_resize(self, factor: float) -> None:
        self.action_stop()
        self.state = self.state.resize(factor)
        self.points = []
        self.refresh_view()

    def action_toggle_direction(self) -> None:
        self.action_stop()
        self.state = replace(self.state, direction="backward" if self.state.direction == "forward" else "forward")
        self.refresh_view()
