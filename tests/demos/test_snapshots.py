"""Snapshots of every demo at 100x30 and 80x24 with fixed seeds (training and cost in deterministic states)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from normquiz.lab.training import NORMS
from normquiz.tui.demos import DEMO_NAMES, create_demo_screen
from normquiz.tui.demos.cost import CostDemo
from normquiz.tui.demos.training import RunProgress, TrainingDemo
from tests.demos.harness import DemoHarness, fake_timer

SIZE = (100, 30)
SMALL = (80, 24)
#: A few key presses per demo so the snapshot shows a state the keys produced.
PRESSES = {
    "axes": ["right", "down"],
    "coupling": ["down", "space", "space"],
    "running-stats": ["f"],
    "small-batch": ["left_square_bracket"],
    "sequences": ["m"],
    "cube": ["g"],
}


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [SIZE, SMALL])
@pytest.mark.parametrize("name", [n for n in DEMO_NAMES if n in PRESSES])
def test_demo_snapshot(snap_compare, name, size):
    app = DemoHarness(name)
    assert snap_compare(app, terminal_size=size, press=PRESSES[name], run_before=settle)


def test_axes_instance_norm_explained(snap_compare):
    app = DemoHarness("axes", {"norm": "instance"})
    assert snap_compare(app, terminal_size=SMALL, run_before=settle)


def test_axes_snapshot_light_theme(snap_compare):
    app = DemoHarness("axes", {"norm": "layer"}, theme="textual-light")
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


@pytest.mark.parametrize("size", [SIZE, SMALL])
def test_cost_snapshot_after_a_measurement_with_a_fake_clock(snap_compare, size):
    screen = CostDemo({"size": 256}, autostart=False, timer=fake_timer())
    app = DemoHarness("cost", screen=screen)

    async def measure(pilot) -> None:
        await pilot.pause()
        await pilot.press("space")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=measure)


def test_training_snapshot_before_starting(snap_compare):
    app = DemoHarness("training", screen=TrainingDemo({"steps": 40}, autostart=False))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


@pytest.mark.parametrize("size", [SIZE, SMALL])
def test_training_snapshot_of_a_finished_run(snap_compare, size):
    # Fixed loss curves, not a real run: the snapshot checks the layout of a
    # finished run (plot, table, a diverged row), and must not move when the
    # last bits of a BLAS kernel do. The numbers of real runs are checked
    # against the engine in test_live_demos.
    screen = TrainingDemo({"steps": 40, "batch_size": 64, "learning_rate": 0.3}, autostart=False)
    steps = np.arange(40)
    runs = {
        "none": RunProgress("none", tuple(1.1 - 0.4 * (1 - np.exp(-steps / 25))), "finished", None, 0.62),
        "batch": RunProgress("batch", tuple(1.1 * np.exp(-steps / 12) + 0.15), "finished", None, 0.94),
        "layer": RunProgress("layer", tuple(1.1 + 0.2 * steps[:9]), "diverged", 8, math.nan),
    }
    assert set(runs) == set(NORMS)

    async def finished(pilot) -> None:
        await pilot.pause()
        screen.adopt_published(runs)  # as the runs' last published state arrives
        screen.refresh_view()
        await pilot.pause()

    app = DemoHarness("training", screen=screen)
    assert snap_compare(app, terminal_size=size, run_before=finished)


def test_every_demo_has_a_snapshot():
    covered = set(PRESSES) | {"cost", "training"}
    assert covered == set(DEMO_NAMES)
    # Each name opens its own screen (a wrong entry in SCREEN_CLASSES would snapshot another demo).
    assert {name: create_demo_screen(name).DEMO_NAME for name in DEMO_NAMES} == {name: name for name in DEMO_NAMES}
