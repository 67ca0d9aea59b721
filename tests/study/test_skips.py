"""A skip is a skip: apart from answers in the summary, and Again for the review schedule."""

from __future__ import annotations

from datetime import timedelta

from normquiz.progress import ProgressStore, Rating
from normquiz.study.quiz_run import QuizRun, build_session
from normquiz.study.request import QuizRequest
from tests.bank.conftest import make_question
from tests.progress.conftest import FakeClock

QUESTIONS = [make_question("true_false", id=f"q-{i}", answer=True, tags=["bn"]) for i in range(3)]


def run_of(store: ProgressStore) -> QuizRun:
    request = QuizRequest(question_ids=tuple(question.id for question in QUESTIONS))
    return QuizRun(build_session(QUESTIONS, request, store, seed=1, started_at=0.0), request, store, lambda: 0.0)


def test_the_summary_counts_a_skip_apart_and_still_offers_to_retry_it(store: ProgressStore) -> None:
    run = run_of(store)
    run.answer(True)
    run.advance()
    run.skip()
    summary = run.finish()
    assert (summary.overall.asked, summary.overall.correct, summary.overall.skipped) == (1, 1, 1)
    assert summary.overall.fraction == 1.0  # the skip is not a wrong answer
    assert summary.by_tag["bn"].skipped == 1 and summary.by_tag["bn"].fraction == 1.0
    assert summary.missed == ("q-1",)  # but it was not got right: retry it
    assert summary.unanswered == ("q-2",)


def test_a_skip_is_rated_again_for_the_schedule(store: ProgressStore, clock: FakeClock) -> None:
    # The learner saw the answer without recalling it: a lapse, due again within minutes.
    run = run_of(store)
    run.skip()
    (attempt,) = store.attempts()
    assert attempt.skipped and attempt.rating == Rating.Again
    state = store.review_state("q-0")
    assert state is not None and state.due <= clock.current + timedelta(minutes=10)
    assert store.due_question_ids(clock.current + timedelta(minutes=10)) == ["q-0"]
