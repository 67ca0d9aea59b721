"""A matrix drawn as coloured cells that also print their numbers, with one set of cells highlighted.

Three colour scales, all blended into the theme's background so they read on
dark and light themes alike (and the text colour is picked per cell for
contrast):

- ``diverging``: negative values blue, positive red, 0 the background;
- ``magnitude``: 0 the background, the largest value the theme's accent
  (used for the |change| view of the coupling demo);
- ``categorical``: ``colour_values`` are integer ids (e.g. which statistic a
  cell shares), each id its own hue; ids below 0 are drawn dim.

Colour never carries the information alone: every cell prints its value, and
highlighted cells are bold and wrapped in brackets (``[+1.23]``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.widget import Widget

Scale = Literal["diverging", "magnitude", "categorical"]

NEGATIVE = Color.parse("#2f6fde")
POSITIVE = Color.parse("#d9412b")
#: Hues for the categorical scale; neighbouring ids get well-separated hues.
CATEGORY_HUES = tuple(
    Color.parse(code)
    for code in ("#2f6fde", "#d9412b", "#2e9e4f", "#c98a0b", "#8e44c9", "#14a3a3", "#d6457f", "#6b7d2a")
)
#: How far a cell at full scale is blended from the background towards its colour.
STRENGTH = 0.8


@dataclass(frozen=True, eq=False)
class HeatmapView:
    """What a heatmap shows (tests read it back from ``Heatmap.view``).

    Attributes:
        values: the 2-D matrix of printed numbers (NaN prints as ``·``).
        scale: the colour scale (see the module docstring).
        colour_values: what the colour encodes when it is not ``values``
            (category ids for ``categorical``).
        highlight: boolean mask of the highlighted cells, or None.
        row_labels, col_labels: one label per row / column ("" for none).
        row_block, col_block: leave a gap after every ``row_block`` rows /
            ``col_block`` columns (0: no gaps), e.g. to draw (H, W) slices.
        limit: the value mapped to full colour; default the largest |value|.
        decimals: digits after the point; ``row_decimals`` overrides it row by row.
        signed: print a ``+`` on positive values.
        cell_width, label_width: minimum widths, so stacked heatmaps line up.
        labels: text to print instead of the numbers (same shape as values),
            e.g. a letter per statistic in the cube demo.
    """

    values: np.ndarray
    scale: Scale = "diverging"
    colour_values: np.ndarray | None = None
    highlight: np.ndarray | None = None
    row_labels: tuple[str, ...] = ()
    col_labels: tuple[str, ...] = ()
    row_block: int = 0
    col_block: int = 0
    limit: float | None = None
    decimals: int = 2
    row_decimals: tuple[int, ...] = ()
    signed: bool = True
    cell_width: int = 0
    label_width: int = 0
    labels: np.ndarray | None = None

    def cell_text(self, value: float, row: int = 0, col: int | None = None) -> str:
        """The printed form of one value (at ``row``, ``col``)."""
        if self.labels is not None and col is not None:
            return str(self.labels[row, col])
        if math.isnan(value):
            return "·"
        if value == 0 and self.scale == "magnitude":
            return "0"
        decimals = self.row_decimals[row] if row < len(self.row_decimals) else self.decimals
        return f"{value:+.{decimals}f}" if self.signed else f"{value:.{decimals}f}"


class Heatmap(Widget):
    """Draws a ``HeatmapView``; call ``show(view)`` to change it."""

    DEFAULT_CSS = """
    Heatmap {
        width: auto;
        height: auto;
    }
    """

    def __init__(self, view: HeatmapView | None = None, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view = view if view is not None else HeatmapView(np.zeros((0, 0)))

    def show(self, view: HeatmapView) -> None:
        """Replace what the heatmap draws."""
        self.view = view
        self.refresh(layout=True)

    # -- layout -------------------------------------------------------------------------------

    def _cell_width(self) -> int:
        values = self.view.values
        texts = [self.view.cell_text(float(v), i, j) for i, row in enumerate(values) for j, v in enumerate(row)]
        texts = texts or [""]
        return max(max(len(t) for t in texts) + 2, self.view.cell_width)

    def _label_width(self) -> int:
        longest = max((len(label) for label in self.view.row_labels), default=0)
        return max(longest, self.view.label_width) + 1 if self.view.row_labels else 0

    def _gaps(self, count: int, block: int) -> int:
        return (count - 1) // block if block and count else 0

    def get_content_width(self, container, viewport) -> int:  # noqa: ANN001 - Textual's signature
        cols = self.view.values.shape[1] if self.view.values.ndim == 2 else 0
        return self._label_width() + cols * self._cell_width() + self._gaps(cols, self.view.col_block)

    def get_content_height(self, container, viewport, width: int) -> int:  # noqa: ANN001
        rows = self.view.values.shape[0] if self.view.values.ndim == 2 else 0
        return rows + self._gaps(rows, self.view.row_block) + bool(self.view.col_labels)

    # -- colours ------------------------------------------------------------------------------

    def _background(self) -> Color:
        variables = getattr(self.app, "theme_variables", {}) or {}
        return Color.parse(variables.get("surface") or variables.get("background") or "#1e1e1e")

    def _cell_colours(self, background: Color) -> list[list[Color]]:
        view = self.view
        values = np.asarray(view.values, dtype=float)
        if view.scale == "categorical":
            ids = np.asarray(view.colour_values if view.colour_values is not None else values)
            return [
                [background if i < 0 else background.blend(CATEGORY_HUES[int(i) % len(CATEGORY_HUES)], 0.55)
                 for i in row]
                for row in ids
            ]
        source = np.asarray(view.colour_values if view.colour_values is not None else values, dtype=float)
        finite = np.abs(source[np.isfinite(source)])
        limit = view.limit if view.limit else (float(finite.max()) if finite.size and finite.max() > 0 else 1.0)
        strength = np.clip(np.nan_to_num(np.abs(source)) / limit, 0.0, 1.0) * STRENGTH
        if view.scale == "magnitude":
            accent = Color.parse((getattr(self.app, "theme_variables", {}) or {}).get("accent", "#c98a0b"))
            return [[background.blend(accent, float(s)) for s in row] for row in strength]
        return [
            [background.blend(POSITIVE if v > 0 else NEGATIVE, float(s)) for v, s in zip(vrow, srow)]
            for vrow, srow in zip(source, strength)
        ]

    # -- drawing ------------------------------------------------------------------------------

    def render(self) -> Text:
        view = self.view
        text = Text(no_wrap=True, overflow="crop")
        if view.values.ndim != 2 or view.values.size == 0:
            return text
        background = self._background()
        colours = self._cell_colours(background)
        width = self._cell_width()
        label_width = self._label_width()
        highlight = view.highlight
        rows, cols = view.values.shape
        if view.col_labels:
            text.append(" " * label_width)
            for j in range(cols):
                if j and view.col_block and j % view.col_block == 0:
                    text.append(" ")
                text.append(view.col_labels[j].center(width)[:width], Style(bold=True))
            text.append("\n")
        for i in range(rows):
            if i and view.row_block and i % view.row_block == 0:
                text.append("\n")
            if view.row_labels:
                text.append(view.row_labels[i].rjust(label_width - 1) + " ", Style(bold=True))
            for j in range(cols):
                if j and view.col_block and j % view.col_block == 0:
                    text.append(" ")
                cell = view.cell_text(float(view.values[i, j]), i, j)
                marked = highlight is not None and bool(highlight[i, j])
                body = f"[{cell}]" if marked else f" {cell} "
                colour = colours[i][j]
                style = Style(
                    bgcolor=colour.rich_color,
                    color=colour.get_contrast_text(1.0).rich_color,
                    bold=marked,
                    dim=view.scale == "categorical" and view.colour_values is not None
                    and int(np.asarray(view.colour_values)[i, j]) < 0,
                )
                text.append(body.center(width), style)
            if i < rows - 1:
                text.append("\n")
        return text
