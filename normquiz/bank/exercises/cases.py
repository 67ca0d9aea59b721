"""What one exercise's checks try: inputs seeded by the caller, expected outputs from the core.

A :class:`Check` is one call of the learner's function (what was tried, the
arguments, the expected outputs and the known mistakes to recognize). An
:class:`ExerciseChecks` adds the two calls that judge vectorization: a small
and a larger input whose executed line counts are compared, and a large
timed input with the core function to time against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from normquiz.bank.exercises.mistakes import Mistake

#: float64 inputs: a correct solution is good to ~1e-13, a known mistake off by ~1e-3 or more.
EXACT = (1e-7, 1e-9)
#: float32 inputs (and a common offset): the textbook two-pass solution stays within this.
SINGLE = (2e-3, 2e-3)


@dataclass(frozen=True)
class Check:
    """One call of the learner's function and what it must return.

    ``compared`` (optional) is a boolean array selecting the positions of the
    first output that are checked (masked batch norm ignores padded tokens);
    ``protected`` the argument positions that must come back unmodified;
    ``offset`` the common offset added to x (for the instability diagnosis);
    ``numerical`` central-difference gradients, where a backward check has them;
    ``output_tolerance`` a ``(rtol, atol)`` per output where one for all does not fit.
    """

    label: str
    args: tuple[Any, ...]
    expected: tuple[np.ndarray, ...]
    mistakes: tuple[Mistake, ...] = ()
    tolerance: tuple[float, float] = EXACT
    compared: np.ndarray | None = None
    protected: tuple[int, ...] | None = None
    offset: float = 0.0
    numerical: tuple[np.ndarray | None, ...] = ()
    output_tolerance: tuple[tuple[float, float], ...] = ()

    def tolerance_of(self, output: int) -> tuple[float, float]:
        """``(rtol, atol)`` for output number ``output``."""
        return self.output_tolerance[output] if self.output_tolerance else self.tolerance

    def protected_args(self) -> tuple[int, ...]:
        if self.protected is not None:
            return self.protected
        return tuple(index for index, arg in enumerate(self.args) if isinstance(arg, np.ndarray))


@dataclass(frozen=True)
class Timing:
    """A large input, and the core function (a name in ``normquiz.core``) that computes the same thing."""

    args: tuple[Any, ...]
    core_function: str
    core_args: tuple[Any, ...]
    core_kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExerciseChecks:
    checks: tuple[Check, ...]
    scaling: tuple[tuple[Any, ...], tuple[Any, ...]]  # (small args, larger args)
    timing: Timing


Builder = Callable[[np.random.Generator], ExerciseChecks]
_BUILDERS: dict[str, Builder] = {}


def builder(name: str) -> Callable[[Builder], Builder]:
    """Register the function that builds the checks of exercise ``name``."""

    def register(function: Builder) -> Builder:
        _BUILDERS[name] = function
        return function

    return register


def describe(x: np.ndarray, *, offset: float = 0.0, extra: str = "") -> str:
    """What a check tried, for its line: ``x (8, 5) float32, offset 2000``."""
    parts = [f"x {tuple(x.shape)} {x.dtype}"]
    if offset:
        parts.append(f"offset {offset:g}")
    if extra:
        parts.append(extra)
    return ", ".join(parts)


def mistakes(output: int, variants: list[tuple[np.ndarray, str]]) -> tuple[Mistake, ...]:
    return tuple(Mistake(output, np.asarray(values), sentence) for values, sentence in variants)


def normal(rng: np.random.Generator, shape: tuple[int, ...], *, mean: float = 0.0, std: float = 1.0,
           dtype: type = np.float64) -> np.ndarray:
    """Random inputs; a common ``mean`` is added in float64 before the cast, as real data would carry it."""
    return (mean + std * rng.normal(size=shape)).astype(dtype)
