"""Whole practice sessions played by key presses, for every question type."""

from __future__ import annotations

import pytest

from normquiz.progress import ProgressStore
from normquiz.study.request import QuizRequest
from normquiz.tui.screens.home import HomeScreen
from normquiz.tui.screens.quiz import QuizScreen
from normquiz.tui.screens.summary import SummaryScreen
from tests.tui.conftest import answer, current_question, finish_quiz, ready, visible_text

ALL_TYPES = {"single_choice", "multiple_choice", "true_false", "numeric", "short_answer", "ordering", "open",
             "computed"}


@pytest.mark.parametrize("correctly", [True, False])
async def test_every_type_answered_by_keys(make_app, store: ProgressStore, monotonic, correctly: bool) -> None:
    app = make_app(QuizRequest(seed=3))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, QuizScreen)
        seen = set()
        for position in range(8):
            screen = app.screen
            assert f"Question {position + 1} of 8" in str(screen.query_one("#status").visual)
            monotonic.advance(12)
            question = await answer(pilot, correctly=correctly)
            seen.add(question.type)
            assert screen.phase == "verdict", question.id
            assert screen.verdict.correct is correctly, (question.id, screen.verdict)
            title = str(screen.query_one("#verdict-title").visual)
            assert ("Correct" in title) if correctly else ("Incorrect" in title or "Partly" in title)
            shown = visible_text(app)
            assert question.explanation.split()[0] in shown or question.type == "computed"
            await pilot.press("n")
            await pilot.pause()
        assert seen == ALL_TYPES
        assert isinstance(app.screen, SummaryScreen)
        summary = app.screen.summary
        assert summary.overall.asked == 8
        assert summary.overall.correct == (8 if correctly else 0)
        assert ("Nothing missed" in visible_text(app)) is correctly
    attempts = store.attempts()
    assert len(attempts) == 8
    assert all(attempt.correct is correctly for attempt in attempts)
    assert {attempt.seconds for attempt in attempts} == {12.0}
    assert len({attempt.session_id for attempt in attempts}) == 1
    assert all(attempt.mode == "practice" and len(attempt.content_hash) == 16 for attempt in attempts)
    session = store.session(attempts[0].session_id)
    assert session is not None and session.ended_at is not None


async def test_home_starts_a_level_and_escape_finishes(make_app, store: ProgressStore) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "Basic" in str(app.screen.query_one("#menu").get_option_at_index(0).prompt)
        await pilot.press("enter")  # Basic
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen)
        assert len(app.screen.run) == 3
        assert {item.question.level for item in app.screen.run.session.items} == {"basic"}
        await answer(pilot)
        await finish_quiz(pilot)
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.summary.overall.asked == 1
        assert len(app.screen.summary.unanswered) == 2
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert store.attempt_count() == 1


async def test_invalid_input_is_not_wrong_and_can_be_retried(make_app, store: ProgressStore) -> None:
    app = make_app(QuizRequest(tags=("bn",), levels=("basic",), seed=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        while current_question(pilot).id != "t-numeric":
            await answer(pilot)
            await pilot.press("n")
            await pilot.pause()
        screen = app.screen
        assert "parameters" in str(screen.query_one("#unit").visual)
        await pilot.press(*"two", "enter")
        await pilot.pause()
        assert screen.phase == "answering"
        assert "not a number" in str(screen.query_one("#error").visual)
        await pilot.press(*["backspace"] * 3, "2", "enter")
        await pilot.pause()
        assert screen.phase == "verdict" and screen.verdict.correct
    assert [a.question_id for a in store.attempts()].count("t-numeric") == 1


async def test_hints_one_at_a_time_and_recorded(make_app, store: ProgressStore) -> None:
    app = make_app(QuizRequest(levels=("basic",), tags=("bn",), seed=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        while current_question(pilot).id != "t-single":
            await pilot.press("tab", "s", "n")  # leave the text field, skip (the answer shows), next
            await pilot.pause()
        screen = app.screen
        await pilot.press("h")
        await pilot.pause()
        assert "Hint 1: Think of the word" in str(screen.query_one("#hints").visual)
        assert "Hint 2" not in str(screen.query_one("#hints").visual)
        await pilot.press("h")
        await pilot.pause()
        assert "Hint 2: The batch axis" in str(screen.query_one("#hints").visual)
        assert not screen.check_action("hint", ())  # none left
        await answer(pilot)
        assert screen.verdict.correct
        assert "Right, one mean per feature." in visible_text(app)
        assert "Ioffe & Szegedy" in visible_text(app)
    attempt = store.attempts("t-single")[0]
    assert attempt.hints_used == 2
    skipped = [a for a in store.attempts() if a.question_id != "t-single"]
    assert all(not a.correct for a in skipped)


async def test_flag_and_demo_from_the_verdict(make_app, store: ProgressStore) -> None:
    opened = []
    app = make_app(QuizRequest(levels=("basic",), tags=("bn",), seed=1))
    app.open_demo = lambda name, params=None: opened.append((name, dict(params or {})))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        while current_question(pilot).id != "t-single":
            await pilot.press("tab", "s", "n")
            await pilot.pause()
        await answer(pilot, correctly=False)
        screen = app.screen
        assert "That is layer norm." in visible_text(app)
        await pilot.press("d")
        assert opened == [("axes", {"norm": "batch"})]
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("2", "tab", *"too vague", "enter")
        await pilot.pause()
        assert app.screen is screen
    flags = store.list_flags()
    assert [(f.question_id, f.reason, f.comment) for f in flags] == [("t-single", "unclear", "too vague")]


async def test_ordering_moves_with_alt_keys(make_app) -> None:
    from tests.tui.conftest import sort_steps

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        app.start_quiz(QuizRequest(question_ids=("t-order",)))
        await pilot.pause()
        assert current_question(pilot).type == "ordering"
        await sort_steps(pilot, key="alt+up")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.verdict.correct


@pytest.mark.parametrize(("question_id", "keys", "message"), [
    ("t-single", ["ctrl+s"], "Pick an answer first"),
    ("t-numeric", ["space", "enter"], "Type an answer first."),
    ("t-open", ["space", "ctrl+s"], "Write something first"),
])
async def test_submitting_nothing_says_what_to_do(make_app, store: ProgressStore, question_id: str,
                                                  keys: list[str], message: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        app.start_quiz(QuizRequest(question_ids=(question_id,)))
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        assert app.screen.phase == "answering"
        assert message in str(app.screen.query_one("#error").visual)
    assert store.attempt_count() == 0
