"""The progress store: records answers, flags and sessions, and schedules reviews.

One ``ProgressStore`` per app instance. Every write is its own transaction
committed before the method returns, so a killed process loses at most the
answer being typed, and two instances on the same database (WAL mode, a
5-second busy timeout, ``BEGIN IMMEDIATE``) lose nothing.

The store knows questions only by id and content hash; levels, tags and
types stay in ``normquiz.bank`` and are passed in where needed.

If the disk stops accepting writes mid-session (full disk, file made
read-only), the store copies what it has into memory, keeps going there, sets
``not_saving_reason``, counts the answers that did not reach the disk
(``unsaved_answers``) and tells its saving listeners at once, so the quiz
screen can say so the moment it happens. A lock held by another program is
not a failure: the write waits in order and is retried in the background
(``normquiz.progress.writes``); the event loop never waits on it for more
than a quarter of a second.
"""

from __future__ import annotations

import sqlite3
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
from normquiz.progress.database import OpenedDatabase, copy_into_memory, open_database
from normquiz.progress.datadir import DATABASE_FILENAME, resolve_data_dir
from normquiz.progress.hiding import HIDDEN_NOW_SQL, QuestionHiding
from normquiz.progress.guarded import WAITING, GuardedConnection, SavingListener
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
    decode_rows,
    json_text,
)
from normquiz.progress.scheduling import Rating, ReviewScheduler, rating_for

T = TypeVar("T")
R = TypeVar("R")

UNREADABLE_ROWS = ("{count} stored {what} could not be read and {verb} left out (the first: {error}); "
                   "the database file is kept as it is.")
RESTARTED_CARD = ("The review schedule of {question_id!r} could not be read, so it starts again "
                  "from this answer; its answers are kept.")

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


