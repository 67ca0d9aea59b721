"""A validated question with the place it was written: what the loader returns and the cache keeps."""

from __future__ import annotations

from dataclasses import dataclass

from normquiz.bank.model import QuestionBase


@dataclass(frozen=True)
class PlacedQuestion:
    """A validated question and where it was written: plain positions, so no parsed document stays alive."""

    question: QuestionBase
    index: int
    line: int
    id_line: int
    id_column: int
