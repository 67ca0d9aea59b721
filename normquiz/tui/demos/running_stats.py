"""Demo "running-stats": running mean and variance as moving averages over a drifting stream; train versus eval."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from normquiz.core import BatchNorm, batch_norm, layer_norm, normalization_statistics
from normquiz.tui.demos.base import DemoScreen, fmt, next_choice
from normquiz.tui.widgets.heatmap import Heatmap, HeatmapView
from normquiz.tui.widgets.plots import LinePlot, PlotView, Series

MOMENTA: tuple[float | None, ...] = (0.01, 0.1, 0.3, 0.9, None)
BATCH = 16
CHANNELS = 4
MAX_STEPS = 200
TEST_BATCHES = 20
COMPANIONS = 7
#: The one fixed example whose output the table follows.
FIXED_INPUT = np.array([[3.0, -1.0, 0.5, 2.0]])
CHANNEL_OFFSETS = np.array([0.0, -1.0, 0.5, 1.0])


@dataclass(frozen=True)
class RunningStatsState:
    """Momentum, how many training batches the layer saw, the mode at test time, and the bug toggle."""

    momentum: float | None = 0.1
    steps: int = 60
    mode: str = "train"
    forgot_eval: bool = False
    seed: int = 0
    companions_seed: int = 0

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> RunningStatsState:
        return cls(momentum=params.get("momentum", 0.1), steps=params.get("steps", 60),
                   mode=params.get("mode", "train"))

    def next_momentum(self) -> RunningStatsState:
        return replace(self, momentum=next_choice(MOMENTA, self.momentum))

    def advance(self, batches: int) -> RunningStatsState:
        return replace(self, steps=min(max(self.steps + batches, 0), MAX_STEPS))

    def toggle_mode(self) -> RunningStatsState:
        return replace(self, mode="eval" if self.mode == "train" else "train")


def true_mean(step: np.ndarray) -> np.ndarray:
    """The stream's mean of channel 0 at each step: it drifts slowly (the layer has to follow it)."""
    return 1.0 + 2.0 * np.sin(2.0 * np.pi * step / 150.0)


def stream(seed: int, steps: int, shift: float = 0.0) -> np.ndarray:
    """``(steps, BATCH, CHANNELS)`` training batches from the drifting distribution."""
    rng = np.random.default_rng(seed)
    k = np.arange(steps)[:, None, None]
    scale = 1.0 + k / MAX_STEPS
    return true_mean(k) + CHANNEL_OFFSETS + shift + scale * rng.standard_normal((steps, BATCH, CHANNELS))


@dataclass(frozen=True, eq=False)
class RunningStatsView:
    """Histories of channel 0 and the fixed example's outputs in each mode."""

    batch_mean: np.ndarray  # (steps,) channel 0, training then test batches
    batch_var: np.ndarray  # unbiased, as running_var stores
    running_mean: np.ndarray
    running_var: np.ndarray
    test_steps: int  # how many of the last steps were test batches seen in train mode (the bug)
    outputs: np.ndarray  # (4, CHANNELS): BN train, BN eval, LN train, LN eval
    mode_used: str  # the BN mode the model really ran in at test time


def compute_view(state: RunningStatsState) -> RunningStatsView:
    """Feed the stream through a ``BatchNorm`` and evaluate the fixed example in both modes."""
    layer = BatchNorm(CHANNELS, momentum=state.momentum, dtype=np.float64)
    batches = stream(state.seed, state.steps)
    test_steps = TEST_BATCHES if state.forgot_eval else 0
    if test_steps:
        # The bug: after training, the test set (here from a shifted distribution) is run
        # through the layer still in train mode, so it keeps updating the running statistics.
        batches = np.concatenate([batches, stream(state.seed + 1, test_steps, shift=3.0)])
    running = np.empty((len(batches), 2))
    for k, batch in enumerate(batches):
        layer(batch)
        running[k] = layer.running_mean[0], layer.running_var[0]
    # One statistics call for every batch at once: the steps side by side as channels.
    side_by_side = batches[..., 0].T if len(batches) else np.zeros((BATCH, 0))
    if side_by_side.shape[1]:
        stats = normalization_statistics(side_by_side, "batch")
        batch_mean, batch_var = stats.per_statistic(stats.mean), stats.per_statistic(stats.unbiased_var)
    else:
        batch_mean = batch_var = np.zeros(0)
    companions = np.random.default_rng(1000 + state.companions_seed).standard_normal((COMPANIONS, CHANNELS))
    test_batch = np.vstack([FIXED_INPUT, companions + CHANNEL_OFFSETS + float(true_mean(np.array(state.steps)))])
    bn_train = batch_norm(test_batch, None, None, training=True)[0]
    bn_eval = batch_norm(FIXED_INPUT, layer.running_mean, layer.running_var, training=False)[0]
    ln = layer_norm(FIXED_INPUT, CHANNELS)[0]
    mode_used = "train" if state.forgot_eval else state.mode
    return RunningStatsView(batch_mean, batch_var, running[:, 0], running[:, 1], test_steps,
                            np.vstack([bn_train, bn_eval, ln, ln]), mode_used)


def momentum_text(momentum: float | None) -> str:
    return "None (cumulative average)" if momentum is None else f"{momentum:g}"


