"""Burying (hidden until tomorrow) and suspending (hidden until unsuspended) questions.

As in Anki: a buried question comes back at the learner's next local midnight,
a suspended one only when it is unsuspended. Hiding changes neither the
schedule nor the history: sessions built from filters or reviews and the due
counts leave hidden questions out (``ProgressStore.due_question_ids``,
``normquiz.study.quiz_run.build_session``); a session asked for by exact ids
still shows them. Hiding again replaces the previous kind.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Any, ClassVar, Literal

from normquiz.progress.clock import from_stored_text, local_day, to_stored_text

HideKind = Literal["buried", "suspended"]

HIDDEN_NOW_SQL = "SELECT question_id FROM hidden_questions WHERE until IS NULL OR until > ?"
"""The ids hidden at an instant (the parameter, as stored text)."""


def next_local_midnight(now: datetime, tz: tzinfo | None = None) -> datetime:
    """The start of the day after ``now``'s local day (in ``tz``, or the system's zone)."""
    tomorrow = local_day(now, tz) + timedelta(days=1)
    midnight = datetime.combine(tomorrow, time(0))
    # A naive datetime's astimezone() reads it as the system's local time, DST included.
    return midnight.replace(tzinfo=tz) if tz is not None else midnight.astimezone()


@dataclass(frozen=True)
class HiddenQuestion:
    """A buried or suspended question; ``until`` is None while suspended."""

    question_id: str
    kind: HideKind
    hidden_at: datetime
    until: datetime | None

    COLUMNS: ClassVar[str] = "question_id, kind, hidden_at, until"

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> HiddenQuestion:
        question_id, kind, hidden_at, until = row
        if kind not in ("buried", "suspended"):
            raise ValueError(f"unknown kind of hiding {kind!r}")
        return cls(str(question_id), kind, from_stored_text(hidden_at),
                   from_stored_text(until) if until else None)


class QuestionHiding:
    """``ProgressStore``'s buried and suspended questions (the store provides the plumbing)."""

    _now: Callable[[datetime | None], datetime]
    _read: Callable[..., list[tuple[Any, ...]]]
    _write: Callable[..., Any]
    _decode: Callable[..., list[Any]]

    def bury(self, question_id: str, *, now: datetime | None = None, tz: tzinfo | None = None) -> datetime:
        """Hide ``question_id`` until the next local midnight; returns that instant."""
        now = self._now(now)
        until = next_local_midnight(now, tz)
        self._hide(question_id, "buried", now, until)
        return until

    def suspend(self, question_id: str, *, now: datetime | None = None) -> None:
        """Hide ``question_id`` until ``unhide`` is called for it."""
        self._hide(question_id, "suspended", self._now(now), None)

    def unhide(self, question_id: str) -> bool:
        """Bring a buried or suspended question back; False when it was not hidden."""
        cursor = self._write(
            lambda conn: conn.execute("DELETE FROM hidden_questions WHERE question_id = ?", (question_id,))
        )
        return bool(cursor.rowcount)

    def unsuspend_all(self) -> int:
        """Bring every suspended question back (buried ones stay buried); returns how many."""
        cursor = self._write(lambda conn: conn.execute("DELETE FROM hidden_questions WHERE kind = 'suspended'"))
        return max(cursor.rowcount, 0)

    def hidden_questions(self, now: datetime | None = None) -> list[HiddenQuestion]:
        """The questions hidden at ``now`` (suspended, or buried until later), suspended first."""
        rows = self._read(
            f"SELECT {HiddenQuestion.COLUMNS} FROM hidden_questions WHERE until IS NULL OR until > ? "
            "ORDER BY until IS NOT NULL, question_id",
            (to_stored_text(self._now(now)),),
        )
        return self._decode(rows, HiddenQuestion.from_row, "hidden questions")

    def hidden_question_ids(self, now: datetime | None = None) -> set[str]:
        """The ids of ``hidden_questions(now)``."""
        return {hidden.question_id for hidden in self.hidden_questions(now)}

    def suspended_question_ids(self) -> list[str]:
        """The suspended questions' ids, sorted."""
        return [hidden.question_id for hidden in self.hidden_questions() if hidden.kind == "suspended"]

    def _hide(self, question_id: str, kind: HideKind, now: datetime, until: datetime | None) -> None:
        values = (question_id, kind, to_stored_text(now), to_stored_text(until) if until else None)

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO hidden_questions (question_id, kind, hidden_at, until) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (question_id) DO UPDATE SET kind = excluded.kind, "
                "hidden_at = excluded.hidden_at, until = excluded.until",
                values,
            )

        self._write(write)
