"""Writes that meet another program's lock: kept in order and committed in the background.

A lock held by another normquiz (or a ``sqlite3`` shell) used to freeze the
app for the whole busy timeout, then send every later answer to memory for
good. Now a write waits at most ``FOREGROUND_BUSY_MS`` on the caller's
thread; if the lock is still held it joins a queue, and a daemon thread
retries the queue every ``RETRY_SECONDS`` until the lock is released. Later
writes queue behind it, so answers reach the database in the order given.

A session started while the lock is held gets a negative stand-in id; the
attempts recorded under it are written with the real id once the session's
own row is in.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

FOREGROUND_BUSY_MS = 250  # a key press never waits longer for the database
RETRY_SECONDS = 0.5
CLOSE_WAIT_SECONDS = 5.0  # what quitting waits for a lock before counting answers as unsaved

Operation = Callable[[sqlite3.Connection], Any]


@dataclass(frozen=True)
class WaitingWrite:
    operation: Operation
    is_answer: bool


class WaitingWrites:
    """The queue of writes held back by a lock, and the thread that retries them.

    The store calls every method with its own lock held, except ``stop``.
    ``flush`` is the store's method that commits what it can, under that lock;
    it returns True while writes are still waiting, having called ``idle``
    otherwise, so that a write added meanwhile always finds a thread to retry it.
    """

    def __init__(self, flush: Callable[[], bool]) -> None:
        self._flush = flush
        self._writes: deque[WaitingWrite] = deque()
        self._session_ids: dict[int, int] = {}
        self._next_stand_in = -1
        self._wake = threading.Event()
        self._stopped = False
        self._retrying = False
        self._thread: threading.Thread | None = None

    def __len__(self) -> int:
        return len(self._writes)

    @property
    def answers(self) -> int:
        """How many of the waiting writes are answers."""
        return sum(write.is_answer for write in self._writes)

    def add(self, operation: Operation, *, is_answer: bool) -> None:
        self._writes.append(WaitingWrite(operation, is_answer))
        if not self._stopped and not self._retrying:
            self._retrying = True
            self._thread = threading.Thread(target=self._retry, name="normquiz-progress-retry", daemon=True)
            self._thread.start()

    def idle(self) -> None:
        """Nothing waits any more: the retry thread ends (a later ``add`` starts another)."""
        self._retrying = False

    def first(self) -> WaitingWrite:
        return self._writes[0]

    def done_with_first(self) -> None:
        self._writes.popleft()

    def stand_in_session_id(self) -> int:
        """A negative id for a session whose row is not written yet."""
        stand_in, self._next_stand_in = self._next_stand_in, self._next_stand_in - 1
        return stand_in

    def remember_session(self, stand_in: int, real: int) -> None:
        self._session_ids[stand_in] = real

    def real_session_id(self, session_id: int | None) -> int | None:
        """The database id behind ``session_id`` (itself unless it is a stand-in)."""
        if session_id is None or session_id >= 0:
            return session_id
        return self._session_ids.get(session_id)

    def _retry(self) -> None:
        while not self._stopped:
            self._wake.wait(RETRY_SECONDS)
            self._wake.clear()
            if self._stopped or not self._flush():
                return

    def stop(self) -> None:
        """End the retry thread (the store flushes one last time itself)."""
        self._stopped = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0)  # mid-flush at most one short busy wait; close() flushes again