class RunningStatsDemo(DemoScreen):
    """The running-stats demo screen."""

    DEMO_NAME = "running-stats"
    TITLE_TEXT = "running-stats · moving averages, train versus eval"
    QUIZ_TAGS = ("running-stats", "train-eval")
    STATE_TYPE = RunningStatsState
    CSS_PATH = ["base.tcss", "running_stats.tcss"]
    EXPLANATION = (
        "In training, BN normalizes with the batch's statistics and updates\n"
        "running = (1 - m)·running + m·batch\n(PyTorch's m = 0.1; the variance stored is the unbiased one). "
        "m = None: plain average of all batches so far.\n\n"
        "In eval mode BN uses the running estimates: the output of one example no longer depends on its batch.\n\n"
        "Layer norm has no running statistics: train = eval.\n\n"
        "[b]f[/b]: forgot model.eval(). Test batches (shifted data) keep updating the running "
        "statistics, and outputs depend on the test batch (press [b]c[/b])."
    )
    BINDINGS = [
        Binding("space", "advance(1)", "batch",
                tooltip="train on the next batch"),
        Binding("right_square_bracket", "advance(10)", "+10", key_display="]", show=False,
                tooltip="ten batches forward"),
        Binding("left_square_bracket", "advance(-10)", "-10", key_display="[", show=False,
                tooltip="ten batches back"),
        Binding("m", "next_momentum", "momentum", show=False,
                tooltip="next momentum"),
        Binding("e", "toggle_mode", "eval",
                tooltip="switch between train() and eval()"),
        Binding("f", "toggle_forgot", "forgot",
                tooltip="forget to call eval() at test time"),
        Binding("c", "companions", "test batch", show=False,
                tooltip="the test batch: alone or with others"),
    ]

    def compose_demo(self) -> Iterable[Widget]:
        yield Static(id="running-status", classes="demo-status")
        with Horizontal(id="running-plots"):
            yield LinePlot(id="running-mean-plot")
            yield LinePlot(id="running-var-plot")
        yield Static(id="running-outputs-caption", classes="demo-caption")
        yield Heatmap(id="running-outputs")
        yield Static(id="running-verdict", classes="demo-status")

    def refresh_view(self) -> None:
        state = self.state
        view = self.view = compute_view(state)
        total = len(view.batch_mean)
        latest = (f"batch mean {fmt(view.batch_mean[-1])} · running mean {fmt(view.running_mean[-1])} · "
                  f"batch var {fmt(view.batch_var[-1])} · running var {fmt(view.running_var[-1])}"
                  if total else "no batch yet: running mean 0, running var 1")
        bug = f" · [b]forgot eval(): {view.test_steps} test batches ran in train mode[/b]" if view.test_steps else ""
        self.query_one("#running-status", Static).update(
            f"momentum [b]{momentum_text(state.momentum)}[/b] · {state.steps} training batches of {BATCH}{bug}\n"
            f"channel 0 now: {latest}"
        )
        steps = np.arange(1, total + 1)
        self.query_one("#running-mean-plot", LinePlot).show(PlotView(
            (Series("batch", steps, view.batch_mean, role="foreground", marker="•", lines=False),
             Series("running", steps, view.running_mean, role="primary"),
             Series("true", steps[: state.steps], true_mean(steps[: state.steps] - 1), role="success", marker="dot")),
            title="channel 0 mean", message="press space to feed a batch"))
        self.query_one("#running-var-plot", LinePlot).show(PlotView(
            (Series("batch", steps, view.batch_var, role="foreground", marker="•", lines=False),
             Series("running", steps, view.running_var, role="error")),
            title="channel 0 variance", message="press space to feed a batch"))
        self.query_one("#running-outputs-caption", Static).update(
            "fixed example x* = [3, -1, 0.5, 2] "
            f"· model in {view.mode_used} mode: [ ]")
        used = np.zeros((4, CHANNELS), dtype=bool)
        used[0 if view.mode_used == "train" else 1] = True
        used[2 if view.mode_used == "train" else 3] = True
        self.query_one("#running-outputs", Heatmap).show(HeatmapView(
            view.outputs, highlight=used, row_labels=("BN train", "BN eval", "LN train", "LN eval"),
            col_labels=tuple(f"f{j}" for j in range(CHANNELS))))
        self.query_one("#running-verdict", Static).update(verdict(state, view))

    def action_advance(self, batches: int) -> None:
        self.update_state(self.state.advance(batches))

    def action_next_momentum(self) -> None:
        self.update_state(self.state.next_momentum())

    def action_toggle_mode(self) -> None:
        self.update_state(self.state.toggle_mode())

    def action_toggle_forgot(self) -> None:
        self.update_state(replace(self.state, forgot_eval=not self.state.forgot_eval))

    def action_companions(self) -> None:
        self.update_state(replace(self.state, companions_seed=self.state.companions_seed + 1))


def verdict(state: RunningStatsState, view: RunningStatsView) -> str:
    """One sentence on what the table shows."""
    gap = float(np.max(np.abs(view.outputs[0] - view.outputs[1])))
    if state.forgot_eval:
        return ("BN in train mode at test time: x*'s output depends on the other test examples "
                "(press c), and the running statistics drifted towards the test data.")
    if math.isnan(gap):
        return ""
    return (f"BN train and eval outputs differ by up to {gap:.2f}; LN's two rows are identical. "
            "Eval mode uses only the running estimates.")
