"""Demo "axes": which axis each normalization reduces over, on a small (N, D) batch matrix."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from normquiz.core import batch_norm, group_norm, layer_norm, normalization_statistics, rms_norm
from normquiz.core.statistics import NormStatistics
from normquiz.tui.demos.base import SELECT_BINDINGS, DemoScreen, next_choice
from normquiz.tui.widgets.heatmap import Heatmap, HeatmapView

NORMS = ("batch", "layer", "group", "instance", "rms")
MAX_SIZE = 8
CELL = 7  # every matrix of the screen uses this cell width, so columns line up
WHAT = {
    "batch": "batch norm: statistics over axis 0 (the examples), one mean and variance per feature (column)",
    "layer": "layer norm: statistics over axis 1 (the features), one mean and variance per example (row)",
    "rms": "RMS norm: like layer norm per example (row), but no mean is subtracted: var = mean(x²)",
    "group": "group norm: per example (row), over each group of D/G features",
    "instance": "instance norm: per example and channel, over spatial positions: an (N, D) matrix has none",
}
#: Shown in instance-norm mode instead of statistics: the layer needs axes this matrix does not have.
INSTANCE_NOTE = (
    "Instance norm averages over the spatial positions (H·W, or the time steps L) of one example "
    "and one channel. An (N, D) matrix has no such axis: each statistic would cover a single value, "
    "so every output would be β. Press n for the next layer; the cube demo shows instance norm on "
    "an (N, C, H, W) input."
)


@dataclass(frozen=True)
class AxesState:
    """What the learner set: the layer, the shape, the seed, the selected cell and gamma/beta per feature."""

    norm: str = "batch"
    n: int = 4
    d: int = 6
    seed: int = 0
    row: int = 0
    col: int = 0
    gamma: tuple[float, ...] = (1.0,) * MAX_SIZE
    beta: tuple[float, ...] = (0.0,) * MAX_SIZE

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> AxesState:
        return cls(norm=params.get("norm", "batch"), n=params.get("n", 4), d=params.get("d", 6))

    def next_norm(self) -> AxesState:
        return replace(self, norm=next_choice(NORMS, self.norm))

    def resize(self, dn: int = 0, dd: int = 0) -> AxesState:
        n = min(max(self.n + dn, 1), MAX_SIZE)
        d = min(max(self.d + dd, 1), MAX_SIZE)
        return replace(self, n=n, d=d, row=min(self.row, n - 1), col=min(self.col, d - 1))

    def move(self, drow: int = 0, dcol: int = 0) -> AxesState:
        return replace(self, row=(self.row + drow) % self.n, col=(self.col + dcol) % self.d)

    def nudge_affine(self, dgamma: float = 0.0, dbeta: float = 0.0) -> AxesState:
        gamma, beta = list(self.gamma), list(self.beta)
        gamma[self.col] = round(gamma[self.col] + dgamma, 6)
        beta[self.col] = round(beta[self.col] + dbeta, 6)
        return replace(self, gamma=tuple(gamma), beta=tuple(beta))


@dataclass(frozen=True, eq=False)
class AxesView:
    """What the screen shows: input, statistics, output, and which cells share the selected statistic."""

    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray
    stats: NormStatistics | None
    output: np.ndarray | None
    error: str | None
    note: str | None  # instead of statistics, when the layer does not apply to an (N, D) matrix
    highlight: np.ndarray
    groups: int
    description: str


def sample_batch(seed: int, n: int, d: int) -> np.ndarray:
    """An (n, d) slice of a fixed 8 x 8 matrix whose columns have different offsets and scales,
    so per-feature and per-example statistics differ visibly (growing N or D keeps the old cells)."""
    rng = np.random.default_rng(seed)
    offsets = rng.uniform(-2.5, 2.5, MAX_SIZE)
    scales = rng.uniform(0.3, 1.5, MAX_SIZE)
    full = offsets + scales * rng.standard_normal((MAX_SIZE, MAX_SIZE))
    return np.round(full[:n, :d], 2)


def group_count(d: int) -> int:
    """Groups the demo uses for group norm on D features: 2 when D is even, else 1."""
    return 2 if d % 2 == 0 else 1


def compute_view(state: AxesState) -> AxesView:
    """Statistics and output of ``state.norm`` on the state's matrix, all from ``normquiz.core``."""
    x = sample_batch(state.seed, state.n, state.d)
    weight = np.array(state.gamma[: state.d])
    bias = np.array(state.beta[: state.d])
    groups = group_count(state.d)
    stats = output = error = note = None
    try:
        if state.norm == "batch":
            stats = normalization_statistics(x, "batch")
            output = batch_norm(x, None, None, weight, bias, training=True)
        elif state.norm == "layer":
            stats = normalization_statistics(x, "layer", normalized_shape=state.d)
            output = layer_norm(x, state.d, weight, bias)
        elif state.norm == "rms":
            stats = normalization_statistics(x, "rms", normalized_shape=state.d)
            output = rms_norm(x, state.d, weight) + bias
        elif state.norm == "group":
            stats = normalization_statistics(x, "group", num_groups=groups)
            output = group_norm(x, groups, weight, bias)
        else:
            note = INSTANCE_NOTE
    except ValueError as exc:
        error = str(exc)
    if stats is not None:
        highlight = stats.group_index == stats.group_index[state.row, state.col]
    else:
        highlight = np.zeros(x.shape, dtype=bool)
        highlight[state.row, state.col] = True  # the selection stays visible
    return AxesView(x, weight, bias, stats, output, error, note, highlight, groups, WHAT[state.norm])


