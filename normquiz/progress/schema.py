"""The progress database schema and its forward migrations (``PRAGMA user_version``).

``MIGRATIONS[i]`` takes a database from version ``i`` to ``i + 1``; a new
database runs them all from 0. Released steps are never edited: a change to
the schema is a new step appended to the list. Each step runs in its own
``BEGIN IMMEDIATE`` transaction together with the version bump, so a crash
mid-migration leaves the previous version intact, and two instances opening
the same old database migrate it once.

Current schema (version 3)::

    attempts      id, question_id, content_hash, answered_at (UTC ISO text),
                  correct (0/1), score (0..1), response (JSON text), seconds,
                  hints_used, session_id -> sessions.id, mode, rating (FSRS 1..4)
    review_cards  question_id (primary key), card (fsrs Card JSON),
                  due (UTC ISO text), stability (days), updated_at
    flags         id, question_id, reason ('wrong' | 'unclear'), comment, flagged_at
    sessions      id, mode, started_at, ended_at, options (JSON text)
    hidden_questions  question_id (primary key), kind ('buried' | 'suspended'),
                  hidden_at, until (UTC ISO text; NULL while suspended)
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]


class NewerSchemaError(Exception):
    """The database was written by a newer normquiz whose schema this one does not know."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"the database has schema version {found} but this normquiz knows only up to "
            f"{known}; upgrade normquiz to keep saving progress"
        )
        self.found = found
        self.known = known


def _execute_statements(conn: sqlite3.Connection, script: str) -> None:
    """Run ``;``-separated statements inside the caller's transaction.

    ``executescript`` would COMMIT first and break the step's atomicity.
    """
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _create_first_tables(conn: sqlite3.Connection) -> None:
    """Version 1: attempts, review cards and flags."""
    _execute_statements(
        conn,
        """
        CREATE TABLE attempts (
            id            INTEGER PRIMARY KEY,
            question_id   TEXT    NOT NULL,
            content_hash  TEXT    NOT NULL,
            answered_at   TEXT    NOT NULL,
            correct       INTEGER NOT NULL CHECK (correct IN (0, 1)),
            score         REAL    NOT NULL CHECK (score BETWEEN 0 AND 1),
            response      TEXT,
            seconds       REAL,
            hints_used    INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE review_cards (
            question_id   TEXT PRIMARY KEY,
            card          TEXT NOT NULL,
            due           TEXT NOT NULL
        );
        CREATE TABLE flags (
            id            INTEGER PRIMARY KEY,
            question_id   TEXT NOT NULL,
            reason        TEXT NOT NULL CHECK (reason IN ('wrong', 'unclear')),
            comment       TEXT NOT NULL DEFAULT '',
            flagged_at    TEXT NOT NULL
        );
        """
    )


def _add_sessions_and_review_columns(conn: sqlite3.Connection) -> None:
    """Version 2: sessions; attempts gain session, mode and rating; cards gain stability."""
    _execute_statements(
        conn,
        """
        CREATE TABLE sessions (
            id            INTEGER PRIMARY KEY,
            mode          TEXT NOT NULL,
            started_at    TEXT NOT NULL,
            ended_at      TEXT,
            options       TEXT NOT NULL DEFAULT '{}'
        );
        ALTER TABLE attempts ADD COLUMN session_id INTEGER
            REFERENCES sessions (id) ON DELETE SET NULL;
        ALTER TABLE attempts ADD COLUMN mode TEXT NOT NULL DEFAULT 'practice';
        ALTER TABLE attempts ADD COLUMN rating INTEGER;
        ALTER TABLE review_cards ADD COLUMN stability REAL NOT NULL DEFAULT 0;
        ALTER TABLE review_cards ADD COLUMN updated_at TEXT;
        CREATE INDEX attempts_by_question ON attempts (question_id, answered_at);
        CREATE INDEX attempts_by_time ON attempts (answered_at);
        CREATE INDEX review_cards_by_due ON review_cards (due);
        """
    )
    # Cards written by version 1 carry their stability inside the JSON.
    rows = conn.execute("SELECT question_id, card FROM review_cards").fetchall()
    for question_id, card_json in rows:
        try:
            stability = float(json.loads(card_json).get("stability") or 0.0)
        except (ValueError, TypeError, AttributeError):  # a damaged card: the scheduler restarts it
            stability = 0.0
        conn.execute(
            "UPDATE review_cards SET stability = ? WHERE question_id = ?",
            (float(stability), question_id),
        )


def _add_hidden_questions(conn: sqlite3.Connection) -> None:
    """Version 3: buried (until a local midnight) and suspended (until unsuspended) questions."""
    _execute_statements(
        conn,
        """
        CREATE TABLE hidden_questions (
            question_id   TEXT PRIMARY KEY,
            kind          TEXT NOT NULL CHECK (kind IN ('buried', 'suspended')),
            hidden_at     TEXT NOT NULL,
            until         TEXT
        );
        """
    )


MIGRATIONS: tuple[Migration, ...] = (
    _create_first_tables,
    _add_sessions_and_review_columns,
    _add_hidden_questions,
)
LATEST_VERSION = len(MIGRATIONS)


def _columns(conn: sqlite3.Connection) -> dict[str, set[str]]:
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {table: {row[1] for row in conn.execute(f"PRAGMA table_info('{table}')")} for table in tables}


@functools.lru_cache(maxsize=1)
def _expected_columns() -> tuple[tuple[str, frozenset[str]], ...]:
    reference = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(reference)
        return tuple((table, frozenset(columns)) for table, columns in sorted(_columns(reference).items()))
    finally:
        reference.close()


def missing_schema_part(conn: sqlite3.Connection) -> str | None:
    """What of the latest schema a database at the latest version lacks (a dropped table), or None."""
    found = _columns(conn)
    for table, columns in _expected_columns():
        if table not in found:
            return f"the table {table!r} is missing"
        missing = sorted(columns - found[table])
        if missing:
            return f"the table {table!r} has no column {missing[0]!r}"
    return None


def schema_version(conn: sqlite3.Connection) -> int:
    """The database's ``PRAGMA user_version``."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database up to ``LATEST_VERSION``; returns the version it was at.

    ``conn`` must be in autocommit mode (``isolation_level=None``). Raises
    ``NewerSchemaError`` for a database from a newer normquiz.
    """
    found = schema_version(conn)
    if found > LATEST_VERSION:
        raise NewerSchemaError(found, LATEST_VERSION)
    if found == LATEST_VERSION:
        return found  # no write lock needed: another program holding one does not stop the app opening
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another instance may have migrated meanwhile.
            version = schema_version(conn)
            if version >= LATEST_VERSION:
                conn.execute("COMMIT")
                return found
            MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
