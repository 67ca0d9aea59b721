"""Review (FSRS due first, then cram) and the timed mock interview, played by keys."""

from __future__ import annotations

from normquiz.progress import ProgressStore
from normquiz.study.request import QuizRequest
from normquiz.tui.screens.home import HomeScreen
from normquiz.tui.screens.quiz import QuizScreen
from normquiz.tui.screens.summary import SummaryScreen
from tests.tui.conftest import answer, current_question, finish_quiz, ready, visible_text


async def start_review(pilot, *, due: int) -> None:
    """Check the home screen's due count, then press v for the review."""
    await ready(pilot)
    assert f"Review due ({due})" in str(pilot.app.screen.query_one("#menu").get_option("review").prompt)
    await pilot.press("v")
    await pilot.pause()
    assert isinstance(pilot.app.screen, QuizScreen)


async def test_review_asks_what_is_due_then_crams(make_app, store: ProgressStore, wall_clock) -> None:
    # Yesterday: t-single wrong, t-tf right.
    store.record_attempt("t-single", content_hash="old", correct=False)
    store.record_attempt("t-tf", content_hash="old", correct=True)
    wall_clock.advance(hours=1)  # a wrong answer is due again after 10 minutes; a right one in days
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await start_review(pilot, due=1)
        assert [item.question.id for item in app.screen.run.session.items] == ["t-single"]
        await answer(pilot)
        assert app.screen.verdict.correct  # feedback at once in a review
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.query_one("#cram").display and app.screen.check_action("cram", ())
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen)
        cram = [item.question.id for item in app.screen.run.session.items]
        # The answered ones, weakest memory first (t-single was wrong once), then the unseen ones.
        assert cram[:2] == ["t-single", "t-tf"] and len(cram) == 8
    modes = [attempt.mode for attempt in store.attempts()]
    assert modes == ["practice", "practice", "review"]
    assert store.due_question_ids() == []


async def test_nothing_due_offers_cram(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await start_review(pilot, due=0)
        assert app.screen.run.request.cram and len(app.screen.run) == 8


async def test_interview_is_timed_and_gives_feedback_only_at_the_end(make_app, store: ProgressStore,
                                                                      monotonic) -> None:
    app = make_app(QuizRequest(mode="interview", count=4, seed=5))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        levels = [item.question.level for item in screen.run.session.items]
        assert levels == sorted(levels, key=["basic", "intermediate", "advanced"].index)
        status = str(screen.query_one("#status").visual)
        assert "Mock interview" in status and "⏱" in status and "Score" not in status
        assert not screen.check_action("hint", ())
        first = await answer(pilot, correctly=False)
        assert screen.phase == "answering" and current_question(pilot).id != first.id  # no verdict shown
        # The second question: its countdown runs out with nothing given: skipped.
        second = current_question(pilot)
        monotonic.advance(screen.run.time_limit() + 1)
        await screen.tick()
        await pilot.pause()
        assert current_question(pilot).id != second.id
        # The third: a typed answer or a pick is submitted as it stands when the time is up.
        third = current_question(pilot)
        await answer(pilot)
        await finish_quiz(pilot)  # finish early: the summary
        assert isinstance(app.screen, SummaryScreen)
        shown = visible_text(app)
        assert "All answers" in shown and "skipped" in shown and first.explanation.split()[0] in shown
        overall = app.screen.summary.overall  # the timed-out question is a skip, apart from answers
        assert (overall.asked, overall.skipped, overall.done) == (2, 1, 3)
    attempts = store.attempts()
    assert [a.question_id for a in attempts] == [first.id, second.id, third.id]
    assert [a.correct for a in attempts] == [False, False, True]
    assert attempts[1].response == {"skipped": True}
    assert {a.mode for a in attempts} == {"interview"}


async def test_the_countdown_submits_a_picked_answer(make_app, store: ProgressStore, monotonic) -> None:
    app = make_app(QuizRequest(mode="interview", levels=("basic",), tags=("ln",), count=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert current_question(pilot).id == "t-tf"
        await pilot.press("1")  # picked True, not submitted
        monotonic.advance(100)
        await screen.tick()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
    assert [(a.question_id, a.correct, a.response) for a in store.attempts()] == [("t-tf", True, True)]


async def test_retry_the_missed_ones(make_app, store: ProgressStore) -> None:
    app = make_app(QuizRequest(levels=("basic",), seed=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        missed = []
        for _ in range(3):
            question = await answer(pilot, correctly=len(missed) > 0)
            if not missed:
                missed.append(question.id)
            await pilot.press("n")
            await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.summary.missed == tuple(missed)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen)
        assert [item.question.id for item in app.screen.run.session.items] == missed
        assert len(app.screen_stack) == 2  # home, quiz
        assert isinstance(app.screen_stack[0], HomeScreen)
