"""What a generator draws (a ``Recipe``), how its numbers are written, and the redraw rule.

A computed question is worth asking only when the slips its prompt and
explanation warn about give a *wrong* answer. Each recipe therefore carries
its named slips (the value a learner gets by making each one), and
:func:`draw_telling` redraws until none of them would be accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from normquiz import core

from normquiz.bank.numbers import format_number as number

EPS = 1e-5
ENTRY_TOLERANCE = 0.01  # outputs of order 1, asked to two decimals
RUNNING_TOLERANCE = 0.005
# A slip must miss the answer by more than this many tolerances, so that a
# learner who makes it and then rounds to the asked precision is still wrong.
SLIP_MARGIN = 2.0
DRAW_ATTEMPTS = 200


@dataclass(frozen=True)
class Recipe:
    """What a recipe returns; ``computed.generate()`` adds the rendering.

    ``slips`` maps each mistake the question names to the answer it gives.
    """

    answer: float
    tolerance: float
    worked_solution: str
    placeholders: dict[str, str]
    inputs: dict[str, Any]
    slips: dict[str, float] = field(default_factory=dict)

    def caught_slips(self) -> list[str]:
        """The named slips that would pass for the answer (empty on a telling draw)."""
        limit = SLIP_MARGIN * self.tolerance if self.tolerance else 0.5  # tolerance 0: whole numbers
        return [name for name, value in self.slips.items()
                if not np.isfinite(value) or abs(value - self.answer) <= limit]


def draw_telling(draw: Callable[[np.random.Generator], Recipe], rng: np.random.Generator) -> Recipe:
    """Draw until no named slip gives an accepted answer (the last draw, should all fail)."""
    for _ in range(DRAW_ATTEMPTS):
        recipe = draw(rng)
        if not recipe.caught_slips():
            return recipe
    return recipe  # pragma: no cover - every built-in generator finds one in a few draws


def term(value: float) -> str:
    """A number inside a formula: negatives in parentheses, ``(-2)``."""
    return number(value) if value >= 0 else f"({number(value)})"


def vector(values: Any) -> str:
    return "[" + ", ".join(number(value) for value in np.ravel(values)) + "]"


def table(matrix: np.ndarray, row_label: str, column_label: str) -> str:
    """A Markdown table with 0-based row and column labels."""
    header = "| | " + " | ".join(f"{column_label} {j}" for j in range(matrix.shape[1])) + " |"
    rule = "|---|" + "---:|" * matrix.shape[1]
    rows = [f"| **{row_label} {i}** | " + " | ".join(number(v) for v in row) + " |"
            for i, row in enumerate(matrix)]
    return "\n".join([header, rule, *rows])


def integers(rng: np.random.Generator, shape: tuple[int, ...], low: int = -3, high: int = 6) -> np.ndarray:
    return rng.integers(low, high + 1, size=shape).astype(np.float64)


def pick(rng: np.random.Generator, options: tuple[float, ...]) -> float:
    return float(options[int(rng.integers(len(options)))])


def eval_setting(rng: np.random.Generator) -> dict[str, float]:
    """One feature's eval-mode batch norm: running statistics and affine parameters."""
    return {
        "running_mean": float(rng.integers(-2, 4)),
        "running_var": pick(rng, (0.25, 1.0, 4.0, 9.0)),
        "gamma": pick(rng, (0.5, 1.0, 1.5, 2.0)),
        "beta": pick(rng, (-1.0, -0.5, 0.0, 0.5, 1.0)),
    }


def spread_input(
    rng: np.random.Generator, shape: tuple[int, ...], kind: str, **options: Any
) -> tuple[np.ndarray, core.NormStatistics]:
    """Small integers whose every normalization group has a visible spread, and their statistics."""
    for _ in range(50):
        x = integers(rng, shape)
        stats = core.normalization_statistics(x, kind, **options)
        if np.all(stats.var >= 0.5):
            break
    return x, stats  # the last draw, should 50 in a row be flat (they never are)
