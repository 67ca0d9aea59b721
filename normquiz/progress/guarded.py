"""The store's one connection, guarded: a lock, the memory fallback, the queue behind others' locks.

Every read and write of ``ProgressStore`` goes through here. A write is one
transaction committed before it returns; a failing disk (full, read-only)
moves the store to an in-memory copy and counts the answers that no longer
reach the file; a lock held by another program queues the write instead
(``normquiz.progress.writes``). Whatever changes is told to the saving
listeners, outside the lock, the moment it happens.
"""

from __future__ import annotations

import atexit
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from normquiz.progress.database import (
    BUSY_TIMEOUT_MS,
    NOT_SAVING,
    OpenedDatabase,
    copy_into_memory,
    describe_sqlite_error,
    is_busy,
)
from normquiz.progress.writes import CLOSE_WAIT_SECONDS, FOREGROUND_BUSY_MS, RETRY_SECONDS, WaitingWrites

T = TypeVar("T")
SavingListener = Callable[[str], None]

WAITING_FOR_LOCK = ("Another program is holding the progress database locked ({path}): your answers are "
                    "kept in order and saved as soon as it lets go.")
LOCK_RELEASED = "The progress database is free again: every waiting answer is saved."
WAITING: Any = object()  # what ``write`` returns for a write queued behind a lock


class _Locked(Exception):
    """A write met another program's lock within the foreground wait."""


_OPEN: weakref.WeakSet[GuardedConnection] = weakref.WeakSet()


@atexit.register
def _commit_waiting_writes_at_exit() -> None:
    """A program that never calls ``close`` still commits the writes a lock held back, if it can."""
    for guard in list(_OPEN):
        if len(guard.waiting):
            guard.close()


class GuardedConnection:
    """``OpenedDatabase`` plus the lock, the waiting writes and the listeners; see the module docstring."""

    def __init__(self, opened: OpenedDatabase) -> None:
        self.db = opened
        self.lock = threading.RLock()
        self.waiting = WaitingWrites(self._flush_waiting)
        self.unsaved_answers = 0
        self._listeners: list[SavingListener] = []
        self._announcements: list[str] = []
        if opened.saving:
            opened.conn.execute(f"PRAGMA busy_timeout = {FOREGROUND_BUSY_MS}")
        _OPEN.add(self)

    @property
    def saving_failed(self) -> bool:
        """True when answers meant for the database file are kept in memory only."""
        return not self.db.saving and self.db.not_saving_reason is not None

    def add_listener(self, listener: SavingListener) -> None:
        self._listeners.append(listener)

    def note(self, sentence: str) -> None:
        """A notice for the learner (kept in ``notices``, told to the listeners by ``deliver``), once."""
        with self.lock:
            if sentence not in self.db.notices:
                self.db.notices.append(sentence)
                self._announcements.append(sentence)

    def deliver(self) -> None:
        """Tell the listeners what happened, outside the store's lock."""
        if not self._announcements:
            return
        with self.lock:
            sentences, self._announcements = self._announcements, []
        for sentence in sentences:
            for listener in list(self._listeners):
                try:
                    listener(sentence)
                except Exception:  # a closed UI must not break saving  # noqa: BLE001
                    pass

    def close(self) -> None:
        """Commit what waits for a lock (for up to 5 s), then close; the rest counts as unsaved."""
        self.waiting.stop()
        deadline = time.monotonic() + CLOSE_WAIT_SECONDS
        while self._flush_waiting() and time.monotonic() < deadline:
            time.sleep(RETRY_SECONDS / 5)
        with self.lock:
            self.unsaved_answers += self.waiting.answers
            self.db.conn.close()

    def read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._with_fallback(lambda conn: conn.execute(sql, params).fetchall(), patient=True)
        finally:
            self.deliver()

    def write(self, operation: Callable[[sqlite3.Connection], T], *, is_answer: bool = False) -> T:
        """Run ``operation`` in one transaction, committed before this returns.

        Behind another program's lock it is queued instead and ``WAITING``
        is returned: the caller answers from what it can read meanwhile.
        """
        try:
            with self.lock:
                if len(self.waiting):  # keep the order: nothing overtakes a waiting write
                    self._queue(operation, is_answer)
                    return WAITING
                try:
                    return self._with_fallback(lambda conn: self._transaction(conn, operation))
                except _Locked:
                    self._queue(operation, is_answer)
                    return WAITING
        finally:
            self.deliver()

    def _queue(self, operation: Callable[[sqlite3.Connection], Any], is_answer: bool) -> None:
        if not len(self.waiting):
            self._announcements.append(WAITING_FOR_LOCK.format(path=self.db.path))
        self.waiting.add(operation, is_answer=is_answer)

    def _flush_waiting(self) -> bool:
        """Commit the waiting writes in order; True while a lock still holds some back."""
        try:
            with self.lock:
                had_waiting = bool(len(self.waiting))
                while len(self.waiting):
                    write = self.waiting.first()
                    try:
                        self._with_fallback(lambda conn: self._transaction(conn, write.operation))
                    except _Locked:
                        return True
                    except sqlite3.Error:  # a write that can never succeed: dropped, and counted
                        self.unsaved_answers += write.is_answer
                    self.waiting.done_with_first()
                self.waiting.idle()
                if had_waiting and self.db.saving:
                    self._announcements.append(LOCK_RELEASED)
                return False
        finally:
            self.deliver()

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

    def read_with(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        """Run a reading ``operation``; a lock makes it wait the full busy timeout once."""
        try:
            return self._with_fallback(operation, patient=True)
        finally:
            self.deliver()

    def _with_fallback(self, operation: Callable[[sqlite3.Connection], T], *, patient: bool = False) -> T:
        """Run ``operation``; if the database file fails, carry on in memory and warn.

        A lock is not a failure: a write raises ``_Locked`` to be queued; a
        read (rarely blocked in WAL mode) waits the full busy timeout once.
        """
        with self.lock:
            try:
                return operation(self.db.conn)
            except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
                raise  # a caller's mistake, not the disk's
            except sqlite3.DatabaseError as exc:
                if not self.db.saving:
                    raise
                if is_busy(exc):
                    if not patient:
                        raise _Locked from exc
                    return self._read_patiently(operation)
                self._fall_back_to_memory(f"{describe_sqlite_error(exc)} ({self.db.path})")
            return operation(self.db.conn)

    def _read_patiently(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        conn = self.db.conn
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            return operation(conn)
        except sqlite3.DatabaseError as exc:
            self._fall_back_to_memory(f"{describe_sqlite_error(exc)} ({self.db.path})")
            return operation(self.db.conn)
        finally:
            if self.db.conn is conn:
                conn.execute(f"PRAGMA busy_timeout = {FOREGROUND_BUSY_MS}")

    def _fall_back_to_memory(self, reason: str) -> None:
        old = self.db.conn
        memory = copy_into_memory(old)
        old.close()
        self.db.conn = memory
        self.db.saving = False
        self.db.not_saving_reason = reason
        self.db.notices.append(NOT_SAVING.format(reason=reason))
        self._announcements.append(NOT_SAVING.format(reason=reason))
