"""The exercise screen, driven by key presses: edit, run the checks, hints, the reference, saved code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from normquiz.paths import builtin_content_dir
from normquiz.progress import ProgressStore
from normquiz.study.exercise_run import DISABLED_VARIABLE, ExerciseReport
from normquiz.bank.exercises.diagnosis import CheckLine
from normquiz.tui.app import StartExercise
from normquiz.tui.screens.exercise import ExerciseScreen
from normquiz.tui.screens.home import HomeScreen
from tests.tui.conftest import ready

GOOD = '''import numpy as np


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=0)
    return gamma * (x - mean) / np.sqrt(((x - mean) ** 2).mean(axis=0) + eps) + beta
'''
WRONG = GOOD.replace("axis=0", "axis=1, keepdims=True")


@pytest.fixture
def exercise_content(tmp_path: Path) -> Path:
    folder = tmp_path / "exercise-content"
    folder.mkdir()
    shutil.copy(builtin_content_dir() / "exercises.yaml", folder)
    return folder


@pytest.fixture
def exercise_app(make_app, exercise_content: Path):
    def make(question_id: str | None = "bn-forward"):
        return make_app(StartExercise(question_id), content_dirs=[exercise_content])
    return make


async def opened(pilot) -> ExerciseScreen:
    await ready(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ExerciseScreen)
    return screen


def results_text(screen: ExerciseScreen) -> str:
    return str(screen.results.render())


async def run_checks(pilot, screen: ExerciseScreen) -> None:
    await pilot.press("ctrl+r")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_opens_on_the_starter_and_runs_a_correct_solution(exercise_app, store: ProgressStore) -> None:
    app = exercise_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        assert "raise NotImplementedError" in screen.code.text
        assert "Exercise 1 of 14" in str(screen.query_one("#status").render())
        screen.code.load_text(GOOD)
        await run_checks(pilot, screen)
        text = results_text(screen)
        assert "FAIL" not in text and text.count("PASS") == 5, text
        assert "All checks pass. Recorded for your reviews." in text
    attempts = store.attempts("bn-forward")
    assert [attempt.correct for attempt in attempts] == [True]


async def test_a_wrong_solution_is_diagnosed_and_giving_up_records_a_miss(exercise_app, store) -> None:
    async with exercise_app().run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        screen.code.load_text(WRONG)
        await run_checks(pilot, screen)
        assert "that is layer norm" in results_text(screen)
        assert store.attempts("bn-forward") == []  # a failed run is work, not an answer
        await pilot.press("escape", "g")
        await pilot.pause()
        reference = screen.query_one("#reference")
        assert reference.display and "Reference solution" in reference.source and "np.sqrt(var + eps)" in reference.source
    assert [attempt.correct for attempt in store.attempts("bn-forward")] == [False]


async def test_hints_come_one_at_a_time_and_count(exercise_app, store) -> None:
    async with exercise_app().run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        hints = screen.query_one("#hints")
        assert not hints.display
        await pilot.press("h")  # typed into the editor, not a hint
        assert screen.attempt.hints_shown == 0
        await pilot.press("escape", "h")
        await pilot.pause()
        assert "Hint 1: Reduce over axis 0" in str(hints.render()) and "Hint 2" not in str(hints.render())
        await pilot.press("h")
        await pilot.pause()
        assert "Hint 2" in str(hints.render())
        await pilot.press("g")
    assert store.attempts("bn-forward")[0].hints_used == 2


async def test_code_is_kept_between_visits(exercise_app, store) -> None:
    async with exercise_app().run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        screen.code.load_text(WRONG)
        await pilot.press("escape", "escape")  # leave the editor, then the screen
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen)
    saved = store.path.parent / "exercises" / "bn-forward.py"
    assert saved.read_text(encoding="utf-8") == WRONG
    async with exercise_app().run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        assert screen.code.text == WRONG


async def test_next_and_previous_exercise(exercise_app) -> None:
    async with exercise_app().run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        await pilot.press("escape", "n")
        await pilot.pause()
        assert screen.attempt.question.id == "bn-eval" and "def batchnorm_eval" in screen.code.text
        await pilot.press("p", "p")
        await pilot.pause()
        assert screen.attempt.question.id == "stable-variance"


async def test_running_is_refused_where_exercises_are_disabled(exercise_app, store, monkeypatch) -> None:
    monkeypatch.setenv(DISABLED_VARIABLE, "disabled")
    async with exercise_app().run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        assert "start it with `normquiz serve --allow-exercises`" in results_text(screen)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "PASS" not in results_text(screen) and not screen.running
    assert store.attempts("bn-forward") == []


async def test_external_editor_needs_one_and_a_terminal(exercise_app, monkeypatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    async with exercise_app().run_test(size=(100, 30)) as pilot:
        await opened(pilot)
        await pilot.press("escape", "e")
        await pilot.pause()
        assert any("Set $VISUAL or $EDITOR" in str(n.message) for n in pilot.app._notifications)
        monkeypatch.setenv("EDITOR", "true")
        await pilot.press("e")  # the headless test driver cannot suspend
        await pilot.pause()
        assert any("cannot hand over" in str(n.message) for n in pilot.app._notifications)


async def test_leaving_the_screen_stops_a_run_in_progress(exercise_app) -> None:
    async with exercise_app().run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        screen.code.load_text("def batchnorm_forward(x, gamma, beta, eps=1e-5):\n    while True:\n        pass\n")
        await pilot.press("ctrl+r")
        for _ in range(50):  # until the child process has started
            await pilot.pause(0.05)
            if screen._handle._process is not None:
                break
        process = screen._handle._process
        assert process is not None and "Running the checks" in results_text(screen)
        await pilot.press("escape", "escape")
        await pilot.app.workers.wait_for_complete()
        assert process.wait(timeout=5) != 0  # killed, long before its own limits


async def test_home_entry_and_palette_open_exercises(make_app, exercise_content) -> None:
    app = make_app(content_dirs=[exercise_content])
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        menu = pilot.app.screen.query_one("#menu")
        index = next(i for i in range(menu.option_count) if menu.get_option_at_index(i).id == "exercises")
        menu.highlighted = index
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ExerciseScreen)
        await pilot.press("ctrl+p", *"Exercise: ln-backward")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen.attempt.question.id == "ln-backward"
        assert len(pilot.app.screen_stack) == 2  # the same exercise screen, switched
        await pilot.press("escape", "escape")
        await pilot.pause()
        await pilot.press("ctrl+p", *"Exercise: rms-forward")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen.attempt.question.id == "rms-forward"


def fixed_report() -> ExerciseReport:
    return ExerciseReport("bn-forward", (
        CheckLine("x (8, 5) float64", True),
        CheckLine("x (16, 3) float64", False, "eps is added outside the square root: divide by sqrt(var + eps)"),
        CheckLine("vectorized (x (2048, 256) float64)", None, "judged once the checks above pass"),
    ))


def snapshot_run_before(report: bool):
    async def run_before(pilot) -> None:
        await pilot.pause()
        await ready(pilot)
        if report:
            pilot.app.screen.show_report(fixed_report())
            await pilot.press("escape", "h")
        await pilot.pause()
    return run_before


def test_exercise_snapshot_wide(snap_compare, exercise_app) -> None:
    assert snap_compare(exercise_app(), terminal_size=(100, 30), run_before=snapshot_run_before(False))


def test_exercise_snapshot_narrow_with_a_report(snap_compare, exercise_app) -> None:
    assert snap_compare(exercise_app(), terminal_size=(80, 24), run_before=snapshot_run_before(True))
