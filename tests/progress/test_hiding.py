"""Buried (until the next local midnight) and suspended (until unsuspended) questions in the store."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from normquiz.progress import DATABASE_FILENAME, ProgressStore
from normquiz.progress.hiding import next_local_midnight
from normquiz.progress.schema import LATEST_VERSION, MIGRATIONS

from .conftest import FakeClock, write_v1_database

TOKYO = timezone(timedelta(hours=9))


def test_a_buried_question_comes_back_at_the_next_local_midnight(store: ProgressStore, clock: FakeClock) -> None:
    # 21:45 UTC on the 21st is 06:45 on the 22nd in Tokyo: buried until the 23rd starts there.
    until = store.bury("bn-1", tz=TOKYO)
    assert until == datetime(2026, 11, 23, 0, 0, tzinfo=TOKYO)
    assert store.hidden_question_ids() == {"bn-1"}
    clock.current = until - timedelta(seconds=1)
    assert store.hidden_question_ids() == {"bn-1"}
    clock.current = until
    assert store.hidden_question_ids() == set()


def test_next_local_midnight_in_the_system_zone_is_after_now() -> None:
    now = datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)
    midnight = next_local_midnight(now)
    assert now < midnight <= now + timedelta(hours=25)
    assert midnight.astimezone().time() == datetime.min.time()


def test_a_suspended_question_stays_hidden_until_unsuspended(store: ProgressStore, clock: FakeClock) -> None:
    store.suspend("bn-1")
    store.bury("bn-2")
    clock.advance(days=400)
    assert store.hidden_question_ids() == {"bn-1"}
    assert store.suspended_question_ids() == ["bn-1"]
    assert store.unhide("bn-1") is True and store.unhide("bn-1") is False
    assert store.hidden_question_ids() == set()


def test_unsuspend_all_keeps_buried_questions_buried(store: ProgressStore) -> None:
    store.suspend("bn-1")
    store.suspend("bn-2")
    store.bury("bn-3")
    assert store.unsuspend_all() == 2
    assert store.hidden_question_ids() == {"bn-3"} and store.suspended_question_ids() == []
    store.suspend("bn-3")  # hiding again replaces the kind
    assert store.suspended_question_ids() == ["bn-3"]


def test_due_counts_leave_hidden_questions_out(store: ProgressStore, clock: FakeClock) -> None:
    for question_id in ("bn-1", "bn-2", "bn-3"):
        store.record_attempt(question_id, content_hash="h", correct=False)
    later = clock.advance(days=30)
    assert store.due_question_ids(later) == ["bn-1", "bn-2", "bn-3"]
    store.bury("bn-1", now=later)
    store.suspend("bn-2", now=later)
    assert store.due_question_ids(later) == ["bn-3"]
    assert sum(day.count for day in store.due_forecast(later)) == 1
    assert store.review_state("bn-2") is not None  # the schedule itself is untouched


def _write_v2_database(path: Path) -> None:
    """A version-2 database: the frozen version 1 with the released second step applied."""
    write_v1_database(path)
    conn = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[1](conn)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO sessions (mode, started_at) VALUES ('practice', '2026-11-21T09:00:00.000000+00:00')")
    conn.close()


def test_a_version_2_database_gains_hiding_and_keeps_its_data(
    tmp_path: Path, open_store: Callable[..., ProgressStore]
) -> None:
    _write_v2_database(tmp_path / DATABASE_FILENAME)

    store = open_store(tmp_path)

    assert store.notices == () and store.saving
    assert len(store.attempts("bn-1")) == 2 and store.session(1) is not None
    assert store.hidden_question_ids() == set()
    store.suspend("bn-1")
    assert store.suspended_question_ids() == ["bn-1"]
    conn = sqlite3.connect(tmp_path / DATABASE_FILENAME)
    assert conn.execute("PRAGMA user_version").fetchone() == (LATEST_VERSION,) == (3,)
    assert conn.execute("SELECT question_id, kind, until FROM hidden_questions").fetchall() == [
        ("bn-1", "suspended", None)]
    conn.close()
