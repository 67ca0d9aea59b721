"""The validated bank kept on disk, so that a second start skips reading and checking unchanged files.

One JSON file in the user's cache directory (platformdirs' ``user_cache_dir``,
or ``$NORMQUIZ_CACHE_DIR``) holds, for each question file that loaded without
a problem, its path, size and modification time (ns), its topic, where each
question and id sits, and the validated questions as pydantic's own JSON.
The whole cache is only trusted for the normquiz version and the exact source
of the bank's modules (which define the schema and every rule), so an
upgrade or a changed rule rebuilds it. A file with any problem is never cached:
it is read again every time, so its problems are always reported. A corrupt,
stale or unwritable cache is ignored and rebuilt without a word: it only
saves time. JSON rather than pickle: reading it cannot run code, whoever
wrote the file.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from normquiz.bank.cache_files import default_cache_dir, rules_fingerprint
from normquiz.bank.model import Question
from normquiz.bank.placed import PlacedQuestion
from normquiz.files import write_atomically

CACHE_FILE_NAME = "bank-cache.json"
# A file changed less than this long before it was looked at may change again
# within the file system's timestamp granularity (2 s on FAT) with the same
# size: it is not cached until a later load sees it older ("racy git").
RACY_WINDOW_NS = 2_000_000_000

_QUESTIONS: TypeAdapter[list[Any]] = TypeAdapter(list[Question])


class BankCache:
    """Clean files' validated questions by path, with the stat they were read at."""

    def __init__(self, path: Path, fingerprint: str, entries: dict[str, dict[str, Any]], *, dirty: bool) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self._entries = entries
        self._stats: dict[str, tuple[int, int]] = {}  # the stat seen before each read this time
        self._used: set[str] = set()
        self._dirty = dirty

    @classmethod
    def open(cls, folder: Path | None = None) -> BankCache:
        """The cache in ``folder`` (default: :func:`default_cache_dir`); empty when missing or unusable."""
        path = (folder or default_cache_dir()) / CACHE_FILE_NAME
        fingerprint = rules_fingerprint()
        try:
            stored = json.loads(path.read_bytes())
        except FileNotFoundError:
            return cls(path, fingerprint, {}, dirty=False)
        except (OSError, ValueError):  # unreadable or corrupt: start again
            return cls(path, fingerprint, {}, dirty=True)
        if not isinstance(stored, dict) or stored.get("fingerprint") != fingerprint \
                or not isinstance(stored.get("files"), dict):
            return cls(path, fingerprint, {}, dirty=True)
        return cls(path, fingerprint, stored["files"], dirty=False)

    def questions(self, file: Path) -> tuple[str, list[PlacedQuestion]] | None:
        """The topic and questions of ``file`` when it is unchanged since it was cached."""
        key = os.path.abspath(file)
        try:
            stat = os.stat(key)
        except OSError:
            return None
        self._stats[key] = (stat.st_size, stat.st_mtime_ns)
        entry = self._entries.get(key)
        if entry is None:
            return None
        try:
            if (entry["size"], entry["mtime_ns"]) != self._stats[key]:
                raise LookupError("changed")
            questions = _QUESTIONS.validate_json(entry["questions"])
            placed = [PlacedQuestion(question, *place) for question, place in zip(questions, entry["places"],
                                                                                    strict=True)]
            topic = entry["topic"]
            if not isinstance(topic, str):
                raise TypeError("topic")
        except Exception:  # changed, or an entry this version cannot read: read the file again
            del self._entries[key]
            self._dirty = True
            return None
        self._used.add(key)
        return topic, placed

    def store(self, file: Path, topic: str | None, placed: list[PlacedQuestion], *, clean: bool) -> None:
        """Remember a file just read, when it had no problem and has not changed too recently."""
        key = os.path.abspath(file)
        seen = self._stats.get(key)
        if self._entries.pop(key, None) is not None:
            self._dirty = True
        if not clean or topic is None or seen is None or time.time_ns() - seen[1] < RACY_WINDOW_NS:
            return
        self._entries[key] = {
            "size": seen[0], "mtime_ns": seen[1], "topic": topic,
            "places": [[item.index, item.line, item.id_line, item.id_column] for item in placed],
            "questions": _QUESTIONS.dump_json([item.question for item in placed]).decode(),
        }
        self._used.add(key)
        self._dirty = True

    def clean_files(self) -> list[list[Any]] | None:
        """``[path, size, mtime_ns]`` of each file this load looked at, in order, when every one of
        them is cached as it is now (no problem, not changed too recently); otherwise None."""
        files = []
        for key in self._stats:
            entry = self._entries.get(key)
            if entry is None or key not in self._used:
                return None
            files.append([key, entry["size"], entry["mtime_ns"]])
        return files

    def save(self) -> None:
        """Write the cache atomically if it changed; entries of files that are gone are dropped."""
        for key in [key for key in self._entries if key not in self._used and not os.path.exists(key)]:
            del self._entries[key]
            self._dirty = True
        if not self._dirty:
            return
        payload = json.dumps({"fingerprint": self.fingerprint, "files": self._entries}, separators=(",", ":"))
        if write_atomically(self.path, payload):
            self._dirty = False
