"""Demo "small-batch": how noisy batch statistics get as the batch shrinks, and why LN and GN do not care."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

from normquiz.core import batch_norm, group_norm, layer_norm, normalization_statistics
from normquiz.tui.demos.base import DemoScreen, next_choice
from normquiz.tui.widgets.heatmap import Heatmap, HeatmapView
from normquiz.tui.widgets.plots import LinePlot, PlotView, Series

NORMS = ("batch", "group", "layer")
MAX_BATCH = 256
TRIALS = 200
FEATURES = 8
GROUPS = 2
MU, SIGMA = 2.0, 1.5
CURVE_SIZES = (2, 4, 8, 16, 32, 64, 128, 256)


@dataclass(frozen=True)
class SmallBatchState:
    batch_size: int = 8
    norm: str = "batch"
    seed: int = 0

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> SmallBatchState:
        return cls(batch_size=params.get("batch_size", 8), norm=params.get("norm", "batch"))

    def resize(self, factor: float = 1.0, delta: int = 0) -> SmallBatchState:
        size = round(self.batch_size * factor) + delta
        return replace(self, batch_size=min(max(size, 1), MAX_BATCH))

    def next_norm(self) -> SmallBatchState:
        return replace(self, norm=next_choice(NORMS, self.norm))


@dataclass(frozen=True, eq=False)
class SmallBatchView:
    """Noise of the batch statistics at this batch size, the curve over sizes, and one example's output spread."""

    mean_noise: float  # std over trials of the batch mean (NaN at batch size 1)
    var_noise: float  # std over trials of the biased batch variance
    curve_sizes: np.ndarray
    curve_noise: np.ndarray  # measured std of the batch mean at each curve size
    spread: np.ndarray  # (3,) BN, GN, LN: std over trials of one fixed example's output (NaN when BN fails)
    error: str | None  # BN's complaint at batch size 1 in training


def trials_for(batch_size: int) -> int:
    """How many batches to draw: half as many above 64 examples, to keep a key press under 16 ms."""
    return TRIALS if batch_size <= 64 else TRIALS // 2


def trial_batches(seed: int, batch_size: int) -> np.ndarray:
    """``(trials, batch_size, FEATURES)`` batches from one distribution; example 0 is the same in all of them."""
    rng = np.random.default_rng([seed, batch_size])
    batches = MU + SIGMA * rng.standard_normal((trials_for(batch_size), batch_size, FEATURES))
    batches[:, 0] = MU + SIGMA * np.random.default_rng(seed).standard_normal(FEATURES)
    return batches


def batch_mean_noise(batches: np.ndarray) -> tuple[float, float]:
    """Std over trials of the batch mean and biased variance of feature 0 (the trials side by side as channels)."""
    stats = normalization_statistics(batches[:, :, 0].T, "batch")
    return float(np.std(stats.per_statistic(stats.mean))), float(np.std(stats.per_statistic(stats.var)))


