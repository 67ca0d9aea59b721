"""Pilot tests of the training and cost demos: worker threads, stop/restart, deterministic results."""

from __future__ import annotations

from normquiz.lab.training import Trainer, TrainingConfig
from normquiz.tui.demos import cost, training
from normquiz.tui.demos.cost import CostDemo
from normquiz.tui.demos.training import TrainingDemo
from tests.demos.harness import DemoHarness, fake_timer


async def wait_for_workers(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_training_runs_in_a_worker_and_reports_the_engines_losses():
    screen = TrainingDemo({"steps": 12, "batch_size": 32, "learning_rate": 0.1}, autostart=False)
    app = DemoHarness("training", screen=screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert screen.runs == {} and not screen.running
        await pilot.press("space")
        await wait_for_workers(app, pilot)
        assert not screen.running
        for norm in ("none", "batch", "layer"):
            trainer = Trainer(TrainingConfig(norm=norm, steps=12, batch_size=32, learning_rate=0.1))
            while not trainer.finished:
                trainer.step()
            assert screen.runs[norm].losses == tuple(trainer.losses)
            assert screen.runs[norm].status == "finished"
        assert len(screen.view.plot.series) == 3


async def test_training_batch_size_one_shows_the_bn_error_and_others_still_train():
    screen = TrainingDemo({"steps": 3, "batch_size": 1}, autostart=True)
    app = DemoHarness("training", screen=screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_workers(app, pilot)
        assert "batch norm needs batch_size >= 2" in str(screen.query_one("#training-errors").render())
        assert screen.runs["batch"].error and screen.runs["layer"].status == "finished"
        assert screen.view.table[1][2] == "refused"


async def test_training_keys_change_settings_and_stop_cancels_the_worker():
    screen = TrainingDemo({"steps": 5000, "batch_size": 32}, autostart=False)
    app = DemoHarness("training", screen=screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("right_square_bracket", "i", "b")
        assert (screen.state.learning_rate, screen.state.init_scale, screen.state.batch_size) == (0.3, 3.0, 128)
        await pilot.press("space")
        assert screen.running
        await pilot.pause(0.2)
        await pilot.press("space")
        assert not screen.running
        await wait_for_workers(app, pilot)
        steps = {norm: len(run.losses) for norm, run in screen.runs.items()}
        assert all(count < 5000 for count in steps.values())


async def test_cost_measures_bn_and_ln_in_a_worker_and_plots_every_point():
    screen = CostDemo({"size": 64}, autostart=False, timer=fake_timer())
    app = DemoHarness("cost", screen=screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert screen.points == []
        await pilot.press("space")
        await wait_for_workers(app, pilot)
        expected = len(cost.BATCH_SIZES) + len(cost.FEATURE_SIZES)
        assert len(screen.points) == 2 * expected
        assert {p.kind for p in screen.points} == {"batch", "layer"}
        assert {p.d for p in screen.points if p.sweep == "batch"} == {64}
        labels = [s.label for s in screen.view.batch_plot.series]
        assert labels == ["BN", "LN"] and len(screen.view.batch_plot.series[0].x) == len(cost.BATCH_SIZES)
        assert "LN/BN time" in str(screen.query_one("#cost-summary").render())
        await pilot.press("right_square_bracket", "p")
        assert screen.state.size == 128 and screen.state.direction == "backward"


def test_cost_third_layer_joins_when_the_preset_names_it():
    state = cost.CostState.from_params({"norm": "rms", "size": 16})
    assert state.kinds == ("batch", "layer", "rms")
    points = list(cost.measurements(state, fake_timer()))
    assert {p.kind for p in points} == {"batch", "layer", "rms"}


def test_training_view_is_a_function_of_the_runs():
    state = training.TrainingState()
    runs = {"none": training.RunProgress("none", (1.0, 0.5), "training")}
    view = training.compute_view(state, runs)
    assert [s.label for s in view.plot.series] == ["none"]
    assert view.table[0][1:4] == ("none", "training", "2")
