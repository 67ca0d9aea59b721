"""A database that passes SQLite's integrity check but holds bad values: never a traceback."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from normquiz.progress import DATABASE_FILENAME, ProgressStore, progress_stats
from tests.normquiz_process import assert_no_traceback, run_normquiz


def _database_with_answers(open_store: Callable[..., ProgressStore], data_dir: Path) -> Path:
    store = open_store(data_dir)
    session = store.start_session("practice", {"levels": ["basic"]})
    for question_id in ("q1", "q2", "q3"):
        store.record_attempt(question_id, content_hash="h", correct=True, response="A", session_id=session)
    store.flag_question("q1", "unclear", "hmm")
    store.close()
    return data_dir / DATABASE_FILENAME


def _edit(database: Path, *statements: str) -> None:
    conn = sqlite3.connect(database, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()


@pytest.mark.parametrize("statement, part", [
    ("DROP TABLE attempts", "attempts"),
    ("DROP TABLE review_cards", "review_cards"),
    ("DROP TABLE sessions", "sessions"),
])
def test_a_dropped_table_is_treated_as_corrupt(open_store: Callable[..., ProgressStore], tmp_path: Path,
                                               statement: str, part: str) -> None:
    database = _database_with_answers(open_store, tmp_path / "data")
    _edit(database, "PRAGMA foreign_keys = OFF", statement)
    store = open_store(tmp_path / "data")
    (notice,) = store.notices
    assert notice.startswith(f"The progress database {database} could not be read, so it was moved to ")
    assert [path.name for path in (tmp_path / "data").glob("progress.sqlite3.corrupt-*")]
    assert store.saving
    store.record_attempt("q1", content_hash="h", correct=True)
    assert store.attempt_count() == 1


@pytest.mark.parametrize("statement, kind", [
    ("UPDATE attempts SET answered_at = 'yesterday' WHERE question_id = 'q2'", "answer"),
    ("UPDATE attempts SET response = '{not json' WHERE question_id = 'q2'", "answer"),
    ("UPDATE attempts SET rating = 9 WHERE question_id = 'q2'", "answer"),
])
def test_an_answer_row_with_a_bad_value_is_left_out_with_a_notice(
        open_store: Callable[..., ProgressStore], tmp_path: Path, statement: str, kind: str) -> None:
    database = _database_with_answers(open_store, tmp_path / "data")
    _edit(database, statement)
    store = open_store(tmp_path / "data")
    heard: list[str] = []
    store.add_saving_listener(heard.append)
    assert [attempt.question_id for attempt in store.attempts()] == ["q1", "q3"]
    assert heard and heard[0].startswith(f"1 stored {kind} could not be read and is left out (the first: ")
    assert heard[0].endswith("the database file is kept as it is.")
    assert store.notices == tuple(heard)
    assert progress_stats(store, {"q1": ("basic", ["t"])}).overall.answers == 2
    store.attempts()
    assert len(store.notices) == 1  # said once, not on every read


def test_a_bad_review_card_restarts_its_schedule(open_store: Callable[..., ProgressStore], tmp_path: Path) -> None:
    database = _database_with_answers(open_store, tmp_path / "data")
    _edit(database, "UPDATE review_cards SET card = '{\"broken\": ' WHERE question_id = 'q1'")
    store = open_store(tmp_path / "data")
    result = store.record_attempt("q1", content_hash="h", correct=True)
    assert result.saved
    assert store.notices == ("The review schedule of 'q1' could not be read, so it starts again from this "
                             "answer; its answers are kept.",)
    assert len(store.attempts("q1")) == 2


def test_a_review_row_with_a_bad_due_time_is_left_out(open_store: Callable[..., ProgressStore],
                                                      tmp_path: Path) -> None:
    database = _database_with_answers(open_store, tmp_path / "data")
    _edit(database, "UPDATE review_cards SET due = 'tomorrow' WHERE question_id = 'q3'")
    store = open_store(tmp_path / "data")
    assert set(store.review_states()) == {"q1", "q2"}
    assert store.notices[0].startswith("1 stored review schedule could not be read")
    assert sum(day.count for day in store.due_forecast(days=30)) == 2


def test_a_session_with_bad_options_is_left_out(open_store: Callable[..., ProgressStore], tmp_path: Path) -> None:
    database = _database_with_answers(open_store, tmp_path / "data")
    _edit(database, "UPDATE sessions SET options = 'nope'")
    store = open_store(tmp_path / "data")
    assert store.session(1) is None
    assert store.notices[0].startswith("1 stored session could not be read")


def test_stats_on_a_database_with_bad_values_is_notes_not_a_traceback(
        open_store: Callable[..., ProgressStore], tmp_path: Path) -> None:
    database = _database_with_answers(open_store, tmp_path / "data")
    _edit(database, "UPDATE attempts SET answered_at = 'yesterday'",
          "UPDATE review_cards SET card = 'x', due = 'soon'", "UPDATE flags SET flagged_at = 'never'")
    result = run_normquiz("--data-dir", str(tmp_path / "data"), "stats", cwd=tmp_path)
    assert_no_traceback(result)
    assert result.returncode == 0
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert [note.split(" could not be read")[0] for note in notes] == [
        "note: 3 stored answers", "note: 3 stored review schedules", "note: 1 stored flag"]
    assert result.stdout.startswith("No answers yet")
