"""The live demo screens: batch norm versus layer norm (and relatives), computed by normquiz.core in front of you.

``create_demo_screen(name, params)`` builds the screen of one demo of
``normquiz.bank.demos.DEMOS``; each demo module is imported only when its
screen is first opened.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any

from textual.screen import Screen

from normquiz.bank.demos import DEMOS

__all__ = ["DEMO_NAMES", "SCREEN_CLASSES", "create_demo_screen"]

#: Demo name -> "module:ScreenClass", in display order.
SCREEN_CLASSES: dict[str, str] = {
    "axes": "axes:AxesDemo",
    "coupling": "coupling:CouplingDemo",
    "running-stats": "running_stats:RunningStatsDemo",
    "small-batch": "small_batch:SmallBatchDemo",
    "sequences": "sequences:SequencesDemo",
    "cube": "cube:CubeDemo",
    "training": "training:TrainingDemo",
    "cost": "cost:CostDemo",
}

DEMO_NAMES: tuple[str, ...] = tuple(name for name in SCREEN_CLASSES if name in DEMOS)


def screen_class(name: str) -> type[Screen]:
    """The screen class of demo ``name`` (KeyError for an unknown name)."""
    if name not in DEMOS or name not in SCREEN_CLASSES:
        raise KeyError(name)
    module_name, class_name = SCREEN_CLASSES[name].split(":")
    return getattr(import_module(f"{__name__}.{module_name}"), class_name)


def create_demo_screen(name: str, params: Mapping[str, Any] | None = None) -> Screen:
    """A new screen for demo ``name`` with preset ``params`` (already validated against DEMOS[name].params)."""
    return screen_class(name)(params)
