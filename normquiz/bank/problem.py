"""What the loader reports: a problem with a file, a position and a sentence."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a question file, at 1-based ``line`` and ``column``.

    ``where`` names the place in the document (``questions[3].choices``), or is
    empty for problems with the file as a whole.
    """

    path: str
    line: int
    column: int
    where: str
    message: str

    def __str__(self) -> str:
        location = f"{self.path}:{self.line}:{self.column}"
        if self.where:
            return f"{location}: {self.where}: {self.message}"
        return f"{location}: {self.message}"


def did_you_mean(word: object, candidates: Iterable[object]) -> str:
    """``"; did you mean 'x'?"`` for the closest candidate, or an empty string."""
    names = [str(candidate) for candidate in candidates]
    close = difflib.get_close_matches(str(word), names, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