def statistics_matrix(view: AxesView) -> tuple[HeatmapView, bool]:
    """The statistics as a small matrix, and whether it sits below the input or beside it.

    Below: BN's (one per column, under its column) and GN's (a mean and a variance per
    group and row: four columns, too wide to sit beside an 8-feature input at 80 columns).
    Beside: LN's and RMS norm's, one mean and variance per row.
    """
    stats = view.stats
    assert stats is not None
    means, variances = stats.per_statistic(stats.mean), stats.per_statistic(stats.var)
    chosen = int(stats.group_index[view.highlight][0])
    if stats.kind == "batch":
        marks = np.zeros((2, means.size), dtype=bool)
        marks[:, chosen] = True
        return HeatmapView(np.vstack([means, variances]), highlight=marks, row_labels=("mean", "var"), label_width=4,
                           cell_width=CELL), True
    n = view.x.shape[0]
    per_row = means.size // n
    table = np.hstack([means.reshape(n, per_row), variances.reshape(n, per_row)])
    marks = np.zeros(table.shape, dtype=bool)
    marks[chosen // per_row, [chosen % per_row, per_row + chosen % per_row]] = True
    if per_row == 1:
        return HeatmapView(table, highlight=marks, col_labels=("mean", "var"), cell_width=CELL), False
    labels = tuple(f"μ g{g}" for g in range(per_row)) + tuple(f"σ² g{g}" for g in range(per_row))
    return HeatmapView(table, highlight=marks, col_labels=labels, row_labels=row_labels(n), label_width=4,
                       cell_width=CELL), True


def row_labels(n: int) -> tuple[str, ...]:
    return tuple(f"x{i}" for i in range(n))


class AxesDemo(DemoScreen):
    """The axes demo screen."""

    DEMO_NAME = "axes"
    TITLE_TEXT = "axes · which values share one mean and variance"
    QUIZ_TAGS = ("axes",)
    STATE_TYPE = AxesState
    CSS_PATH = ["base.tcss", "axes.tcss"]
    EXPLANATION = (
        "Each layer computes [b]mean[/b] and [b]variance[/b] over some axes, then "
        "y = (x - mean) / sqrt(var + eps) · γ + β.\n\n"
        "Bracketed cells share the statistic of the selected cell.\n\n"
        "[b]Batch norm[/b] reduces over the examples (axis 0): it needs the other rows.\n"
        "[b]Layer norm[/b] reduces over the features (axis 1): each row on its own.\n\n"
        "Look for: the BN output has mean 0 down each column, the LN output along each row. "
        "γ and β are per feature in both."
    )
    BINDINGS = [
        Binding("n", "next_norm", "norm",
                tooltip="next layer: BN, LN, GN, IN, RMS"),
        *SELECT_BINDINGS,
        Binding("plus,equals_sign", "resize(1, 0)", "N+", key_display="+", show=False,
                tooltip="one example more"),
        Binding("minus", "resize(-1, 0)", "N-", key_display="-", show=False,
                tooltip="one example fewer"),
        Binding("right_square_bracket", "resize(0, 1)", "D+", key_display="]", show=False,
                tooltip="one feature more"),
        Binding("left_square_bracket", "resize(0, -1)", "D-", key_display="[", show=False,
                tooltip="one feature fewer"),
        Binding("g", "affine(0.5, 0)", "γ+", show=False,
                tooltip="raise γ of the selected feature"),
        Binding("G", "affine(-0.5, 0)", "γ-", show=False,
                tooltip="lower γ of the selected feature"),
        Binding("b", "affine(0, 0.5)", "β+", show=False,
                tooltip="raise β of the selected feature"),
        Binding("B", "affine(0, -0.5)", "β-", show=False,
                tooltip="lower β of the selected feature"),
        Binding("s", "resample", "new x",
                tooltip="draw a new input matrix"),
    ]

    def compose_demo(self) -> Iterable[Widget]:
        yield Static(id="axes-status", classes="demo-status")
        yield Static("input x (N × D)", classes="demo-caption")
        with Horizontal(classes="demo-row"):
            yield Heatmap(id="axes-input")
            yield Heatmap(id="axes-stats-right")
        yield Heatmap(id="axes-stats-below")
        yield Static(id="axes-error", classes="demo-error")
        yield Static(id="axes-note", classes="demo-note")
        yield Static("output y = norm(x) · γ + β", classes="demo-caption", id="axes-output-caption")
        yield Heatmap(id="axes-output")
        yield Heatmap(id="axes-affine")

    def refresh_view(self) -> None:
        state = self.state
        view = self.view = compute_view(state)
        labels = row_labels(state.n)
        columns = tuple(f"f{j}" for j in range(state.d))
        self.query_one("#axes-status", Static).update(
            f"{view.description}\nN={state.n} examples, D={state.d} features · selected x{state.row}, f{state.col}"
        )
        self.query_one("#axes-input", Heatmap).show(
            HeatmapView(view.x, highlight=view.highlight, row_labels=labels, col_labels=columns,
                        label_width=4, cell_width=CELL))
        right = self.query_one("#axes-stats-right", Heatmap)
        below = self.query_one("#axes-stats-below", Heatmap)
        right.display = below.display = False
        if view.stats is not None:
            table, is_below = statistics_matrix(view)
            target = below if is_below else right
            target.display = True
            target.show(table)
        error = self.query_one("#axes-error", Static)
        error.display = view.error is not None
        error.update(view.error or "")
        note = self.query_one("#axes-note", Static)
        note.display = view.note is not None
        note.update(view.note or "")
        output = self.query_one("#axes-output", Heatmap)
        output.display = view.output is not None
        self.query_one("#axes-output-caption").display = view.output is not None
        if view.output is not None:
            output.show(HeatmapView(view.output, highlight=view.highlight, row_labels=labels,
                                    col_labels=columns, label_width=4, cell_width=CELL))
        self.query_one("#axes-affine", Heatmap).show(
            HeatmapView(np.vstack([view.weight, view.bias]), row_labels=("γ", "β"), label_width=4, cell_width=CELL,
                        highlight=np.arange(state.d)[None, :].repeat(2, 0) == state.col))

    def action_next_norm(self) -> None:
        self.update_state(self.state.next_norm())

    def action_resize(self, dn: int, dd: int) -> None:
        self.update_state(self.state.resize(dn, dd))

    def action_affine(self, dgamma: float, dbeta: float) -> None:
        self.update_state(self.state.nudge_affine(dgamma, dbeta))