@functools.lru_cache(maxsize=8)
def noise_curve(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Measured std of the batch mean at each of CURVE_SIZES (the same for every state with this seed)."""
    noise = [batch_mean_noise(trial_batches(seed, size))[0] for size in CURVE_SIZES]
    return np.array(CURVE_SIZES, dtype=float), np.array(noise)


def output_spread(batches: np.ndarray) -> tuple[np.ndarray, str | None]:
    """Std over trials of example 0's output under BN (training), GN and LN, averaged over features."""
    trials, size, features = batches.shape
    error = None
    # BN: each trial's batch is normalized on its own; put the trials side by side as channels.
    side_by_side = batches.transpose(1, 0, 2).reshape(size, trials * features)
    try:
        bn = batch_norm(side_by_side, None, None, training=True)[0].reshape(trials, features)
        bn_spread = float(np.std(bn, axis=0).mean())
    except ValueError as exc:
        bn_spread, error = float("nan"), str(exc)
    rows = batches.reshape(trials * size, features)
    gn = group_norm(rows, GROUPS).reshape(trials, size, features)[:, 0]
    ln = layer_norm(rows, features).reshape(trials, size, features)[:, 0]
    return np.array([bn_spread, float(np.std(gn, axis=0).mean()), float(np.std(ln, axis=0).mean())]), error


def compute_view(state: SmallBatchState) -> SmallBatchView:
    batches = trial_batches(state.seed, state.batch_size)
    if state.batch_size > 1:
        mean_noise, var_noise = batch_mean_noise(batches)
    else:
        mean_noise = var_noise = float("nan")
    sizes, curve = noise_curve(state.seed)
    spread, error = output_spread(batches)
    return SmallBatchView(mean_noise, var_noise, sizes, curve, spread, error)


class SmallBatchDemo(DemoScreen):
    """The small-batch demo screen."""

    DEMO_NAME = "small-batch"
    TITLE_TEXT = "small-batch · noisy batch statistics"
    QUIZ_TAGS = ("batch-size", "group-norm")
    STATE_TYPE = SmallBatchState
    CSS_PATH = ["base.tcss", "small_batch.tcss"]
    EXPLANATION = (
        f"{TRIALS} batches of m examples ({TRIALS // 2} above m = 64) from one distribution (σ = {SIGMA}).\n\n"
        "The batch mean is an estimate: its noise shrinks like σ/√m, so small batches give BN noisy "
        "statistics, and at m = 1 BN cannot train at all (PyTorch raises).\n\n"
        "The table follows one fixed example placed in every batch: under BN its output changes with "
        "its batch mates; LN and GN use only the example itself, so their spread is 0 at any m.\n\n"
        "GN (Wu & He, 2018) is the usual fix for tiny batches."
    )
    BINDINGS = [
        Binding("right_square_bracket", "resize(2, 0)", "m×2", key_display="]",
                tooltip="double the batch size"),
        Binding("left_square_bracket", "resize(0.5, 0)", "m÷2", key_display="[",
                tooltip="halve the batch size"),
        Binding("plus,equals_sign", "resize(1, 1)", "m+1", key_display="+", show=False,
                tooltip="one example more per batch"),
        Binding("minus", "resize(1, -1)", "m-1", key_display="-", show=False,
                tooltip="one example fewer per batch"),
        Binding("n", "next_norm", "norm",
                tooltip="next layer in the table"),
        Binding("s", "resample", "new x", show=False,
                tooltip="draw new batches"),
    ]

    def compose_demo(self) -> Iterable[Widget]:
        yield Static(id="small-status", classes="demo-status")
        yield LinePlot(id="small-plot")
        yield Static(id="small-legend", classes="demo-caption")
        yield Static(id="small-error", classes="demo-error")
        yield Static("spread of one fixed example's output across the batches it sits in", classes="demo-caption")
        yield Heatmap(id="small-spread")

    def refresh_view(self) -> None:
        state = self.state
        view = self.view = compute_view(state)
        m = state.batch_size
        self.query_one("#small-status", Static).update(
            f"batch size m = [b]{m}[/b] · std of the batch mean {noise_text(view.mean_noise)} "
            f"(σ/√m = {SIGMA / np.sqrt(m):.3f}) · std of the batch variance {noise_text(view.var_noise)}"
        )
        sizes = view.curve_sizes
        here = ((Series(f"m = {m}", [m], [view.mean_noise], role="warning", marker="◆", lines=False),)
                if m > 1 else ())
        # The line first, so that the measured points are drawn over it; the legend is a caption
        # below the plot, because plotext's own sits on the small-m points at the top left.
        self.query_one("#small-plot", LinePlot).show(PlotView(
            (Series("σ/√m", sizes, SIGMA / np.sqrt(sizes), role="success"),
             Series("measured", sizes, view.curve_noise, role="primary", marker="●", lines=False)) + here,
            title="std of the batch mean vs batch size m", xscale="log", yscale="log", legend=False))
        self.query_one("#small-legend", Static).update(
            f"[$primary]●[/] measured ({trials_for(2)} batches per m)   [$success]⠒⠒[/] σ/√m"
            + (f"   [$warning]◆[/] m = {m}" if m > 1 else ""))
        error = self.query_one("#small-error", Static)
        error.display = view.error is not None
        error.update(f"BN in training at m = 1: {view.error}" if view.error else "")
        chosen = np.array([[norm == state.norm for norm in NORMS]])
        self.query_one("#small-spread", Heatmap).show(HeatmapView(
            view.spread[None, :], scale="magnitude", highlight=chosen, signed=False, decimals=3, limit=1.0,
            col_labels=("BN", f"GN (G={GROUPS})", "LN"), row_labels=("spread",), cell_width=12))

    def action_resize(self, factor: float, delta: int) -> None:
        self.update_state(self.state.resize(factor, delta))

    def action_next_norm(self) -> None:
        self.update_state(self.state.next_norm())


def noise_text(value: float) -> str:
    return "n/a (one value)" if np.isnan(value) else f"{value:.3f}"
