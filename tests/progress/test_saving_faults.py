"""Saving under faults: a full disk is told at once and counted; a lock is waited out, never fatal."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from normquiz.progress import ProgressStore
from tests.faults import fill_the_disk, hold_the_write_lock

WAIT_LIMIT_SECONDS = 60  # only so that a broken retry fails instead of hanging the run


def _answer(store: ProgressStore, question_id: str, session_id: int | None = None) -> None:
    store.record_attempt(question_id, content_hash="h", correct=True, response="A", session_id=session_id)


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "the waiting writes were never committed"
        time.sleep(0.05)


def test_a_full_disk_is_told_to_the_listener_the_moment_it_happens(store: ProgressStore) -> None:
    heard: list[str] = []
    store.add_saving_listener(heard.append)
    _answer(store, "before")
    fill_the_disk(store)
    _answer(store, "first-lost")
    assert len(heard) == 1  # told by the answer that failed, not at the next screen
    assert heard[0].startswith("Progress is not being saved: the disk is full (")
    _answer(store, "second-lost")
    assert store.saving_failed and store.unsaved_answers == 2
    assert len(heard) == 1


def test_answers_before_the_failure_are_not_counted_as_unsaved(store: ProgressStore) -> None:
    _answer(store, "a")
    _answer(store, "b")
    assert store.unsaved_answers == 0 and not store.saving_failed


def test_an_in_memory_preview_never_counts_as_unsaved() -> None:
    preview = ProgressStore.in_memory()
    _answer(preview, "a")
    assert preview.unsaved_answers == 0 and not preview.saving_failed


def test_a_held_lock_queues_answers_instead_of_falling_back_to_memory(store: ProgressStore) -> None:
    heard: list[str] = []
    store.add_saving_listener(heard.append)
    other = hold_the_write_lock(store.path)
    try:
        session = store.start_session("practice")
        _answer(store, "q1", session)
        _answer(store, "q2", session)
        store.end_session(session)
        # Still locked: the calls came back without waiting for the other program.
        assert other.in_transaction
        assert store.saving and not store.saving_failed
        assert store.waiting_answers == 2
        assert heard[0].startswith("Another program is holding the progress database locked (")
    finally:
        other.rollback()
        other.close()
    _wait_until(lambda: store.waiting_answers == 0)
    attempts = store.attempts()
    assert [attempt.question_id for attempt in attempts] == ["q1", "q2"]
    real_session = attempts[0].session_id
    assert real_session is not None and real_session > 0 and attempts[1].session_id == real_session
    assert store.session(real_session).ended_at is not None
    assert heard[-1] == "The progress database is free again: every waiting answer is saved."
    assert store.unsaved_answers == 0


def test_answers_given_after_the_queue_started_keep_their_order(store: ProgressStore) -> None:
    other = hold_the_write_lock(store.path)
    for index in range(5):
        _answer(store, f"q{index}")
    other.rollback()
    other.close()
    _answer(store, "after")  # must not overtake the five waiting ones
    _wait_until(lambda: store.waiting_answers == 0)
    assert [attempt.question_id for attempt in store.attempts()] == ["q0", "q1", "q2", "q3", "q4", "after"]


def test_closing_while_still_locked_counts_the_waiting_answers_as_unsaved(
    store: ProgressStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import normquiz.progress.guarded as guarded

    monkeypatch.setattr(guarded, "CLOSE_WAIT_SECONDS", 0.3)
    other = hold_the_write_lock(store.path)
    try:
        _answer(store, "q1")
        _answer(store, "q2")
        store.close()
        assert store.unsaved_answers == 2
    finally:
        other.rollback()
        other.close()
    conn = sqlite3.connect(store.path)
    assert conn.execute("SELECT count(*) FROM attempts").fetchone() == (0,)
    conn.close()


def test_closing_after_the_lock_is_released_saves_the_waiting_answers(tmp_path: Path) -> None:
    store = ProgressStore.open(tmp_path)
    ProgressStore.open(tmp_path).close()
    other = hold_the_write_lock(store.path)
    _answer(store, "q1")
    other.rollback()
    other.close()
    store.close()
    assert store.unsaved_answers == 0
    with ProgressStore.open(tmp_path) as reopened:
        assert [attempt.question_id for attempt in reopened.attempts()] == ["q1"]


QUEUE_THEN_EXIT = """
    import sys
    from normquiz.progress import ProgressStore
    store = ProgressStore.open(sys.argv[1])
    store.record_attempt("q1", content_hash="h", correct=True)
    store.record_attempt("q2", content_hash="h", correct=True)
    print(store.waiting_answers, flush=True)
    sys.stdin.readline()  # the parent lets go of its lock, then this program ends without close()
"""


def test_a_program_that_never_closes_still_commits_the_waiting_answers(tmp_path: Path) -> None:
    import subprocess
    import sys
    import textwrap

    ProgressStore.open(tmp_path).close()
    other = hold_the_write_lock(tmp_path / "progress.sqlite3")
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(QUEUE_THEN_EXIT), str(tmp_path)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "2"
    finally:
        other.rollback()
        other.close()
    _, stderr = child.communicate("\n", timeout=WAIT_LIMIT_SECONDS)
    assert child.returncode == 0, stderr
    with ProgressStore.open(tmp_path) as store:
        assert [attempt.question_id for attempt in store.attempts()] == ["q1", "q2"]
