"""The worker lifecycle of the training and cost demos: leaving mid-run, stopping, crashes."""

from __future__ import annotations

import threading
import time

import pytest
from textual.screen import ModalScreen, Screen
from textual.worker import WorkerFailed

from normquiz.lab import training as engine
from normquiz.tui.demos.cost import CostDemo
from normquiz.tui.demos.training import TrainingDemo
from tests.demos.harness import DemoHarness, fake_timer


class Gate:
    """Holds a worker thread at one call until the test opens it."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()

    def wait(self) -> None:
        self.reached.set()
        assert self.opened.wait(30), "the test never opened the gate"


def slow_timer() -> float:
    """A real clock that takes 20 ms per reading: a cost measurement then runs for seconds, and
    its points keep arriving while the test comes and goes."""
    time.sleep(0.02)
    return time.perf_counter()


BUSY_SCREENS = {
    "cost": lambda: CostDemo({"size": 16}, timer=slow_timer),
    "training": lambda: TrainingDemo({"steps": 100000, "batch_size": 32}),
}


@pytest.mark.parametrize("name", list(BUSY_SCREENS))
async def test_leaving_a_busy_demo_at_once_again_and_again_is_safe(name: str) -> None:
    app = DemoHarness(name, screen=BUSY_SCREENS[name]())
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(6):
            await pilot.pause()
            assert app.screen.DEMO_NAME == name and app.screen.running
            await pilot.press("escape")
            await pilot.pause()
            assert len(app.screen_stack) == 1  # back on the harness's own screen
            await pilot.pause(0.05)  # the stopped worker's report arrives now, if at all
            app.push_screen(BUSY_SCREENS[name]())
        await pilot.pause()
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.return_code in (None, 0)


async def test_a_stopped_measurement_s_last_point_is_dropped() -> None:
    gate = Gate()
    timer = fake_timer()

    def blocking_timer() -> float:
        if not gate.reached.is_set():
            gate.wait()
        return timer()

    screen = CostDemo({"size": 16}, autostart=False, timer=blocking_timer)
    app = DemoHarness("cost", screen=screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")
        assert gate.reached.wait(30)
        await pilot.press("x")
        assert not screen.running
        gate.opened.set()  # the worker finishes its point and reports it
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.points == [] and not screen.running


async def test_a_stopped_training_s_last_report_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate()
    step = engine.Trainer.step

    def blocking_step(trainer: engine.Trainer) -> None:
        step(trainer)
        if trainer.steps_done == 3 and not gate.reached.is_set():
            gate.wait()

    monkeypatch.setattr(engine.Trainer, "step", blocking_step)
    monkeypatch.setattr("normquiz.tui.demos.training.PUBLISH_SECONDS", 0.0)  # publish after every step
    screen = TrainingDemo({"steps": 50, "batch_size": 32}, autostart=False)
    app = DemoHarness("training", screen=screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")
        assert gate.reached.wait(30)
        await pilot.press("space")  # stop
        assert not screen.running
        shown = dict(screen.runs)
        gate.opened.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.runs == shown and not screen.running
        assert all(len(run.losses) < 3 for run in screen.runs.values())


async def test_a_quiz_over_the_demo_stops_it_and_help_does_not() -> None:
    screen = TrainingDemo({"steps": 100000, "batch_size": 32}, autostart=True)
    app = DemoHarness("training", screen=screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert screen.running
        app.push_screen(ModalScreen())  # a dialog over the demo, as help is
        await pilot.pause()
        assert screen.running
        app.pop_screen()
        await pilot.pause()
        app.push_screen(Screen())  # a full screen over the demo, as a quiz is
        await pilot.pause()
        assert not screen.running
        await app.workers.wait_for_complete()


async def test_a_crash_in_a_demo_makes_the_app_exit_non_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: CostDemo, point: object) -> None:
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(CostDemo, "add_point", broken)
    app = DemoHarness("cost", screen=CostDemo({"size": 16}, timer=fake_timer()))
    # Raised on the event loop, the error also fails the worker that asked for the drawing.
    with pytest.raises((RuntimeError, WorkerFailed), match="drawing failed"):
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
    assert app.return_code == 1
