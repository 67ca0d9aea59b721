"""The learner's flags on questions and the record of quiz sessions (start, end, options).

A mixin of :class:`normquiz.progress.store.ProgressStore`: it uses the store's
``_read``, ``_write``, ``_decode``, ``_now`` and the guard that stands in
session ids while another program holds the lock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from normquiz.progress.clock import as_utc, to_stored_text
from normquiz.progress.guarded import WAITING
from normquiz.progress.records import FLAG_REASONS, Flag, FlagReason, Session, SessionMode, json_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from normquiz.progress.guarded import GuardedConnection


class FlagsAndSessions:
    """Flags (a question reported wrong or unclear) and sessions (one quiz each)."""

    _guard: GuardedConnection
    _read: Callable[..., list[tuple[Any, ...]]]
    _write: Callable[..., Any]
    _decode: Callable[..., list[Any]]
    _now: Callable[[datetime | None], datetime]

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
