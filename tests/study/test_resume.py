"""Resume a quiz quit mid-way: the questions not reached, in the same order and with the same seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from normquiz.progress import ProgressStore
from normquiz.study.quiz_run import QuizRun, build_session
from normquiz.study.request import QuizRequest
from normquiz.study.resume import resumable
from tests.bank.conftest import make_question
from tests.progress.conftest import FakeClock

QUESTIONS = [make_question("true_false", id=f"q-{i}", answer=True) for i in range(5)]


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    opened = ProgressStore.open(tmp_path / "data", clock=FakeClock())
    yield opened
    opened.close()


def run_of(store: ProgressStore, request: QuizRequest) -> QuizRun:
    session = build_session(QUESTIONS, request, store, seed=request.seed or 0, started_at=0.0)
    return QuizRun(session, request, store, lambda: 0.0)


def test_an_unfinished_quiz_resumes_with_the_rest_in_order(store: ProgressStore) -> None:
    run = run_of(store, QuizRequest(count=4, seed=9))
    asked = [item.question.id for item in run.session.items]
    run.answer(True)
    run.advance()
    run.skip()  # a skip is an answer given too
    found = resumable(store, QUESTIONS)
    assert found is not None and (found.done, found.total) == (2, 4)
    assert found.request.question_ids == tuple(asked[2:]) and found.request.seed == 9
    assert found.describe() == "Practice, 2 of 4 done"
    resumed = run_of(store, found.request)
    assert [item.question.id for item in resumed.session.items] == asked[2:]


def test_nothing_to_resume_after_the_end_or_before_the_first_answer(store: ProgressStore) -> None:
    assert resumable(store, QUESTIONS) is None
    run = run_of(store, QuizRequest(count=3, seed=1))
    assert resumable(store, QUESTIONS) is None  # started, nothing answered: nothing to resume
    run.answer(True)
    assert resumable(store, QUESTIONS) is not None
    run.finish()
    assert resumable(store, QUESTIONS) is None


def test_questions_the_bank_lost_are_left_out(store: ProgressStore) -> None:
    run = run_of(store, QuizRequest(count=5, seed=3))
    asked = [item.question.id for item in run.session.items]
    run.answer(True)
    kept = [question for question in QUESTIONS if question.id != asked[1]]
    found = resumable(store, kept)
    assert found is not None and found.request.question_ids == tuple(asked[2:])
