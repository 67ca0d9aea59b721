"""Sessions leave buried and suspended questions out, except when asked for by id."""

from __future__ import annotations


from normquiz.progress import ProgressStore
from normquiz.study.quiz_run import QuizRun, build_session
from normquiz.study.request import QuizRequest
from normquiz.study.resume import resumable
from tests.bank.conftest import make_question
from tests.progress.conftest import FakeClock

QUESTIONS = [make_question("true_false", id=f"q-{i}", answer=True) for i in range(5)]


def ids_of(store: ProgressStore, request: QuizRequest) -> list[str]:
    session = build_session(QUESTIONS, request, store, seed=3, started_at=0.0)
    return [item.question.id for item in session.items]


def run_of(store: ProgressStore, request: QuizRequest) -> QuizRun:
    session = build_session(QUESTIONS, request, store, seed=3, started_at=0.0)
    return QuizRun(session, request, store, lambda: 0.0)


def test_practice_review_and_cram_leave_hidden_questions_out(store: ProgressStore, clock: FakeClock) -> None:
    for question in QUESTIONS:
        store.record_attempt(question.id, content_hash="h", correct=False)
    clock.advance(days=30)
    store.bury("q-1")
    store.suspend("q-2")
    assert sorted(ids_of(store, QuizRequest(count=10))) == ["q-0", "q-3", "q-4"]
    assert ids_of(store, QuizRequest(mode="review")) == ["q-0", "q-3", "q-4"]
    assert sorted(ids_of(store, QuizRequest(mode="review", cram=True))) == ["q-0", "q-3", "q-4"]
    clock.advance(days=1)  # the next local day: the buried one is back, the suspended one is not
    assert "q-1" in ids_of(store, QuizRequest(count=10)) and "q-2" not in ids_of(store, QuizRequest(count=10))


def test_a_question_asked_for_by_id_shows_even_when_suspended(store: ProgressStore) -> None:
    store.suspend("q-2")
    assert ids_of(store, QuizRequest(question_ids=("q-2",))) == ["q-2"]  # "jump to question"


def test_burying_the_current_question_moves_on_and_leaves_it_out_of_the_summary(store: ProgressStore) -> None:
    run = run_of(store, QuizRequest(question_ids=("q-0", "q-1", "q-2")))
    run.answer(True)
    run.advance()
    assert run.bury_current() == "q-1"
    assert run.current is not None and run.current.question.id == "q-2"
    assert len(run) == 2
    summary = run.finish()
    assert summary.unanswered == ("q-2",) and summary.overall.asked == 1
    assert store.hidden_question_ids() == {"q-1"}


def test_burying_an_answered_question_keeps_its_answer(store: ProgressStore) -> None:
    run = run_of(store, QuizRequest(question_ids=("q-0", "q-1")))
    run.answer(True)
    run.suspend_current()
    assert run.current.question.id == "q-1"
    assert [attempt.question_id for attempt in store.attempts()] == ["q-0"]
    assert run.finish().overall.asked == 1


def test_a_quiz_left_after_a_bury_does_not_offer_the_buried_question_again(store: ProgressStore) -> None:
    run = run_of(store, QuizRequest(question_ids=("q-0", "q-1", "q-2")))
    run.answer(True)
    run.advance()
    run.bury_current()
    found = resumable(store, QUESTIONS)
    assert found is not None and found.request.question_ids == ("q-2",)
