"""Demo "cube": the (N, C, H, W) tensor drawn flat, cells lettered and coloured by the statistic they share."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

from normquiz.core import normalization_statistics
from normquiz.core.statistics import NormStatistics
from normquiz.tui.demos.base import SELECT_BINDINGS, DemoScreen, next_choice
from normquiz.tui.widgets.heatmap import Heatmap, HeatmapView

SHAPE = (3, 8, 2, 2)  # N, C, H, W
NORMS = ("batch", "layer", "instance", "group")
NAMES = {"batch": "batch norm", "layer": "layer norm", "instance": "instance norm", "group": "group norm"}
GROUP_CHOICES = tuple(g for g in range(1, SHAPE[1] + 1) if SHAPE[1] % g == 0)
LETTERS = string.ascii_lowercase + string.ascii_uppercase


def nearest_groups(groups: int) -> int:
    """The largest divisor of C not above ``groups`` (the demo's C is fixed)."""
    return max(g for g in GROUP_CHOICES if g <= max(groups, 1))


@dataclass(frozen=True)
class CubeState:
    norm: str = "batch"
    groups: int = 2
    row: int = 0  # n * H + h of the selected cell
    col: int = 0  # c * W + w of the selected cell
    seed: int = 0

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CubeState:
        return cls(norm=params.get("norm", "batch"), groups=nearest_groups(params.get("groups", 2)))

    def step_groups(self, direction: int) -> CubeState:
        index = GROUP_CHOICES.index(self.groups) + direction
        return replace(self, groups=GROUP_CHOICES[min(max(index, 0), len(GROUP_CHOICES) - 1)])

    def move(self, drow: int, dcol: int) -> CubeState:
        n, c, h, w = SHAPE
        return replace(self, row=(self.row + drow) % (n * h), col=(self.col + dcol) % (c * w))


@dataclass(frozen=True, eq=False)
class CubeView:
    x: np.ndarray  # (N, C, H, W)
    stats: NormStatistics
    ids: np.ndarray  # (N*H, C*W) statistic id of each drawn cell
    selected: int  # the selected cell's statistic id

    @property
    def members(self) -> np.ndarray:
        """The values of x that share the selected statistic."""
        return self.x[self.stats.group_index == self.selected]


def flat(array: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N*H, C*W): samples stacked down, channels side by side."""
    n, c, h, w = array.shape
    return array.transpose(0, 2, 1, 3).reshape(n * h, c * w)


def sample_tensor(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    channel_offsets = rng.uniform(-2.0, 2.0, (1, SHAPE[1], 1, 1))
    return np.round(channel_offsets + rng.standard_normal(SHAPE), 2)


def compute_view(state: CubeState) -> CubeView:
    x = sample_tensor(state.seed)
    if state.norm == "layer":
        stats = normalization_statistics(x, "layer", normalized_shape=SHAPE[1:])
    elif state.norm == "group":
        stats = normalization_statistics(x, "group", num_groups=state.groups)
    else:
        stats = normalization_statistics(x, state.norm)
    ids = flat(stats.group_index)
    return CubeView(x, stats, ids, int(ids[state.row, state.col]))


def describe(state: CubeState) -> str:
    c = SHAPE[1]
    return {
        "batch": "one statistic per channel, over N, H, W",
        "layer": "one statistic per sample, over C, H, W",
        "instance": "one statistic per sample and channel, over H, W",
        "group": f"one statistic per sample and group of {c // state.groups} channels ({state.groups} groups)",
    }[state.norm]


class CubeDemo(DemoScreen):
    """The cube demo screen."""

    DEMO_NAME = "cube"
    TITLE_TEXT = "cube · which cells of (N, C, H, W) share a statistic"
    QUIZ_TAGS = ("axes", "group-norm", "instance-norm")
    STATE_TYPE = CubeState
    CSS_PATH = ["base.tcss", "cube.tcss"]
    EXPLANATION = (
        "The tensor is drawn flat: samples stacked down, channels side by side, each channel an H × W "
        "block.\n\nCells with the [b]same letter[/b] (and colour) share one mean and variance. "
        "Brackets mark the selected set; its real statistics are below.\n\n"
        "BN: per channel. LN: per sample. IN: per sample and channel. GN: per sample and group: "
        "G = 1 is LN over (C, H, W), G = C is IN."
    )
    BINDINGS = [
        Binding("n", "next_norm", "norm",
                tooltip="next layer"),
        Binding("b", "norm('batch')", "BN", show=False,
                tooltip="batch norm"),
        Binding("l", "norm('layer')", "LN", show=False,
                tooltip="layer norm"),
        Binding("i", "norm('instance')", "IN", show=False,
                tooltip="instance norm"),
        Binding("g", "norm('group')", "GN", show=False,
                tooltip="group norm"),
        Binding("plus,equals_sign", "groups(1)", "G+", key_display="+",
                tooltip="more groups (group norm)"),
        Binding("minus", "groups(-1)", "G-", key_display="-", show=False,
                tooltip="fewer groups (group norm)"),
        *SELECT_BINDINGS,
        Binding("s", "resample", "new x", show=False,
                tooltip="draw a new input"),
    ]

    def compose_demo(self) -> Iterable[Widget]:
        yield Static(id="cube-status", classes="demo-status")
        yield Heatmap(id="cube-sets")
        yield Static(id="cube-stats", classes="demo-status")

    def refresh_view(self) -> None:
        state = self.state
        view = self.view = compute_view(state)
        n, c, h, w = SHAPE
        self.query_one("#cube-status", Static).update(
            f"[b]{NAMES[state.norm]}[/b]: {describe(state)} · x of shape (N, C, H, W) = {SHAPE}\n"
            f"{view.stats.num_statistics} statistics, each over {view.stats.count} values")
        letters = np.array([LETTERS[i % len(LETTERS)] for i in view.ids.ravel()]).reshape(view.ids.shape)
        self.query_one("#cube-sets", Heatmap).show(HeatmapView(
            view.ids.astype(float), scale="categorical", colour_values=view.ids, highlight=view.ids == view.selected,
            row_labels=tuple(f"n{i // h}" if i % h == 0 else "" for i in range(n * h)),
            col_labels=tuple(f"c{j // w}" if j % w == 0 else "" for j in range(c * w)),
            row_block=h, col_block=w, labels=letters, label_width=3))
        members = view.members
        stats = view.stats
        mean = stats.per_statistic(stats.mean)[view.selected]
        var = stats.per_statistic(stats.var)[view.selected]
        shown = " ".join(f"{v:+.2f}" for v in members[:12]) + (" …" if members.size > 12 else "")
        self.query_one("#cube-stats", Static).update(
            f"selected set [b]{LETTERS[view.selected % len(LETTERS)]}[/b]: {members.size} values\n"
            f"mean [b]{mean:+.3f}[/b] · variance [b]{var:.3f}[/b]\nvalues {shown}")

    def action_next_norm(self) -> None:
        self.update_state(replace(self.state, norm=next_choice(NORMS, self.state.norm)))

    def action_norm(self, norm: str) -> None:
        self.update_state(replace(self.state, norm=norm))

    def action_groups(self, direction: int) -> None:
        self.update_state(replace(self.state.step_groups(direction), norm="group"))
