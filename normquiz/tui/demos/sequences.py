"""Demo "sequences": a padded (B, T, D) batch; LN per token, BN over positions with and without the mask, BN per step."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

from normquiz.core import batch_norm, layer_norm, normalization_statistics
from normquiz.core.statistics import NormStatistics
from normquiz.tui.demos.base import DemoScreen
from normquiz.tui.widgets.heatmap import Heatmap, HeatmapView

FEATURES = 3
MAX_BATCH = 16
MAX_LENGTH = 64
FEATURE_MEANS = np.array([2.0, -1.0, 0.5])
FEATURE_SCALES = np.array([1.0, 0.5, 2.0])


@dataclass(frozen=True)
class SequencesState:
    norm: str = "batch"
    masked: bool = False
    per_step: bool = False
    batch_size: int = 4
    max_length: int = 10
    seed: int = 0

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> SequencesState:
        return cls(norm=params.get("norm", "batch"), masked=params.get("masked", False),
                   batch_size=params.get("batch_size", 4), max_length=params.get("max_length", 10))

    def resize(self, batch: int = 0, length: int = 0) -> SequencesState:
        return replace(self, batch_size=min(max(self.batch_size + batch, 1), MAX_BATCH),
                       max_length=min(max(self.max_length + length, 1), MAX_LENGTH))


@dataclass(frozen=True, eq=False)
class SequencesView:
    """The padded batch, the statistics with and without the mask, the output, and per-step statistics."""

    x: np.ndarray  # (B, T, D), padding = 0
    mask: np.ndarray  # (B, T), True = real token
    lengths: np.ndarray
    unmasked: NormStatistics | None  # BN over all positions (padding included)
    masked: NormStatistics | None  # BN over the real tokens only
    output: np.ndarray  # (B, T, D), NaN where the layer could not compute (or padding)
    damage: float  # largest |unmasked - masked BN output| over real tokens
    step_count: np.ndarray  # (T,) real tokens at each time step
    step_mean: np.ndarray  # (T,) per-step BN mean of feature 0 (NaN under 2 samples)
    error: str | None


def padded_batch(seed: int, batch_size: int, max_length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sequences of random lengths (the first one the longest), zero-padded to ``max_length``."""
    rng = np.random.default_rng([seed, batch_size, max_length])
    lengths = rng.integers(1, max_length + 1, size=batch_size)
    lengths[0] = max_length
    mask = np.arange(max_length)[None, :] < lengths[:, None]
    tokens = FEATURE_MEANS + FEATURE_SCALES * rng.standard_normal((batch_size, max_length, FEATURES))
    return np.round(np.where(mask[..., None], tokens, 0.0), 2), mask, lengths


def trainable_steps(mask: np.ndarray) -> np.ndarray:
    """The time steps with at least 2 real tokens: the only ones where BN can train on its own."""
    return np.flatnonzero(mask.sum(axis=0) >= 2)


