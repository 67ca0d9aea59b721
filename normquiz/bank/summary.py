"""What the home screen shows of the bank, kept beside the cache so that a second start shows it at once.

The counts per level, topic and type and each question's level and tags (for
the mastery figures) need neither pydantic nor the questions themselves; the
full bank takes 100-300 ms longer to arrive (importing pydantic and the
models, then validating the cached JSON). After every load with no problem,
:func:`normquiz.bank.load_bank` writes ``bank-summary.json``: the load's paths,
every question file's path, size and modification time (all of them clean in
the validated-bank cache, so none changed in the last two seconds), and each
question's id, level, type and tags. :func:`read_summary` trusts it only for
the same rules fingerprint, the same paths, the same files found again and
none changed; anything else (missing, corrupt, stale) is None, and the home
screen waits for the bank as before. Imports no pydantic, by design.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from normquiz.bank.cache_files import default_cache_dir, rules_fingerprint
from normquiz.bank.discovery import find_question_files
from normquiz.files import write_atomically

if TYPE_CHECKING:
    from normquiz.bank.problem import Problem

SUMMARY_FILE_NAME = "bank-summary.json"


class _Question(Protocol):
    id: str
    level: str
    type: str
    tags: list[str]


class _LoadedBank(Protocol):
    """What this module needs of a ``LoadResult`` (which it does not import: the loader imports it)."""

    questions: list[Any]
    problems: list[Problem]


class SummaryQuestion(NamedTuple):
    id: str
    level: str
    type: str
    tags: tuple[str, ...]


class BankSummary(NamedTuple):  # not a frozen dataclass: made before the first frame, at a tenth of the cost
    """Each question's id, level, type and tags, in bank order."""

    questions: tuple[SummaryQuestion, ...]

    @classmethod
    def of(cls, result: _LoadedBank) -> BankSummary:
        questions: Iterable[_Question] = result.questions
        return cls(tuple(SummaryQuestion(question.id, question.level, question.type, tuple(question.tags))
                         for question in questions))

    def _quizzed(self) -> Iterator[SummaryQuestion]:
        """The questions quizzes ask: the coding exercises have their own entry and screen."""
        return (question for question in self.questions if question.type != "code")

    def quiz_level_counts(self) -> Counter[str]:
        """Questions per level that quizzes ask."""
        return Counter(question.level for question in self._quizzed())

    def tag_counts(self) -> Counter[str]:
        """Questions per tag that a quiz on the tag asks."""
        return Counter(tag for question in self._quizzed() for tag in question.tags)

    def tag_level_counts(self, tag: str) -> Counter[str]:
        """The questions a quiz on ``tag`` asks, per level."""
        return Counter(question.level for question in self._quizzed() if tag in question.tags)

    def type_count(self, kind: str) -> int:
        return sum(question.type == kind for question in self.questions)

    def catalog(self) -> dict[str, tuple[str, list[str]]]:
        """Each question's level and tags by id, as ``LoadResult.catalog`` gives them."""
        return {question.id: (question.level, list(question.tags)) for question in self.questions}


def _summary_text(paths: Sequence[str | os.PathLike[str]], files: list[list[Any]], summary: BankSummary) -> str:
    return json.dumps({
        "fingerprint": rules_fingerprint(),
        "paths": [os.path.abspath(path) for path in paths],
        "files": files,
        "questions": [[question.id, question.level, question.type, list(question.tags)]
                      for question in summary.questions],
    }, separators=(",", ":"))


def write_summary(paths: Sequence[str | os.PathLike[str]], files: list[list[Any]] | None,
                  result: _LoadedBank, folder: Path | None = None) -> None:
    """Keep the summary of a load of ``paths`` (whose files are ``files``), or drop a stale one.

    ``files`` is None when some file is not cached as it is now, and a result
    with problems is never summarised: the home screen must show those, so it
    waits for the load.
    """
    path = (folder or default_cache_dir()) / SUMMARY_FILE_NAME
    if files is None or result.problems:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
        return
    text = _summary_text(paths, files, BankSummary.of(result))
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeError):
        pass
    write_atomically(path, text)


def read_summary(paths: Iterable[str | os.PathLike[str]], folder: Path | None = None) -> BankSummary | None:
    """The summary of the bank a load of ``paths`` would give now, or None when it cannot be trusted."""
    paths = list(paths)
    try:
        stored = json.loads(((folder or default_cache_dir()) / SUMMARY_FILE_NAME).read_bytes())
        if stored["fingerprint"] != rules_fingerprint() \
                or stored["paths"] != [os.path.abspath(path) for path in paths]:
            return None
        problems: list[Problem] = []
        found = find_question_files(paths, problems)
        if problems or len(found) != len(stored["files"]):
            return None
        for file, (key, size, mtime_ns) in zip(found, stored["files"], strict=True):
            stat = os.stat(file)
            if os.path.abspath(file) != key or (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
                return None
        return BankSummary(tuple(SummaryQuestion(str(qid), str(level), str(kind), tuple(str(tag) for tag in tags))
                                 for qid, level, kind, tags in stored["questions"]))
    except (OSError, ValueError, KeyError, TypeError):  # missing, unreadable, corrupt or of another shape
        return None
