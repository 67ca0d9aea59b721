"""The progress store: opens the database, records answers and schedules reviews (flags, sessions,
undo and re-rating, hiding live in its mixins: flags_sessions.py, revisions.py, hiding.py).

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
from collections.abc import Callable, Collection, Iterable
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, TypeVar

from normquiz.progress.clock import Clock, local_day, to_stored_text, utc_now
from normquiz.progress.database import OpenedDatabase, copy_into_memory, open_database
from normquiz.progress.datadir import DATABASE_FILENAME, resolve_data_dir
from normquiz.progress.flags_sessions import FlagsAndSessions
from normquiz.progress.guarded import WAITING, GuardedConnection, SavingListener
from normquiz.progress.hiding import HIDDEN_NOW_SQL, QuestionHiding
from normquiz.progress.records import (
    Attempt,
    DueDay,
    RecordedAttempt,
    ReviewState,
    SessionMode,
    decode_rows,
    json_text,
)
from normquiz.progress.revisions import SAVE_CARD_SQL, AnswerRevisions
from normquiz.progress.scheduling import ReviewScheduler, rating_for

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


class ProgressStore(QuestionHiding, AnswerRevisions, FlagsAndSessions):
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
                SAVE_CARD_SQL,
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
