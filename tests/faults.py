"""Faults to inject into the progress store's connection: a disk that fills up, another program's lock."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


class DiskFullConnection:
    """Wraps a real connection: reads pass, every write transaction fails as on a full disk."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self._real = real

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.lstrip().upper().startswith("BEGIN"):
            raise sqlite3.OperationalError("database or disk is full")
        return self._real.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def fill_the_disk(store: Any) -> None:
    """From now on ``store``'s writes fail with SQLITE_FULL (it falls back to memory)."""
    store._guard.db.conn = DiskFullConnection(store._guard.db.conn)


def hold_the_write_lock(database: Path) -> sqlite3.Connection:
    """Another program's connection holding the write lock until ``.rollback()``/``.close()``."""
    other = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other