def per_step_batch_norm(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """BN with separate statistics at each time step over the real tokens there (Cooijmans et al., 2016).

    NaN where a step has fewer than 2 real tokens: BN cannot train there.
    """
    output = np.full(x.shape, np.nan)
    for t in trainable_steps(mask):
        output[:, t, :] = batch_norm(x[:, t, :], None, None, training=True, mask=mask[:, t])
    return output


def per_step_means(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-step BN's mean of feature 0 at each time step (NaN under 2 real tokens)."""
    step_mean = np.full(x.shape[1], np.nan)
    for t in trainable_steps(mask):
        step_mean[t] = normalization_statistics(x[:, t, :], "batch", mask=mask[:, t]).mean[0, 0]
    return step_mean


def compute_view(state: SequencesState) -> SequencesView:
    x, mask, lengths = padded_batch(state.seed, state.batch_size, state.max_length)
    channels_first = x.transpose(0, 2, 1)  # BN wants (N, C, L)
    unmasked = masked = None
    error = None
    damage = float("nan")
    try:
        unmasked = normalization_statistics(channels_first, "batch")
        masked = normalization_statistics(channels_first, "batch", mask=mask)
        with_mask = batch_norm(channels_first, None, None, training=True, mask=mask).transpose(0, 2, 1)
        without = batch_norm(channels_first, None, None, training=True).transpose(0, 2, 1)
        damage = float(np.max(np.abs(with_mask - without)[mask]))
    except ValueError as exc:
        error = str(exc)
        with_mask = without = np.full(x.shape, np.nan)
    if state.norm == "layer":
        output = layer_norm(x, FEATURES)
    elif state.per_step:  # the per-step outputs are drawn only in this mode, so computed only here
        output = per_step_batch_norm(x, mask)
    else:
        output = with_mask if state.masked else without
    output = np.where(mask[..., None], output, np.nan)
    return SequencesView(x, mask, lengths, unmasked, masked, output, damage, mask.sum(axis=0),
                         per_step_means(x, mask), error)


def describe(state: SequencesState) -> str:
    if state.norm == "layer":
        return "layer norm: each token over its D features; padding never enters another token's statistics"
    if state.per_step:
        return "batch norm per time step: statistics at step t over the sequences still running at t"
    if state.masked:
        return "batch norm over the real positions only ([b]masked[/b])"
    return "batch norm over all B·T positions, [b]padding included[/b] (no mask)"


class SequencesDemo(DemoScreen):
    """The sequences demo screen."""

    DEMO_NAME = "sequences"
    TITLE_TEXT = "sequences · padding and batch statistics"
    QUIZ_TAGS = ("sequences", "rnn")
    STATE_TYPE = SequencesState
    CSS_PATH = ["base.tcss", "sequences.tcss"]
    EXPLANATION = (
        "A batch of sequences of different lengths, zero-padded to T.\n\n"
        "[b]BN without a mask[/b] counts the padding zeros as data: the mean is pulled towards 0 and "
        "the variance distorted, so every real token's output is off.\n"
        "[b]With the mask[/b], only real tokens count.\n"
        "[b]Per-step BN[/b] has few samples at late steps (n/a under 2).\n\n"
        "[b]LN[/b] normalizes each token over its own features: no mask needed, which is one reason "
        "transformers and RNNs use it."
    )
    BINDINGS = [
        Binding("n", "toggle_norm", "BN/LN",
                tooltip="switch between batch norm and layer norm"),
        Binding("m", "toggle_mask", "mask",
                tooltip="mask the padding out of BN's statistics"),
        Binding("p", "toggle_per_step", "per step",
                tooltip="statistics per time step"),
        Binding("plus,equals_sign", "resize(1, 0)", "B+", key_display="+", show=False,
                tooltip="one sequence more"),
        Binding("minus", "resize(-1, 0)", "B-", key_display="-", show=False,
                tooltip="one sequence fewer"),
        Binding("right_square_bracket", "resize(0, 1)", "T+", key_display="]", show=False,
                tooltip="one time step more"),
        Binding("left_square_bracket", "resize(0, -1)", "T-", key_display="[", show=False,
                tooltip="one time step fewer"),
        Binding("s", "resample", "new x", show=False,
                tooltip="draw new sequences and lengths"),
    ]

    def compose_demo(self) -> Iterable[Widget]:
        yield Static(id="seq-status", classes="demo-status")
        yield Static("input, feature 0 (· = padding zero; [ ] = counted in BN's statistics)",
                     classes="demo-caption")
        yield Heatmap(id="seq-input")
        yield Static(id="seq-stats", classes="demo-status")
        yield Static(id="seq-error", classes="demo-error")
        yield Static("output, feature 0", classes="demo-caption", id="seq-output-caption")
        yield Heatmap(id="seq-output")
        yield Static("per time step: real tokens, and BN's mean of feature 0", classes="demo-caption")
        yield Heatmap(id="seq-steps")

    def refresh_view(self) -> None:
        state = self.state
        view = self.view = compute_view(state)
        labels = tuple(f"s{i}" for i in range(state.batch_size))
        steps = tuple(f"t{t}" for t in range(state.max_length))
        self.query_one("#seq-status", Static).update(
            f"{describe(state)}\nB={state.batch_size}, T={state.max_length}, D={FEATURES} · "
            f"lengths {' '.join(map(str, view.lengths))} · {int(view.mask.sum())}/{view.mask.size} real")
        shown = np.where(view.mask, view.x[..., 0], np.nan)
        if state.norm == "layer":
            in_stats = np.zeros(view.mask.shape, dtype=bool)
        elif state.per_step:
            in_stats = view.mask & (view.step_count >= 2)[None, :]
        else:
            in_stats = view.mask if state.masked else np.ones(view.mask.shape, dtype=bool)
        self.query_one("#seq-input", Heatmap).show(HeatmapView(
            shown, highlight=in_stats, row_labels=labels, label_width=4, col_labels=steps, decimals=1, cell_width=6))
        self.query_one("#seq-stats", Static).update(statistics_text(view))
        error = self.query_one("#seq-error", Static)
        error.display = view.error is not None
        error.update(f"BN cannot train on this batch: {view.error}" if view.error else "")
        self.query_one("#seq-output", Heatmap).show(HeatmapView(
            view.output[..., 0], row_labels=labels, label_width=4, col_labels=steps, decimals=1, cell_width=6, limit=2.5))
        self.query_one("#seq-steps", Heatmap).show(HeatmapView(
            np.vstack([view.step_count, view.step_mean]), row_labels=("n", "mean"), label_width=4, col_labels=steps,
            decimals=1, row_decimals=(0, 1), cell_width=6, signed=False, colour_values=np.vstack([np.zeros_like(view.step_mean),
                                                                          view.step_mean - FEATURE_MEANS[0]])))

    def action_toggle_norm(self) -> None:
        self.update_state(replace(self.state, norm="layer" if self.state.norm == "batch" else "batch"))

    def action_toggle_mask(self) -> None:
        self.update_state(replace(self.state, masked=not self.state.masked, per_step=False))

    def action_toggle_per_step(self) -> None:
        self.update_state(replace(self.state, per_step=not self.state.per_step))

    def action_resize(self, batch: int, length: int) -> None:
        self.update_state(self.state.resize(batch, length))


def statistics_text(view: SequencesView) -> str:
    """BN's per-feature mean and variance with and without the mask, and the damage to the output."""
    if view.unmasked is None or view.masked is None:
        return ""
    rows = []
    for name, stats in (("no mask", view.unmasked), ("masked ", view.masked)):
        means = " ".join(f"{v:+.2f}" for v in stats.per_statistic(stats.mean))
        variances = " ".join(f"{v:.2f}" for v in stats.per_statistic(stats.var))
        rows.append(f"BN {name} ({stats.count:>3}): mean {means} · var {variances}")
    rows.append(f"padding moves a real token's BN output by up to [b]{view.damage:.3f}[/b]")
    return "\n".join(rows)
