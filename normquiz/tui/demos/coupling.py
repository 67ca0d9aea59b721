"""Demo "coupling": nudge one value of one example and see which outputs move (BN: all rows; LN: that row)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static

from normquiz.core import batch_norm, layer_norm
from normquiz.tui.demos.base import SELECT_BINDINGS, DemoScreen
from normquiz.tui.widgets.heatmap import Heatmap, HeatmapView

FEATURES = 4
MAX_BATCH = 16
NUDGE = 0.5


@dataclass(frozen=True)
class CouplingState:
    """The layer, the batch size, the seed, the selected value and how far it was nudged."""

    norm: str = "batch"
    batch_size: int = 6
    seed: int = 0
    row: int = 0
    col: int = 0
    nudge: float = 0.0

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CouplingState:
        return cls(norm=params.get("norm", "batch"), batch_size=params.get("batch_size", 6))

    def toggle_norm(self) -> CouplingState:
        return replace(self, norm="layer" if self.norm == "batch" else "batch")

    def move(self, drow: int = 0, dcol: int = 0) -> CouplingState:
        """Select another value; the nudge starts again from 0."""
        return replace(self, row=(self.row + drow) % self.batch_size, col=(self.col + dcol) % FEATURES, nudge=0.0)

    def resize(self, delta: int) -> CouplingState:
        size = min(max(self.batch_size + delta, 2), MAX_BATCH)
        return replace(self, batch_size=size, row=min(self.row, size - 1))

    def push(self, amount: float) -> CouplingState:
        return replace(self, nudge=round(self.nudge + amount, 6))


@dataclass(frozen=True, eq=False)
class CouplingView:
    """Input before and after the nudge, both outputs, and |change| of the output."""

    x: np.ndarray
    nudged: np.ndarray
    before: np.ndarray
    after: np.ndarray
    change: np.ndarray
    selected: np.ndarray

    @property
    def rows_changed(self) -> int:
        return int(np.count_nonzero(self.change.max(axis=1) > 0))


def sample_batch(seed: int, batch_size: int) -> np.ndarray:
    """The first ``batch_size`` rows of a fixed (16, 4) matrix drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    return np.round(rng.normal(0.0, 1.0, (MAX_BATCH, FEATURES)), 2)[:batch_size]


def normalize(x: np.ndarray, norm: str) -> np.ndarray:
    """Training-mode batch norm or layer norm of an (N, D) batch, by ``normquiz.core``."""
    if norm == "batch":
        return batch_norm(x, None, None, training=True)
    return layer_norm(x, x.shape[1])


def compute_view(state: CouplingState) -> CouplingView:
    x = sample_batch(state.seed, state.batch_size)
    nudged = x.copy()
    nudged[state.row, state.col] += state.nudge
    before, after = normalize(x, state.norm), normalize(nudged, state.norm)
    selected = np.zeros(x.shape, dtype=bool)
    selected[state.row, state.col] = True
    return CouplingView(x, nudged, before, after, np.abs(after - before), selected)


class CouplingDemo(DemoScreen):
    """The coupling demo screen."""

    DEMO_NAME = "coupling"
    TITLE_TEXT = "coupling · change one example, watch the others"
    QUIZ_TAGS = ("batch-size", "train-eval")
    STATE_TYPE = CouplingState
    CSS_PATH = ["base.tcss", "coupling.tcss"]
    EXPLANATION = (
        "Press [b]space[/b] to push the selected value up (backspace: down).\n\n"
        "[b]Batch norm[/b]: the value enters its column's mean and variance, so the output of "
        "[i]every[/i] example moves. Examples in a batch are not independent: an example's output "
        "depends on its batch mates.\n\n"
        "[b]Layer norm[/b]: only the nudged example's row moves; the others stay exactly the same.\n\n"
        "Bigger batches dilute the effect on the others under BN."
    )
    BINDINGS = [
        Binding("n", "toggle_norm", "BN/LN",
                tooltip="switch between batch norm and layer norm"),
        Binding("space", "push(1)", "nudge",
                tooltip="nudge the selected value up"),
        Binding("backspace", "push(-1)", "nudge -", show=False,
                tooltip="nudge the selected value down"),
        *SELECT_BINDINGS,
        Binding("plus,equals_sign", "resize(1)", "N+", key_display="+", show=False,
                tooltip="one example more"),
        Binding("minus", "resize(-1)", "N-", key_display="-", show=False,
                tooltip="one example fewer"),
        Binding("s", "resample", "new x", show=False,
                tooltip="draw a new batch"),
    ]

    def compose_demo(self) -> Iterable[Widget]:
        yield Static(id="coupling-status", classes="demo-status")
        with Horizontal(classes="demo-row"):
            with Vertical(classes="coupling-column"):
                yield Static("input x (nudged one: [ ])", classes="demo-caption")
                yield Heatmap(id="coupling-input")
            with Vertical(classes="coupling-column"):
                yield Static("|change| of the output", classes="demo-caption")
                yield Heatmap(id="coupling-change")
        yield Static(id="coupling-output-caption", classes="demo-caption")
        yield Heatmap(id="coupling-output")

    def refresh_view(self) -> None:
        state = self.state
        view = self.view = compute_view(state)
        name = "batch norm" if state.norm == "batch" else "layer norm"
        labels = tuple(f"x{i}" for i in range(state.batch_size))
        columns = tuple(f"f{j}" for j in range(FEATURES))
        self.query_one("#coupling-status", Static).update(
            f"[b]{name}[/b] · batch of {state.batch_size} · x{state.row}[f{state.col}] nudged by "
            f"{state.nudge:+.1f}\noutputs that changed: [b]{view.rows_changed} of {state.batch_size}[/b] rows "
            f"· largest change in another row: {other_rows_change(view, state.row):.3f}"
        )
        self.query_one("#coupling-input", Heatmap).show(
            HeatmapView(view.nudged, highlight=view.selected, row_labels=labels, col_labels=columns))
        self.query_one("#coupling-change", Heatmap).show(
            HeatmapView(view.change, scale="magnitude", highlight=view.change > 0, col_labels=columns,
                        signed=False, limit=max(float(view.change.max()), 1e-12)))
        self.query_one("#coupling-output-caption", Static).update(f"output y = {name}(x), after the nudge")
        self.query_one("#coupling-output", Heatmap).show(
            HeatmapView(view.after, highlight=view.change > 0, row_labels=labels, col_labels=columns))

    def action_toggle_norm(self) -> None:
        self.update_state(self.state.toggle_norm())

    def action_push(self, direction: int) -> None:
        self.update_state(self.state.push(direction * NUDGE))

    def action_resize(self, delta: int) -> None:
        self.update_state(self.state.resize(delta))

    def action_resample(self) -> None:
        self.update_state(replace(self.state, seed=self.state.seed + 1, nudge=0.0))


def other_rows_change(view: CouplingView, row: int) -> float:
    """The largest |change| of the output outside the nudged example's row."""
    others = np.delete(view.change, row, axis=0)
    return float(others.max()) if others.size else 0.0
