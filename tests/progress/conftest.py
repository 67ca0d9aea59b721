"""Fixtures for the progress store tests: a fake clock, stores in temporary dirs, old databases."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from normquiz.progress import ProgressStore, ReviewScheduler

START = datetime(2026, 11, 21, 21, 45, 0, tzinfo=timezone.utc)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def open_store(tmp_path: Path, clock: FakeClock) -> Callable[..., ProgressStore]:
    """Opens a store in ``tmp_path/data`` (or a given dir) with the fake clock and no fuzz."""
    opened: list[ProgressStore] = []

    def open_(data_dir: Path | None = None) -> ProgressStore:
        store = ProgressStore.open(
            data_dir if data_dir is not None else tmp_path / "data",
            clock=clock,
            scheduler=ReviewScheduler(enable_fuzzing=False),
        )
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[..., ProgressStore]) -> ProgressStore:
    return open_store()


# The schema of version 1 as the first release wrote it, frozen here on purpose:
# the migration test must start from what users' disks hold, not from the code.
V1_SCHEMA = """
CREATE TABLE attempts (id INTEGER PRIMARY KEY, question_id TEXT NOT NULL,
    content_hash TEXT NOT NULL, answered_at TEXT NOT NULL,
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
    score REAL NOT NULL CHECK (score BETWEEN 0 AND 1), response TEXT, seconds REAL,
    hints_used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE review_cards (question_id TEXT PRIMARY KEY, card TEXT NOT NULL, due TEXT NOT NULL);
CREATE TABLE flags (id INTEGER PRIMARY KEY, question_id TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('wrong', 'unclear')),
    comment TEXT NOT NULL DEFAULT '', flagged_at TEXT NOT NULL);
PRAGMA user_version = 1;
"""

V1_CARD = (
    '{"card_id": 1, "state": 2, "step": null, "stability": 8.2956, "difficulty": 2.1,'
    ' "due": "2026-11-29T09:00:00+00:00", "last_review": "2026-11-21T09:00:00+00:00"}'
)


def write_v1_database(path: Path) -> None:
    """A version-1 database with two answers, one review card and one flag."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.executemany(
        "INSERT INTO attempts (question_id, content_hash, answered_at, correct, score,"
        " response, seconds, hints_used) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("bn-1", "hash-a", "2026-11-20T09:00:00.000000+00:00", 0, 0.0, '"B"', 20.0, 0),
            ("bn-1", "hash-a", "2026-11-21T09:00:00.000000+00:00", 1, 1.0, '"A"', 8.0, 1),
        ],
    )
    conn.execute(
        "INSERT INTO review_cards VALUES (?, ?, ?)",
        ("bn-1", V1_CARD, "2026-11-29T09:00:00.000000+00:00"),
    )
    conn.execute(
        "INSERT INTO flags (question_id, reason, comment, flagged_at) VALUES (?, ?, ?, ?)",
        ("bn-1", "unclear", "which axis?", "2026-11-21T09:01:00.000000+00:00"),
    )
    conn.commit()
    conn.close()


def run_python(code: str, *args: str) -> subprocess.Popen[str]:
    """Start ``python -c code args...`` with piped output (not waited for)."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
