"""The progress store: records answers, flags and sessions, and schedules reviews.

One ``ProgressStore`` per app instance. Every write is its own transaction
committed before the method returns, so a killed process loses at most the
answer being typed, and two instances on the same database (WAL mode, a
5-second busy timeout, ``BEGIN IMMEDIATE``) lose nothing.

The store knows questions only by id and content hash; levels, tags and
types stay in ``normquiz.bank`` and are passed in where needed.

If the disk stops accepting writes mid-session (full disk, file made
read-only, lock held too long), the store copies what it has into memory,
keeps going there and sets ``not_saving_reason``: the learner is warned
rather than shown a traceback.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, TypeVar

from normquiz.progress.clock import (
    Clock,
    as_utc,
    from_stored_text,
    local_day,
    to_stored_text,
    utc_now,
)
from normquiz.progress.database import (
    NOT_SAVING,
    OpenedDatabase,
    copy_into_memory,
    describe_sqlite_error,
    open_database,
)
from normquiz.progress.datadir import DATABASE_FILENAME, resolve_data_dir
from normquiz.progress.records import (
    FLAG_REASONS,
    Attempt,
    DueDay,
    Flag,
    FlagReason,
    RecordedAttempt,
    ReviewState,
    Session,
    SessionMode,
    json_text,
)
from normquiz.progress.scheduling import Rating, ReviewScheduler, rating_for

T = TypeVar("T")

_LATEST_HASH_SQL = (
    "SELECT content_hash FROM attempts WHERE question_id = ? "
    "ORDER BY answered_at DESC, id DESC LIMIT 1"
)


def due_by_day(
    states: Iterable[ReviewState],
    today: date,
    days: int,
    *,
    tz: tzinfo | None = None,
    among: Collection[str] | None = None,
) -> list[DueDay]:
    """How many of ``states`` fall due on each of ``days`` local days from ``today``.

    The first day's count includes the overdue ones; ``among`` as in
    ``ProgressStore.due_question_ids``.
    """
    counts = [0] * max(days, 0)
    for state in states:
        if among is not None and state.question_id not in among:
            continue
        offset = max((local_day(state.due, tz) - today).days, 0)
        if offset < len(counts):
            counts[offset] += 1
    return [DueDay(day=today + timedelta(days=i), count=c) for i, c in enumerate(counts)]


class ProgressStore:
    """The learner's answers, review schedule, flags and sessions in one SQLite file.

    Open with ``ProgressStore.open(data_dir)`` (or ``in_memory()`` for
    previews and tests); use as a context manager or call ``close()``.
    ``notices`` are sentences for the home screen; ``saving`` is False when
    answers are kept in memory only, with the reason in ``not_saving_reason``.
    """

    def __init__(
        self,
        opened: OpenedDatabase,
        *,
        clock: Clock = utc_now,
        scheduler: ReviewScheduler | None = None,
    ) -> None:
        self._db = opened
        self._clock = clock
        self._scheduler = scheduler or ReviewScheduler()
        self._lock = threading.RLock()

    @classmethod
    def open(
        cls,
        data_dir: str | Path | None = None,
        *,
        clock: Clock = utc_now,
        scheduler: ReviewScheduler | None = None,
    ) -> ProgressStore:
        """Open (creating if needed) the store in ``resolve_data_dir(data_dir)``.

        Never raises for a user's situation: see ``notices`` and ``saving``.
        """
        opened = open_database(resolve_data_dir(data_dir), DATABASE_FILENAME, clock())
        return cls(opened, clock=clock, scheduler=scheduler)

    @classmethod
    def in_memory(
        cls, *, clock: Clock = utc_now, scheduler: ReviewScheduler | None = None
    ) -> ProgressStore:
        """A store that lives in memory only, without a warning: for previews and tests."""
        opened = OpenedDatabase(conn=copy_into_memory(None), path=None, saving=False)
        return cls(opened, clock=clock, scheduler=scheduler)

    # -- state the UI shows -------------------------------------------------

    @property
    def path(self) -> Path | None:
        """The database file (None when the data directory could not be used)."""
        return self._db.path

    @property
    def saving(self) -> bool:
        """True while answers are committed to the database file."""
        return self._db.saving

    @property
    def not_saving_reason(self) -> str | None:
        """Why answers are not saved, as a lowercase clause; None while saving or in_memory()."""
        return self._db.not_saving_reason

    @property
    def notices(self) -> tuple[str, ...]:
        """One-sentence messages for the learner (file moved aside, progress not saved)."""
        return tuple(self._db.notices)

    def now(self) -> datetime:
        """The store's clock reading (the injected clock in tests)."""
        return self._clock()

    def close(self) -> None:
        with self._lock:
            self._db.conn.close()

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------

    def _now(self, now: datetime | None) -> datetime:
        return now if now is not None else self.now()

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self._with_fallback(lambda conn: conn.execute(sql, params).fetchall())

    def _write(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``operation`` in one transaction, committed before this returns."""
        return self._with_fallback(lambda conn: self._transaction(conn, operation))

    @staticmethod
    def _transaction(
        conn: sqlite3.Connection, operation: Callable[[sqlite3.Connection], T]
    ) -> T:
        # IMMEDIATE takes the write lock before reading the card, so two
        # instances answering the same question cannot both build on one state.
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = operation(conn)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    def _with_fallback(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``operation``; if the database file fails, carry on in memory and warn."""
        with self._lock:
            try:
                return operation(self._db.conn)
            except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
                raise  # a caller's mistake, not the disk's
            except sqlite3.DatabaseError as exc:
                if not self._db.saving:
                    raise
                self._fall_back_to_memory(f"{describe_sqlite_error(exc)} ({self._db.path})")
            return operation(self._db.conn)

    def _fall_back_to_memory(self, reason: str) -> None:
        old = self._db.conn
        memory = copy_into_memory(old)
        old.close()
        self._db.conn = memory
        self._db.saving = False
        self._db.not_saving_reason = reason
        self._db.notices.append(NOT_SAVING.format(reason=reason))

    # -- answers --------------------------------------------------------------

    def record_attempt(
        self,
        question_id: str,
        *,
        content_hash: str,
        correct: bool,
        score: float | None = None,
        response: Any = None,
        seconds: float | None = None,
        hints_used: int = 0,
        session_id: int | None = None,
        mode: SessionMode = "practice",
        expected_seconds: float | None = None,
        now: datetime | None = None,
    ) -> RecordedAttempt:
        """Store one answer and reschedule its question; committed before it returns.

        ``score`` defaults to 1.0 or 0.0 from ``correct``. ``expected_seconds``
        (see ``scheduling.expected_seconds``) decides "slow" and "fast" for the
        FSRS rating; without it the time taken does not change the rating.
        """
        if score is None:
            score = 1.0 if correct else 0.0
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"The score of an answer must be between 0 and 1, got {score}.")
        answered_at = self._now(now)
        rating = rating_for(
            correct, hints_used=hints_used, seconds=seconds, expected=expected_seconds
        )
        response_text = json_text(response)

        def write(conn: sqlite3.Connection) -> RecordedAttempt:
            previous_hash = conn.execute(_LATEST_HASH_SQL, (question_id,)).fetchone()
            card_row = conn.execute(
                "SELECT card FROM review_cards WHERE question_id = ?", (question_id,)
            ).fetchone()
            card = self._scheduler.review(card_row[0] if card_row else None, rating, answered_at)
            cursor = conn.execute(
                "INSERT INTO attempts (question_id, content_hash, answered_at, correct, score, "
                "response, seconds, hints_used, session_id, mode, rating) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (question_id, content_hash, to_stored_text(answered_at), int(correct), score,
                 response_text, seconds, hints_used, session_id, mode, int(rating)),
            )  # fmt: skip
            conn.execute(
                "INSERT INTO review_cards (question_id, card, due, stability, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (question_id) DO UPDATE SET "
                "card = excluded.card, due = excluded.due, stability = excluded.stability, "
                "updated_at = excluded.updated_at",
                (question_id, card.card_json, to_stored_text(card.due), card.stability_days,
                 to_stored_text(answered_at)),
            )  # fmt: skip
            return RecordedAttempt(
                attempt_id=int(cursor.lastrowid or 0),
                rating=rating,
                due=card.due,
                stability_days=card.stability_days,
                content_changed=previous_hash is not None and previous_hash[0] != content_hash,
                saved=self._db.saving,
            )

        return self._write(write)

    def schedule_snapshot(self, question_id: str) -> tuple[Any, ...] | None:
        """The question's review schedule as stored now (None before its first answer), for
        ``undo_attempt`` to put back."""
        rows = self._read(
            "SELECT card, due, stability, updated_at FROM review_cards WHERE question_id = ?",
            (question_id,),
        )
        return tuple(rows[0]) if rows else None

    def undo_attempt(
        self, attempt_id: int, question_id: str, schedule: tuple[Any, ...] | None
    ) -> None:
        """Take back an answer (a slip of the key): delete the attempt and put back the
        schedule ``schedule_snapshot`` returned before it; one transaction."""

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "DELETE FROM attempts WHERE id = ? AND question_id = ?", (attempt_id, question_id)
            )
            if schedule is None:
                conn.execute("DELETE FROM review_cards WHERE question_id = ?", (question_id,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO review_cards (question_id, card, due, stability, "
                    "updated_at) VALUES (?, ?, ?, ?, ?)",
                    (question_id, *schedule),
                )

        self._write(write)

    def rate_attempt(
        self,
        attempt_id: int,
        question_id: str,
        schedule: tuple[Any, ...] | None,
        rating: Rating,
    ) -> None:
        """The learner's own rating of an answer (Again, Hard, Good, Easy: self-grading where the
        app cannot judge): the attempt keeps it and the schedule is worked out again from
        ``schedule`` (``schedule_snapshot`` before the answer) with it; one transaction."""

        def write(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT answered_at FROM attempts WHERE id = ? AND question_id = ?",
                (attempt_id, question_id),
            ).fetchone()
            if row is None:
                raise ValueError(f"There is no answer {attempt_id} to {question_id!r} to rate.")
            answered_at = from_stored_text(row[0])
            card = self._scheduler.review(schedule[0] if schedule else None, rating, answered_at)
            conn.execute("UPDATE attempts SET rating = ? WHERE id = ?", (int(rating), attempt_id))
            conn.execute(
                "INSERT OR REPLACE INTO review_cards (question_id, card, due, stability, "
                "updated_at) VALUES (?, ?, ?, ?, ?)",
                (question_id, card.card_json, to_stored_text(card.due), card.stability_days,
                 to_stored_text(answered_at)),
            )  # fmt: skip

        self._write(write)

    def attempts(
        self, question_id: str | None = None, *, session_id: int | None = None
    ) -> list[Attempt]:
        """Stored answers in the order given, optionally of one question or one session."""
        conditions, params = [], []
        if question_id is not None:
            conditions.append("question_id = ?")
            params.append(question_id)
        if session_id is not None:
            conditions.append("session_id = ?")
            params.append(session_id)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self._read(
            f"SELECT {Attempt.COLUMNS} FROM attempts{where} ORDER BY answered_at, id",
            tuple(params),
        )
        return [Attempt.from_row(row) for row in rows]

    def attempt_count(self) -> int:
        """How many answers are stored."""
        return int(self._read("SELECT count(*) FROM attempts")[0][0])

    def content_changed(self, question_id: str, current_hash: str) -> bool:
        """True when the question was answered before under different content."""
        rows = self._read(_LATEST_HASH_SQL, (question_id,))
        return bool(rows) and rows[0][0] != current_hash

    # -- reviews --------------------------------------------------------------

    def review_state(self, question_id: str) -> ReviewState | None:
        """The question's FSRS state, or None if it was never answered."""
        states = self._review_states("WHERE question_id = ?", (question_id,))
        return states[0] if states else None

    def review_states(self) -> dict[str, ReviewState]:
        """Every answered question's FSRS state, by question id."""
        return {state.question_id: state for state in self._review_states("", ())}

    def _review_states(self, where: str, params: tuple[Any, ...]) -> list[ReviewState]:
        rows = self._read(
            f"SELECT {ReviewState.COLUMNS} FROM review_cards {where} ORDER BY due, question_id",
            params,
        )
        return [ReviewState.from_row(row) for row in rows]

    def due_question_ids(
        self,
        now: datetime | None = None,
        limit: int | None = None,
        *,
        among: Collection[str] | None = None,
    ) -> list[str]:
        """Questions due at ``now``, most overdue first.

        ``among`` restricts them to the questions the bank still has, before
        ``limit`` applies.
        """
        rows = self._read(
            "SELECT question_id FROM review_cards WHERE due <= ? ORDER BY due, question_id",
            (to_stored_text(self._now(now)),),
        )
        due = [row[0] for row in rows if among is None or row[0] in among]
        return due if limit is None else due[: max(limit, 0)]

    def due_forecast(
        self,
        now: datetime | None = None,
        days: int = 7,
        *,
        tz: tzinfo | None = None,
        among: Collection[str] | None = None,
    ) -> list[DueDay]:
        """Reviews due on each of the coming ``days`` local days, today first.

        Today's count includes the overdue ones. ``tz`` as in ``clock.local_day``.
        """
        today = local_day(self._now(now), tz)
        return due_by_day(self.review_states().values(), today, days, tz=tz, among=among)

    # -- flags ----------------------------------------------------------------

    def flag_question(
        self,
        question_id: str,
        reason: FlagReason,
        comment: str = "",
        *,
        now: datetime | None = None,
    ) -> Flag:
        """Keep the learner's report that a question is wrong or unclear."""
        if reason not in FLAG_REASONS:
            raise ValueError(
                f"A flag's reason must be one of {', '.join(FLAG_REASONS)}, got {reason!r}."
            )
        flagged_at = as_utc(self._now(now))

        def write(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO flags (question_id, reason, comment, flagged_at) "
                "VALUES (?, ?, ?, ?)",
                (question_id, reason, comment, to_stored_text(flagged_at)),
            )
            return int(cursor.lastrowid or 0)

        return Flag(self._write(write), question_id, reason, comment, flagged_at)

    def list_flags(self) -> list[Flag]:
        """Every flag, oldest first."""
        rows = self._read(f"SELECT {Flag.COLUMNS} FROM flags ORDER BY flagged_at, id")
        return [Flag.from_row(row) for row in rows]

    # -- sessions -------------------------------------------------------------

    def start_session(
        self,
        mode: SessionMode,
        options: Mapping[str, Any] | None = None,
        *,
        now: datetime | None = None,
    ) -> int:
        """Record the start of a quiz session; returns the id to pass to ``record_attempt``."""
        started_at = to_stored_text(self._now(now))
        options_text = json_text(dict(options or {}))

        def write(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO sessions (mode, started_at, options) VALUES (?, ?, ?)",
                (mode, started_at, options_text),
            )
            return int(cursor.lastrowid or 0)

        return self._write(write)

    def end_session(self, session_id: int, *, now: datetime | None = None) -> None:
        """Record when the session ended (a killed session keeps ``ended_at`` empty)."""
        ended_at = to_stored_text(self._now(now))
        self._write(
            lambda conn: conn.execute(
                "UPDATE sessions SET ended_at = ? WHERE id = ?", (ended_at, session_id)
            )
        )

    def last_unfinished_session(self) -> Session | None:
        """The latest session that was never ended (quit or killed mid-way), or None."""
        rows = self._read(
            f"SELECT {Session.COLUMNS} FROM sessions WHERE ended_at IS NULL "
            "ORDER BY started_at DESC, id DESC LIMIT 1"
        )
        return Session.from_row(rows[0]) if rows else None

    def session(self, session_id: int) -> Session | None:
        """The session with that id, or None."""
        rows = self._read(f"SELECT {Session.COLUMNS} FROM sessions WHERE id = ?", (session_id,))
        return Session.from_row(rows[0]) if rows else None
