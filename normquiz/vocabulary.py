"""The product's one vocabulary: levels, session modes and normalization kinds, each defined once.

Every layer (core included) reads these names from here, so a new level or
norm kind is one edit. Standard library only: this module sits below the core.
"""

from __future__ import annotations

from typing import Literal, get_args

Level = Literal["basic", "intermediate", "advanced"]
LEVELS: tuple[Level, ...] = get_args(Level)

Mode = Literal["practice", "review", "interview"]
MODES: tuple[Mode, ...] = get_args(Mode)
MODE_TITLES: dict[Mode, str] = {"practice": "Practice", "review": "Review", "interview": "Mock interview"}

NormKind = Literal["batch", "layer", "instance", "group", "rms"]
NORM_KINDS: tuple[NormKind, ...] = get_args(NormKind)
NORM_NAMES: dict[NormKind, str] = {
    "batch": "batch norm", "layer": "layer norm", "instance": "instance norm",
    "group": "group norm", "rms": "RMS norm",
}
NORM_SHORT: dict[NormKind, str] = {"batch": "BN", "layer": "LN", "instance": "IN", "group": "GN", "rms": "RMS"}

NO_NORM = "none"
"""The training engine's and the demos' name for a network without normalization layers."""

TRAINING_NORMS: tuple[str, ...] = (NO_NORM, "batch", "layer")
"""What the training engine (``normquiz.lab``) can train, and so what the training demo offers."""

MASTERY_STABILITY_DAYS = 21.0
"""A question is mastered when its latest answer is right and FSRS expects it to be recalled with 90%
probability this many days later (Anki's "mature"); no single answer gets there."""
