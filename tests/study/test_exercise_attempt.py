"""An exercise visit without a terminal: saved code, hints, giving up, one recorded attempt per visit."""

from __future__ import annotations

from pathlib import Path

import pytest

from normquiz.bank import load_paths
from normquiz.bank.model import CodeQuestion
from normquiz.paths import builtin_content_dir
from normquiz.progress import ProgressStore
from normquiz.study.exercise_attempt import ExerciseAttempt, exercise_dir


@pytest.fixture
def question() -> CodeQuestion:
    questions = load_paths([builtin_content_dir() / "exercises.yaml"]).questions
    return next(q for q in questions if q.id == "rms-forward")


@pytest.fixture
def store():
    opened = ProgressStore.in_memory()
    yield opened
    opened.close()


def test_code_starts_as_the_starter_and_is_kept_in_the_data_dir(question, store, tmp_path: Path) -> None:
    attempt = ExerciseAttempt(question, store, exercise_dir(tmp_path))
    assert attempt.load_code() == question.starter
    assert attempt.save_code("def rmsnorm_forward(x, weight, eps=1e-6):\n    return x\n")
    assert (tmp_path / "exercises" / "rms-forward.py").read_text(encoding="utf-8").endswith("return x\n")
    again = ExerciseAttempt(question, store, exercise_dir(tmp_path))
    assert again.load_code().endswith("return x\n")
    assert again.reset_code() == question.starter == again.load_code()


def test_saving_where_it_cannot_says_why(question, store, tmp_path: Path) -> None:
    blocker = tmp_path / "exercises"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    attempt = ExerciseAttempt(question, store, blocker)
    assert not attempt.save_code("x = 1\n")
    assert attempt.save_problem.startswith(f"could not save {blocker / 'rms-forward.py'}")
    assert attempt.load_code() == question.starter


def test_hints_one_at_a_time_then_none(question, store) -> None:
    attempt = ExerciseAttempt(question, store, None)
    assert [attempt.next_hint() for _ in range(len(question.hints) + 1)] == [*question.hints, None]
    assert attempt.shown_hints() == list(question.hints) and attempt.hints_shown == len(question.hints)


def test_a_pass_is_recorded_once_and_giving_up_after_it_adds_nothing(question, store, tmp_path) -> None:
    attempt = ExerciseAttempt(question, store, exercise_dir(tmp_path))
    assert attempt.run("def rmsnorm_forward(x, weight, eps=1e-6):\n    return x\n").passed is False
    assert store.attempts(question.id) == []
    assert attempt.run(question.reference).passed
    assert attempt.run(question.reference).passed
    attempt.give_up()
    assert [a.correct for a in store.attempts(question.id)] == [True]
    assert attempt.runs == 3


def test_giving_up_first_records_a_miss_and_a_later_pass_does_not_count(question, store) -> None:
    attempt = ExerciseAttempt(question, store, None)
    attempt.next_hint()
    assert attempt.give_up() == question.reference
    assert attempt.run(question.reference).passed
    recorded = store.attempts(question.id)
    assert [(a.correct, a.hints_used) for a in recorded] == [(False, 1)]
