"""Schema version, migrations from older databases, and the connection's settings."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from normquiz.progress import DATABASE_FILENAME, ProgressStore
from normquiz.progress.schema import LATEST_VERSION

from .conftest import write_v1_database


def test_a_fresh_database_has_the_latest_schema_in_wal_mode(store: ProgressStore) -> None:
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA user_version").fetchone() == (LATEST_VERSION,)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"attempts", "review_cards", "flags", "sessions"} <= tables
    conn.close()
    pragmas = store._db.conn  # the store's own connection settings
    # A key press waits at most 250 ms for another program's lock; then the write queues.
    assert pragmas.execute("PRAGMA busy_timeout").fetchone() == (250,)
    assert pragmas.execute("PRAGMA foreign_keys").fetchone() == (1,)


def test_a_version_1_database_is_migrated_with_its_data_kept(
    tmp_path: Path, open_store: Callable[..., ProgressStore]
) -> None:
    write_v1_database(tmp_path / DATABASE_FILENAME)

    store = open_store(tmp_path)

    assert store.notices == () and store.saving
    first, second = store.attempts("bn-1")
    assert (first.correct, first.response, first.seconds) == (False, "B", 20.0)
    assert (second.correct, second.hints_used, second.mode) == (True, 1, "practice")
    assert second.session_id is None and second.rating is None
    state = store.review_state("bn-1")
    assert state.stability_days == 8.2956  # backfilled from the card's JSON
    assert state.due == datetime(2026, 11, 29, 9, tzinfo=timezone.utc)
    (flag,) = store.list_flags()
    assert (flag.reason, flag.comment) == ("unclear", "which axis?")

    # The migrated card keeps scheduling: a new answer builds on its history.
    session = store.start_session("review", {"count": 5})
    result = store.record_attempt(
        "bn-1", content_hash="hash-a", correct=True, session_id=session, now=state.due
    )
    assert result.stability_days > 8.2956
    store.close()
    conn = sqlite3.connect(tmp_path / DATABASE_FILENAME)
    assert conn.execute("PRAGMA user_version").fetchone() == (LATEST_VERSION,)
    assert conn.execute("SELECT count(*) FROM attempts").fetchone() == (3,)
    conn.close()


def test_sessions_record_mode_options_and_end(store: ProgressStore, clock) -> None:
    session_id = store.start_session("interview", {"level": "advanced", "count": 10})
    store.record_attempt("bn-1", content_hash="h", correct=True, session_id=session_id,
                         mode="interview")  # fmt: skip
    store.end_session(session_id, now=clock.advance(minutes=12))
    session = store.session(session_id)
    assert session.mode == "interview" and session.options == {"level": "advanced", "count": 10}
    assert session.ended_at - session.started_at == clock.current - session.started_at
    assert [a.mode for a in store.attempts(session_id=session_id)] == ["interview"]
    assert store.session(session_id + 1) is None
