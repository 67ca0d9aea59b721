"""Undo the last answer: the attempt is gone and the review schedule is what it was before."""

from __future__ import annotations

from pathlib import Path

from normquiz.progress import ProgressStore
from normquiz.study.quiz_run import QuizRun, build_session
from normquiz.study.request import QuizRequest
from tests.bank.conftest import make_question
from tests.progress.conftest import FakeClock

QUESTIONS = [make_question("true_false", id=f"q-{i}", answer=True) for i in range(3)]


class Monotonic:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def start(store: ProgressStore, *ids: str) -> QuizRun:
    request = QuizRequest(question_ids=ids or ("q-0", "q-1"), seed=1)
    session = build_session(QUESTIONS, request, store, seed=1, started_at=0.0)
    return QuizRun(session, request, store, Monotonic())


def schedule(store: ProgressStore) -> dict[str, tuple[float, object]]:
    return {qid: (state.stability_days, state.due) for qid, state in store.review_states().items()}


def test_undoing_a_first_answer_leaves_no_trace(store: ProgressStore) -> None:
    run = start(store)
    run.answer(False)
    assert store.attempt_count() == 1 and "q-0" in store.review_states()
    assert run.undo()
    assert store.attempt_count() == 0 and store.review_states() == {}
    assert run.current.question.id == "q-0" and "q-0" not in run.session.records
    assert not run.undo()  # nothing left to take back
    run.answer(True)
    assert [a.correct for a in store.attempts()] == [True]


def test_undo_puts_back_the_schedule_of_the_earlier_answers(store: ProgressStore, clock: FakeClock) -> None:
    first = start(store, "q-0")
    first.answer(True)
    before = schedule(store)
    clock.advance(hours=30)
    again = start(store, "q-0")
    again.answer(False)
    assert schedule(store) != before
    assert again.undo()
    assert schedule(store) == before
    assert [a.correct for a in store.attempts()] == [True]


def test_only_the_answer_on_screen_can_be_taken_back(store: ProgressStore) -> None:
    run = start(store)
    run.answer(True)
    run.advance()
    assert not run.can_undo() and not run.undo()
    assert store.attempt_count() == 1


def test_a_self_rating_is_what_the_schedule_gets(store: ProgressStore, tmp_path: Path) -> None:
    from normquiz.progress.scheduling import Rating

    easy = start(store, "q-0")
    easy.answer(False)  # the app's own rating: Again
    assert store.attempts()[0].rating == Rating.Again
    assert easy.rate(Rating.Easy)
    assert store.attempts()[0].rating == Rating.Easy
    rated = store.review_states()["q-0"].stability_days

    other = ProgressStore.open(tmp_path / "other")  # the same answer rated Easy from the start
    try:
        other.record_attempt("q-0", content_hash="h", correct=True, seconds=0.1, expected_seconds=100.0)
        assert other.attempts()[0].rating == Rating.Easy
        assert rated == other.review_states()["q-0"].stability_days
    finally:
        other.close()
