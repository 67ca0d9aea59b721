"""Answers taken back or re-rated: undo a slip of the key, or the learner's own Again/Hard/Good/Easy.

A mixin of :class:`normquiz.progress.store.ProgressStore`: it uses the store's
``_read``, ``_write`` and ``_scheduler``. The caller keeps the schedule from
before the answer (``schedule_snapshot``) and hands it back.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from normquiz.progress.clock import from_stored_text, to_stored_text
from normquiz.progress.scheduling import Rating

if TYPE_CHECKING:
    from collections.abc import Callable

    from normquiz.progress.scheduling import ReviewScheduler

SAVE_CARD_SQL = (
    "INSERT OR REPLACE INTO review_cards (question_id, card, due, stability, updated_at) "
    "VALUES (?, ?, ?, ?, ?)"
)
"""Write a question's review card (its schedule), replacing the one it had."""


class AnswerRevisions:
    """Take back the last answer, or rate it as the learner judges it."""

    _scheduler: ReviewScheduler
    _read: Callable[..., list[tuple[Any, ...]]]
    _write: Callable[..., Any]

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
                conn.execute(SAVE_CARD_SQL, (question_id, *schedule))

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
            conn.execute(SAVE_CARD_SQL, (question_id, card.card_json, to_stored_text(card.due),
                                         card.stability_days, to_stored_text(answered_at)))

        self._write(write)
