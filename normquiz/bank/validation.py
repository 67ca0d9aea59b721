"""What ``normquiz validate PATH`` says about files: the verdict the app gives them, or theirs alone.

The app loads the built-in bank, then the ``--content`` folders, and refuses a
question whose id an earlier file already used. Checking a file by itself
cannot see that, so by default the named files are loaded with everything
the app loads, where ``--content`` would put them, and judged within it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from normquiz.bank.loader import LoadResult, display_path, load_bank, load_paths, question_files


@dataclass(frozen=True)
class Verdict:
    """The named files' questions, problems and reports; problems elsewhere only counted."""

    result: LoadResult
    problems_elsewhere: int


def validate_paths(paths: Sequence[str | os.PathLike[str]],
                   extra_dirs: Iterable[str | os.PathLike[str]] = (), *, alone: bool = False) -> Verdict:
    """Judge ``paths`` as the app does when it loads the built-in bank and ``extra_dirs``.

    ``extra_dirs`` lists ``paths`` themselves where the app would read them
    (where they would be added with ``--content``); when they are absent they
    are read last. ``alone``: read only ``paths``.
    """
    if alone:
        return Verdict(load_paths(paths), 0)
    whole = load_bank([*extra_dirs, *paths])  # a path already listed is read once, at its first place
    named = {display_path(path) for path in question_files(paths)}
    result = LoadResult(
        questions=[question for question in whole.questions if whole.sources[question.id].path in named],
        problems=[problem for problem in whole.problems if problem.path in named or _below(problem.path, paths)],
        files=[report for report in whole.files if report.path in named],
    )
    result.sources = {question.id: whole.sources[question.id] for question in result.questions}
    return Verdict(result, len(whole.problems) - len(result.problems))


def _below(shown: str, paths: Sequence[str | os.PathLike[str]]) -> bool:
    """Whether a problem's path is one of ``paths`` or lies in one of them: an unreadable folder, a
    broken link or a FIFO inside a named folder is a problem of what was named, not of "other files"."""
    place = Path(shown).absolute()
    for path in paths:
        root = Path(path).absolute()
        if place == root or root in place.parents:
            return True
    return False
