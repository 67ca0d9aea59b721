"""Opening the progress database: pragmas, integrity, moving a corrupt file aside, memory fallback.

``open_database`` never raises for what a user can run into (an unwritable
or missing directory, a damaged file, a database from a newer normquiz, a
full disk): it returns an ``OpenedDatabase`` whose ``notices`` are the
sentences to show and whose ``saving`` says whether answers reach the disk.
When they cannot, the connection is an in-memory database holding a copy of
whatever could still be read, so the app shows the learner's history and
runs the session; nothing of it is written back.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from normquiz.progress.clock import compact_timestamp
from normquiz.progress.schema import NewerSchemaError, migrate, missing_schema_part, schema_version

BUSY_TIMEOUT_MS = 5000
NOT_SAVING = "Progress is not being saved: {reason}."
# SQLite's primary result codes for a file that is not, or no longer, a database.
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


class CorruptDatabaseError(Exception):
    """The file is not a readable SQLite database."""


@dataclass
class OpenedDatabase:
    """A configured connection, and what the learner should be told about it."""

    conn: sqlite3.Connection
    path: Path | None
    saving: bool
    not_saving_reason: str | None = None
    notices: list[str] = field(default_factory=list)


def is_busy(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc).lower()


def describe_sqlite_error(exc: sqlite3.Error) -> str:
    """A short lowercase clause saying what went wrong, for use inside a sentence."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    message = str(exc).lower()
    if name.startswith("SQLITE_FULL") or "disk is full" in message:
        return "the disk is full"
    if name.startswith("SQLITE_READONLY") or "readonly" in message:
        return "the database file is read-only"
    if is_busy(exc):
        return "another program kept the database locked"
    if name.startswith("SQLITE_IOERR") or "i/o error" in message:
        return "writing to the disk failed"
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in message:
        return "the database file cannot be opened"
    return f"the database reported an error ({exc})"


def describe_os_error(exc: OSError) -> str:
    """``permission denied`` and the like: the OS reason in lowercase."""
    return (exc.strerror or str(exc)).lower()


def is_corruption(exc: sqlite3.Error) -> bool:
    """True when SQLite says the file is damaged or is not a database at all."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    message = str(exc).lower()
    return "not a database" in message or "malformed" in message


def _connect(target: str, *, uri: bool = False) -> sqlite3.Connection:
    # Autocommit mode: the store writes each answer in its own explicit
    # transaction. check_same_thread=False lets a TUI worker thread record
    # answers; the store serializes access with a lock.
    return sqlite3.connect(
        target,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
        uri=uri,
    )


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to write-ahead logging, waiting for other instances like the busy timeout does.

    SQLite answers a journal-mode change with SQLITE_BUSY at once instead of
    calling the busy handler, so two instances creating the database at the
    same moment need this retry loop.
    """
    if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _open_file(path: Path) -> sqlite3.Connection:
    """Open, check and migrate the database file; raises on any trouble."""
    conn = _connect(str(path))
    try:
        _configure(conn)
        try:
            check = conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as exc:
            if is_corruption(exc):
                raise CorruptDatabaseError(str(exc)) from exc
            raise
        if check != [("ok",)]:
            raise CorruptDatabaseError(str(check[0][0]) if check else "integrity check failed")
        _enable_wal(conn)
        # In WAL mode FULL syncs the log at each commit: an answer survives a
        # power cut too, not only a killed process. One fsync per answer is cheap.
        conn.execute("PRAGMA synchronous = FULL")
        migrate(conn)
        # integrity_check passes a file whose tables were dropped by hand: as good as corrupt.
        missing = missing_schema_part(conn)
        if missing is not None:
            raise CorruptDatabaseError(missing)
    except BaseException:
        conn.close()
        raise
    return conn


def _aside_path(path: Path, now: datetime) -> Path:
    stem = f"{path.name}.corrupt-{compact_timestamp(now)}"
    candidate = path.with_name(stem)
    counter = 1
    while candidate.exists():
        candidate = path.with_name(f"{stem}-{counter}")
        counter += 1
    return candidate


def move_aside(path: Path, now: datetime) -> Path:
    """Rename a damaged database (and its -wal/-shm companions) next to itself; never delete.

    The companions move too because a stale write-ahead log beside a fresh
    database could be replayed into it.
    """
    aside = _aside_path(path, now)
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.replace(companion, aside.with_name(aside.name + suffix))
    return aside


def copy_into_memory(source: sqlite3.Connection | None) -> sqlite3.Connection:
    """An in-memory database holding ``source``'s data (or empty), migrated to the latest schema."""
    memory = _connect(":memory:")
    _configure(memory)
    if source is not None:
        try:
            if source.in_transaction:
                source.execute("ROLLBACK")
            source.backup(memory)
            _configure(memory)
            migrate(memory)
            return memory
        except (sqlite3.Error, NewerSchemaError):
            memory.close()
            memory = _connect(":memory:")
            _configure(memory)
    migrate(memory)
    return memory


def _read_only_copy(path: Path) -> sqlite3.Connection:
    """An in-memory copy of what can still be read from ``path`` (empty when nothing can)."""
    if not path.is_file():
        return copy_into_memory(None)
    uri_path = path.resolve().as_posix()
    # mode=ro needs the -shm file to exist or be creatable; immutable=1 does
    # not, at the price of ignoring a write-ahead log left by a crash.
    for query in ("mode=ro", "immutable=1"):
        try:
            source = _connect(f"file:{uri_path}?{query}", uri=True)
        except sqlite3.Error:
            continue
        try:
            if schema_version(source) > 0:
                return copy_into_memory(source)
        except sqlite3.Error:
            continue
        finally:
            source.close()
    return copy_into_memory(None)


def not_saving(path: Path | None, reason: str, notices: list[str]) -> OpenedDatabase:
    """The fallback: an in-memory copy of what can be read, and the warning sentence."""
    conn = _read_only_copy(path) if path is not None else copy_into_memory(None)
    return OpenedDatabase(
        conn=conn,
        path=path,
        saving=False,
        not_saving_reason=reason,
        notices=[*notices, NOT_SAVING.format(reason=reason)],
    )


def open_database(data_dir: Path, filename: str, now: datetime) -> OpenedDatabase:
    """Open ``data_dir/filename``, creating what is missing; see the module docstring."""
    path = data_dir / filename
    notices: list[str] = []
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = f"the data directory {data_dir} cannot be created ({describe_os_error(exc)})"
        return not_saving(None, reason, notices)
    try:
        return OpenedDatabase(conn=_open_file(path), path=path, saving=True)
    except CorruptDatabaseError:
        pass
    except NewerSchemaError as exc:
        return not_saving(path, str(exc), notices)
    except sqlite3.Error as exc:
        return not_saving(path, f"{describe_sqlite_error(exc)} ({path})", notices)
    try:
        aside = move_aside(path, now)
    except OSError as exc:
        reason = (
            f"the database {path} is damaged and cannot be moved aside "
            f"({describe_os_error(exc)})"
        )
        return not_saving(None, reason, notices)
    notices.append(
        f"The progress database {path} could not be read, so it was moved to {aside} "
        "and a fresh one was started."
    )
    try:
        return OpenedDatabase(conn=_open_file(path), path=path, saving=True, notices=notices)
    except (sqlite3.Error, CorruptDatabaseError) as exc:
        return not_saving(None, f"a fresh database cannot be created at {path} ({exc})", notices)
