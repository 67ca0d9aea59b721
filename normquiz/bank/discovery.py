"""Finds the question files under the paths given, and reports what it cannot read instead of skipping it.

A folder is walked in name order; hidden entries (``.name``) are left out on
purpose. Everything else that stands where a question file or folder could
be, but cannot be read, becomes a problem with its path: an unreadable
folder, a broken symbolic link, a link loop, a named pipe called ``q.yaml``.
Suffixes are matched without regard to case, so ``Q.YAML`` loads. Nothing
here opens a file: a FIFO is recognised by ``stat`` and never read.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where a problem is found: the home screen's summary check walks the
    from normquiz.bank.problem import Problem  # folders before the first frame, nearly always without one

QUESTION_FILE_SUFFIXES = (".yaml", ".yml")

_Kind = str  # "folder", "file", "missing" or "unreadable"


def is_question_file_name(name: str) -> bool:
    """``q.yaml``, ``Q.YML``...: a visible name with a question-file suffix, in any case."""
    return not name.startswith(".") and name.lower().endswith(QUESTION_FILE_SUFFIXES)


def find_question_files(paths: Iterable[str | os.PathLike[str]], problems: list[Problem]) -> list[Path]:
    """The question files at and below ``paths``, each once, in order; problems appended."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        kind, reason = _kind(path)
        if kind == "folder":
            files.extend(sorted(_walk(path, problems, frozenset())))
        elif kind == "file":
            files.append(path)
        else:
            problems.append(_problem(path, reason, shown=str(path)))
    seen: set[Path] = set()
    unique = []
    for path in files:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(path)
    return unique


def _walk(folder: Path, problems: list[Problem], ancestors: frozenset[tuple[int, int]]) -> Iterator[Path]:
    """Question files below ``folder``; linked folders are followed, a folder inside itself is reported."""
    identity = _identity(folder)
    if identity in ancestors:
        problems.append(_problem(folder, "symbolic link loop: this folder is inside itself, so it is read once"))
        return
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        problems.append(_problem(folder, f"cannot read the folder ({_reason(error)}): its questions are missing"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        kind, reason = _kind(path)
        if kind == "folder":
            yield from _walk(path, problems, ancestors | {identity})
        elif kind == "file":
            if is_question_file_name(entry.name):
                yield path
        elif kind == "unreadable" or is_question_file_name(entry.name):
            problems.append(_problem(path, reason))


def _kind(path: Path) -> tuple[_Kind, str]:
    """What ``path`` is once links are followed, and why it cannot be read if it cannot."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            return "unreadable", f"broken symbolic link: it points to {os.readlink(path)!r}, which does not exist"
        return "missing", "no such file or folder"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "unreadable", "symbolic link loop: following it leads back to itself"
        return "unreadable", f"cannot be read ({_reason(error)})"
    if stat.S_ISDIR(mode):
        return "folder", ""
    if stat.S_ISREG(mode):
        return "file", ""
    what = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device or socket"
    return "special", f"{what}, not a regular file: question files must be plain files, so it is not read"


def _identity(folder: Path) -> tuple[int, int]:
    try:
        info = os.stat(folder)
    except OSError:
        return (-1, -1)
    return info.st_dev, info.st_ino


def _reason(error: OSError) -> str:
    return (error.strerror or str(error)).lower()


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it."""
    try:
        absolute = path.resolve()
    except (OSError, RuntimeError):  # a link loop: name the link itself
        absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _problem(path: Path, message: str, *, shown: str | None = None) -> Problem:
    """A problem named by the entry itself (a link, not what it points to), or as ``shown``."""
    from normquiz.bank.problem import Problem

    if shown is None:
        try:
            shown = str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
        except ValueError:
            shown = str(path)
    return Problem(shown, 1, 1, "", message)
