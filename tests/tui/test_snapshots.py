"""Snapshots of every screen at 80x24 (the changed ones at 100x30 too; home and quiz at 60x20).

Everything is seeded and the clocks are fake, so no wall-clock text reaches a
snapshot; the text cursor does not blink (``QuizApp.cursor_blink``).
Update with ``pytest tests/tui --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from normquiz.study.request import QuizRequest
from tests.tui.conftest import answer, ready


@pytest.fixture(autouse=True)
def utc_days(monkeypatch: pytest.MonkeyPatch, content_dir: Path) -> None:
    """Calendar days in UTC and paths relative to the content's folder, wherever the tests run."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.chdir(content_dir.parent)
    yield
    monkeypatch.undo()
    time.tzset()


def start_with(question_id: str):
    async def run_before(pilot) -> None:
        await ready(pilot)
        pilot.app.start_quiz(QuizRequest(question_ids=(question_id,), seed=1))
        await pilot.pause()
        await pilot.pause()
    return run_before


def test_home(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), run_before=ready)


def test_home_narrow_with_banner(snap_compare, make_app, content_dir: Path) -> None:
    (content_dir / "broken.yaml").write_text("topic: Broken\nquestions:\n  - id: t-bad\n    level: expert\n")
    assert snap_compare(make_app(), terminal_size=(60, 20), run_before=ready)


def test_quiz_single_choice_with_hint(snap_compare, make_app) -> None:
    async def run_before(pilot) -> None:
        await start_with("t-single")(pilot)
        await pilot.press("h", "2")

    assert snap_compare(make_app(), run_before=run_before)


def test_quiz_verdict(snap_compare, make_app) -> None:
    async def run_before(pilot) -> None:
        await start_with("t-single")(pilot)
        await answer(pilot, correctly=False)

    assert snap_compare(make_app(), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_quiz_multiple_choice(snap_compare, make_app, size) -> None:
    async def run_before(pilot) -> None:
        await start_with("t-multi")(pilot)
        await pilot.press("1", "down", "down", "space")

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_quiz_ordering(snap_compare, make_app) -> None:
    async def run_before(pilot) -> None:
        await start_with("t-order")(pilot)
        await pilot.press("down", "shift+up")

    assert snap_compare(make_app(), run_before=run_before)


def test_quiz_numeric_with_unit_and_error(snap_compare, make_app) -> None:
    async def run_before(pilot) -> None:
        await start_with("t-numeric")(pilot)
        await pilot.press(*"two", "enter")

    assert snap_compare(make_app(), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_quiz_open_key_points(snap_compare, make_app, size) -> None:
    async def run_before(pilot) -> None:
        await start_with("t-open")(pilot)
        await pilot.press(*"Batch independent.", "ctrl+s", "1")

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_confirm_ending_a_quiz(snap_compare, make_app, size) -> None:
    async def run_before(pilot) -> None:
        await ready(pilot)
        await answer(pilot)
        await pilot.press("escape")

    assert snap_compare(make_app(QuizRequest(levels=("basic",), seed=2)), terminal_size=size, run_before=run_before)


def test_home_offers_the_last_summary(snap_compare, make_app) -> None:
    async def run_before(pilot) -> None:
        await start_with("t-tf")(pilot)
        await answer(pilot)
        await pilot.press("n", "escape")

    assert snap_compare(make_app(), run_before=run_before)


def test_quiz_computed_worked_solution(snap_compare, make_app) -> None:
    async def run_before(pilot) -> None:
        await start_with("t-computed")(pilot)
        await answer(pilot)

    assert snap_compare(make_app(), run_before=run_before)


def test_quiz_narrow(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=(60, 20), run_before=start_with("t-open"))


def test_interview_countdown(snap_compare, make_app, monotonic) -> None:
    async def run_before(pilot) -> None:
        await ready(pilot)
        monotonic.advance(7)
        pilot.app.screen.update_status()

    assert snap_compare(make_app(QuizRequest(mode="interview", count=3, seed=4)), run_before=run_before)


def test_summary(snap_compare, make_app, monotonic) -> None:
    async def run_before(pilot) -> None:
        await ready(pilot)
        for correctly in (True, False, True):
            monotonic.advance(40)
            await answer(pilot, correctly=correctly)
            await pilot.press("n")
            await pilot.pause()

    assert snap_compare(make_app(QuizRequest(levels=("basic",), seed=2)), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_stats(snap_compare, make_app, store, wall_clock, size) -> None:
    for day, correct in ((0, True), (0, False), (1, True), (1, True), (2, False)):
        store.record_attempt(["t-single", "t-tf", "t-multi", "t-open", "t-short"][day + correct],
                             content_hash="h", correct=correct)
        wall_clock.advance(hours=10)
    store.flag_question("t-tf", "unclear", "which mode?")

    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("s")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_help(snap_compare, make_app) -> None:
    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("question_mark")

    assert snap_compare(make_app(), run_before=run_before)


def test_flag_dialog(snap_compare, make_app) -> None:
    async def run_before(pilot) -> None:
        await start_with("t-tf")(pilot)
        await pilot.press("f", "2", "tab", *"ambiguous")

    assert snap_compare(make_app(), run_before=run_before)
