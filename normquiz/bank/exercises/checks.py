"""Every exercise's checks, by name: the builders of the three case modules, collected in one place.

The case modules register their builders with :func:`cases.builder`; this module
imports them all, so that importing it is enough to find any exercise's checks.
"""

from __future__ import annotations

import numpy as np

from normquiz.bank.exercises import backward_cases, forward_cases, other_cases  # noqa: F401  (they register)
from normquiz.bank.exercises.cases import _BUILDERS, ExerciseChecks


def build_checks(name: str, seed: int = 0) -> ExerciseChecks:
    """The checks of exercise ``name`` on inputs drawn from ``seed``."""
    return _BUILDERS[name](np.random.default_rng(seed))


def registered() -> tuple[str, ...]:
    """The exercise names that have checks."""
    return tuple(_BUILDERS)