class ProgressStore(QuestionHiding):
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
        self._guard = GuardedConnection(opened)
        self._clock = clock
        self._scheduler = scheduler or ReviewScheduler()

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
    def _db(self) -> OpenedDatabase:
        return self._guard.db

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

    @property
    def saving_failed(self) -> bool:
        """True when answers meant for the database file are kept in memory only (not for in_memory())."""
        return self._guard.saving_failed

    @property
    def waiting_answers(self) -> int:
        """Answers queued behind another program's lock, not yet in the database."""
        with self._guard.lock:
            return self._guard.waiting.answers

    @property
    def unsaved_answers(self) -> int:
        """Answers given since saving failed (and, once closed, those a lock kept out): lost on exit."""
        return self._guard.unsaved_answers

    def add_saving_listener(self, listener: SavingListener) -> None:
        """Call ``listener(sentence)`` whenever saving stops, waits for a lock or resumes.

        It may be called from the store's retry thread, never with the store's
        lock held: a UI hands it to its own event loop (Textual: ``call_from_thread``).
        """
        self._guard.add_listener(listener)

    def now(self) -> datetime:
        """The store's clock reading (the injected clock in tests)."""
        return self._clock()

    def close(self) -> None:
        """Commit what waits for a lock (for up to 5 s), then close; the rest counts as unsaved."""
        self._guard.close()

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------

    def _now(self, now: datetime | None) -> datetime:
        return now if now is not None else self.now()

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self._guard.read(sql, params)

    def _write(self, operation: Callable[[sqlite3.Connection], T], *, is_answer: bool = False) -> T:
        return self._guard.write(operation, is_answer=is_answer)

    def _decode(self, rows: list[tuple[Any, ...]], from_row: Callable[[tuple[Any, ...]], R], what: str) -> list[R]:
        """``from_row`` of each row; rows with bad values (a hand-edited file) are left out, with a notice."""
        decoded, bad, first_error = decode_rows(rows, from_row)
        if bad:
            self._guard.note(UNREADABLE_ROWS.format(count=bad, what=what if bad > 1 else what.rstrip("s"),
                                                    verb="are" if bad > 1 else "is", error=first_error))
            self._guard.deliver()
        return decoded

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

        Behind another program's lock the answer waits in order instead; the
        result is then worked out from what can be read, with ``saved`` False.
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

        def plan(conn: sqlite3.Connection) -> tuple[bool, Any]:
            previous_hash = conn.execute(_LATEST_HASH_SQL, (question_id,)).fetchone()
            card_row = conn.execute(
                "SELECT card FROM review_cards WHERE question_id = ?", (question_id,)
            ).fetchone()
            card = self._scheduler.review(card_row[0] if card_row else None, rating, answered_at)
            return previous_hash is not None and previous_hash[0] != content_hash, card

        def write(conn: sqlite3.Connection) -> RecordedAttempt:
            content_changed, card = plan(conn)
            stored_session = self._guard.waiting.real_session_id(session_id)
            cursor = conn.execute(
                "INSERT INTO attempts (question_id, content_hash, answered_at, correct, score, "
                "response, seconds, hints_used, session_id, mode, rating) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (question_id, content_hash, to_stored_text(answered_at), int(correct), score,
                 response_text, seconds, hints_used, stored_session, mode, int(rating)),
            )  # fmt: skip
            conn.execute(
                "INSERT INTO review_cards (question_id, card, due, stability, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (question_id) DO UPDATE SET "
                "card = excluded.card, due = excluded.due, stability = excluded.stability, "
                "updated_at = excluded.updated_at",
                (question_id, card.card_json, to_stored_text(card.due), card.stability_days,
                 to_stored_text(answered_at)),
            )  # fmt: skip
            self._guard.unsaved_answers += self.saving_failed
            if card.restarted:
                self._guard.note(RESTARTED_CARD.format(question_id=question_id))
            return RecordedAttempt(
                attempt_id=int(cursor.lastrowid or 0),
                rating=rating,
                due=card.due,
                stability_days=card.stability_days,
                content_changed=content_changed,
                saved=self._db.saving,
            )

        recorded = self._write(write, is_answer=True)
        if recorded is not WAITING:
            return recorded
        content_changed, card = self._guard.read_with(plan)  # in WAL mode reads pass the lock
        return RecordedAttempt(attempt_id=0, rating=rating, due=card.due, stability_days=card.stability_days,
                               content_changed=content_changed, saved=False)

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
        return self._decode(rows, Attempt.from_row, "answers")

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
        return self._decode(rows, ReviewState.from_row, "review schedules")

    def due_question_ids(
        self,
        now: datetime | None = None,
        limit: int | None = None,
        *,
        among: Collection[str] | None = None,
    ) -> list[str]:
        """Questions due at ``now``, most overdue first; buried and suspended ones are left out.

        ``among`` restricts them to the questions the bank still has, before
        ``limit`` applies.
        """
        stamp = to_stored_text(self._now(now))
        rows = self._read(
            f"SELECT question_id FROM review_cards WHERE due <= ? AND question_id NOT IN ({HIDDEN_NOW_SQL}) "
            "ORDER BY due, question_id",
            (stamp, stamp),
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

        Today's count includes the overdue ones; hidden questions are left out.
        ``tz`` as in ``clock.local_day``.
        """
        now = self._now(now)
        return due_by_day(self.visible_review_states(now), local_day(now, tz), days, tz=tz, among=among)

    def visible_review_states(self, now: datetime | None = None) -> list[ReviewState]:
        """The review states of the questions not buried or suspended at ``now``."""
        hidden = self.hidden_question_ids(now)
        return [state for state in self.review_states().values() if state.question_id not in hidden]

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

        flag_id = self._write(write)
        return Flag(0 if flag_id is WAITING else flag_id, question_id, reason, comment, flagged_at)

    def list_flags(self) -> list[Flag]:
        """Every flag, oldest first."""
        rows = self._read(f"SELECT {Flag.COLUMNS} FROM flags ORDER BY flagged_at, id")
        return self._decode(rows, Flag.from_row, "flags")

    # -- sessions -------------------------------------------------------------

    def start_session(
        self,
        mode: SessionMode,
        options: Mapping[str, Any] | None = None,
        *,
        now: datetime | None = None,
    ) -> int:
        """Record the start of a quiz session; returns the id to pass to ``record_attempt``.

        Behind another program's lock the id is a negative stand-in, which
        ``record_attempt`` and ``end_session`` accept like the real one.
        """
        started_at = to_stored_text(self._now(now))
        options_text = json_text(dict(options or {}))
        stand_in = self._guard.waiting.stand_in_session_id()

        def write(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO sessions (mode, started_at, options) VALUES (?, ?, ?)",
                (mode, started_at, options_text),
            )
            session_id = int(cursor.lastrowid or 0)
            self._guard.waiting.remember_session(stand_in, session_id)
            return session_id

        session_id = self._write(write)
        return stand_in if session_id is WAITING else session_id

    def end_session(self, session_id: int, *, now: datetime | None = None) -> None:
        """Record when the session ended (a killed session keeps ``ended_at`` empty)."""
        ended_at = to_stored_text(self._now(now))
        self._write(
            lambda conn: conn.execute(
                "UPDATE sessions SET ended_at = ? WHERE id = ?",
                (ended_at, self._guard.waiting.real_session_id(session_id)),
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
        sessions = self._decode(rows, Session.from_row, "sessions")
        return sessions[0] if sessions else None
