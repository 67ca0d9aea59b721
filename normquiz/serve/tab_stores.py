"""The temporary progress store of one tab: a private folder, marked with who uses it, and its removal.

Each store is a folder ``normquiz-tab-*`` in the temporary directory,
created 0700 (``tempfile.mkdtemp``) and holding an owner file with the pids
of the server that made it and of the tab's app. The server removes the
folder once the app has ended. A server killed with SIGKILL cannot; the
next server removes every such folder of this user whose server and app
have both ended (a folder whose owner file cannot be read is left alone).
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

log = logging.getLogger("normquiz.serve")

TAB_STORE_PREFIX = "normquiz-tab-"
OWNER_FILE = "normquiz-serve.pid"


def create_tab_store() -> Path:
    """A new private folder for one tab's store, owned by this server."""
    folder = Path(tempfile.mkdtemp(prefix=TAB_STORE_PREFIX))
    _write_owner(folder, {"server": os.getpid()})
    return folder


def record_app(folder: Path, app_pid: int) -> None:
    """Note the tab's app in the owner file, so that no other server removes the folder while it runs."""
    _write_owner(folder, {"server": os.getpid(), "app": app_pid})


def _write_owner(folder: Path, pids: dict[str, int]) -> None:
    # Written whole, then renamed: a reader sees the old file or the new one.
    partial = folder / f".{OWNER_FILE}.partial"
    partial.write_text("".join(f"{role} {pid}\n" for role, pid in pids.items()), encoding="ascii")
    partial.replace(folder / OWNER_FILE)


def remove_tab_store(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _owner_pids(folder: Path) -> list[int] | None:
    """The pids in the owner file; None when there is none or it cannot be read."""
    try:
        lines = (folder / OWNER_FILE).read_text(encoding="ascii").splitlines()
        pids = [int(line.split()[1]) for line in lines]
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return None
    return pids or None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    # An app whose server was killed ends as a zombie until something reaps
    # it, which in a container may be never: on Linux, a zombie has ended.
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_own_folder(path: Path) -> bool:
    try:
        info = path.lstat()  # a symlink is never followed
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()


def remove_abandoned_stores(temporary_dir: Path | None = None) -> list[Path]:
    """Remove the tab stores of servers and apps that have all ended; the folders removed."""
    parent = Path(temporary_dir or tempfile.gettempdir())
    removed = []
    for folder in sorted(parent.glob(TAB_STORE_PREFIX + "*")):
        if not _is_own_folder(folder):
            continue
        pids = _owner_pids(folder)
        if pids is None or any(_running(pid) for pid in pids):
            continue
        remove_tab_store(folder)
        if not folder.exists():
            removed.append(folder)
    return removed
