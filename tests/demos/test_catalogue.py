"""Every demo of the catalogue opens (with and without presets), at 100x30 and 80x24, and shares the common keys."""

from __future__ import annotations

import pytest

from normquiz.bank.demos import DEMOS
from normquiz.tui.demos import DEMO_NAMES, create_demo_screen
from tests.demos.harness import DemoHarness

#: One preset per demo that sets every parameter the catalogue allows.
FULL_PRESETS = {
    "axes": {"norm": "rms", "n": 1, "d": 1},
    "coupling": {"norm": "layer", "batch_size": 16},
    "running-stats": {"momentum": 0.0, "steps": 1, "mode": "eval"},
    "small-batch": {"batch_size": 256, "norm": "group"},
    "sequences": {"norm": "layer", "masked": True, "batch_size": 1, "max_length": 64},
    "cube": {"norm": "group", "groups": 16},
    "training": {"norm": "layer", "learning_rate": 10.0, "batch_size": 512, "steps": 1},
    "cost": {"norm": "instance", "size": 1},
}


def test_demo_names_follow_the_catalogue():
    assert DEMO_NAMES == tuple(DEMOS)
    assert set(FULL_PRESETS) == set(DEMOS)
    for name, preset in FULL_PRESETS.items():
        assert set(preset) == set(DEMOS[name].params)
    with pytest.raises(KeyError):
        create_demo_screen("no-such-demo")


def test_the_training_demo_offers_exactly_what_the_engine_can_train():
    import math

    from normquiz.lab.training import NORMS, TrainingConfig, run_to_end

    offered = DEMOS["training"].params["norm"].choices
    assert set(offered) == set(NORMS)
    for norm in offered:  # the engine really trains every offered norm
        assert math.isfinite(run_to_end(TrainingConfig(norm=norm, steps=3, batch_size=8)).final_loss)
    assert DEMOS["training"].params["norm"].problem_with("rms") is not None


def quiet(name: str, params):
    """The demo's screen without its automatic measurement or training (deterministic, fast)."""
    screen = create_demo_screen(name, params)
    if hasattr(screen, "autostart"):
        screen.autostart = False
    return screen


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
@pytest.mark.parametrize("name", DEMO_NAMES)
async def test_every_demo_opens_with_presets_and_answers_the_common_keys(name, size):
    for params in (None, FULL_PRESETS[name]):
        app = DemoHarness(name, screen=quiet(name, params))
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            screen = app.screen
            await pilot.press("w")
            assert not screen.query_one("#demo-explanation").display
            await pilot.press("z")
            assert app.started_quizzes and app.started_quizzes[0].tags
            await pilot.press("escape")
            assert app.screen is not screen
