"""The app under hostile files and failing saves: it keeps running and says what happened, where."""

from __future__ import annotations

from pathlib import Path

from normquiz.study.request import QuizRequest
from tests.faults import fill_the_disk
from tests.tui.conftest import answer, ready

HUGE_INTEGER_FILE = "topic: Hostile\nquestions:\n  - id: q-huge\n    answer: " + "9" * 5_000 + "\n"


def _notifications(app: object) -> list[str]:
    return [str(notification.message) for notification in app._notifications]  # type: ignore[attr-defined]


async def test_r_with_a_huge_integer_in_a_new_file_keeps_the_quiz_going(make_app, content_dir: Path,
                                                                      store) -> None:
    app = make_app(QuizRequest(levels=("basic",), seed=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        (content_dir / "hostile.yaml").write_text(HUGE_INTEGER_FILE, encoding="utf-8")
        await pilot.press("r")
        await ready(pilot)
        assert app.is_running and app.screen is screen
        assert any("hostile.yaml:4:13: questions[0]: an integer of about 5,000 digits is too long" in message
                   for message in _notifications(app))
        await answer(pilot)
        assert store.attempt_count() == 1
    assert not app.return_code  # no crash (run_test leaves it None on a clean end)


async def test_the_quiz_screen_says_so_the_moment_saving_stops(make_app, store) -> None:
    app = make_app(QuizRequest(levels=("basic",), seed=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        fill_the_disk(store)
        await answer(pilot)
        await pilot.pause()
        assert any(message.startswith("Progress is not being saved: the disk is full")
                   for message in _notifications(app))
    assert store.unsaved_answers == 1
