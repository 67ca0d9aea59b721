"""The plain values the progress store hands out, and how each is read from its row."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from collections.abc import Callable
from typing import Any, ClassVar, Literal, TypeVar

from normquiz.progress.clock import from_stored_text
from normquiz.progress.scheduling import Rating
from normquiz.vocabulary import Mode

FlagReason = Literal["wrong", "unclear"]
FLAG_REASONS: tuple[FlagReason, ...] = ("wrong", "unclear")

SessionMode = Mode


def json_text(value: Any) -> str:
    """``value`` as JSON text; array-likes (a computed question's matrix) via ``tolist()``.

    Anything else JSON does not know is kept as its ``str`` rather than
    refused in the middle of a session.
    """

    def fallback(item: Any) -> Any:
        to_list = getattr(item, "tolist", None)
        return to_list() if callable(to_list) else str(item)

    return json.dumps(value, default=fallback, ensure_ascii=False)


R = TypeVar("R")


def decode_rows(rows: list[tuple[Any, ...]], from_row: Callable[[tuple[Any, ...]], R]) -> tuple[list[R], int, str]:
    """``from_row`` of each row that holds good values; how many did not, and why the first did not.

    A database can pass SQLite's integrity check and still hold ``'yesterday'``
    as a time or half a JSON document: those rows are left out, not raised.
    """
    decoded: list[R] = []
    bad, first_error = 0, ""
    for row in rows:
        try:
            decoded.append(from_row(row))
        except (ValueError, TypeError, KeyError, OverflowError) as error:  # JSON errors are ValueErrors
            bad += 1
            first_error = first_error or str(error)[:120]
    return decoded, bad, first_error


def _optional_time(text: str | None) -> datetime | None:
    return from_stored_text(text) if text else None


@dataclass(frozen=True)
class Attempt:
    """One answer as stored; ``response`` is the decoded JSON the UI passed in."""

    id: int
    question_id: str
    content_hash: str
    answered_at: datetime
    correct: bool
    score: float
    response: Any
    seconds: float | None
    hints_used: int
    session_id: int | None
    mode: str
    rating: Rating | None

    COLUMNS: ClassVar[str] = (
        "id, question_id, content_hash, answered_at, correct, score, response, "
        "seconds, hints_used, session_id, mode, rating"
    )

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Attempt:
        """An attempt from a row of ``SELECT {COLUMNS} FROM attempts``."""
        (id_, question_id, content_hash, answered_at, correct, score, response,
         seconds, hints_used, session_id, mode, rating) = row  # fmt: skip
        return cls(
            id=id_,
            question_id=question_id,
            content_hash=content_hash,
            answered_at=from_stored_text(answered_at),
            correct=bool(correct),
            score=float(score),
            response=json.loads(response) if response is not None else None,
            seconds=seconds,
            hints_used=hints_used,
            session_id=session_id,
            mode=mode,
            rating=Rating(rating) if rating is not None else None,
        )

    @property
    def skipped(self) -> bool:
        """A skip: the learner gave no answer and was shown it (``normquiz.study.quiz_run``)."""
        return isinstance(self.response, dict) and self.response.get("skipped") is True


@dataclass(frozen=True)
class RecordedAttempt:
    """What ``record_attempt`` returns: enough for the verdict screen to say what comes next.

    ``content_changed`` is True when the question's content hash differs from
    the one recorded with its previous attempt (the history and the review
    card are kept either way). ``saved`` is False when the store is not
    writing to disk (see ``ProgressStore.not_saving_reason``).
    """

    attempt_id: int
    rating: Rating
    due: datetime
    stability_days: float
    content_changed: bool
    saved: bool


@dataclass(frozen=True)
class ReviewState:
    """A question's FSRS state: when it is due and how stable its memory is (in days)."""

    question_id: str
    due: datetime
    stability_days: float
    last_review: datetime | None

    COLUMNS: ClassVar[str] = "question_id, due, stability, updated_at"

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> ReviewState:
        question_id, due, stability, updated_at = row
        return cls(question_id, from_stored_text(due), float(stability), _optional_time(updated_at))


@dataclass(frozen=True)
class Flag:
    """A learner's report that a question is wrong or unclear."""

    id: int
    question_id: str
    reason: FlagReason
    comment: str
    flagged_at: datetime

    COLUMNS: ClassVar[str] = "id, question_id, reason, comment, flagged_at"

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Flag:
        id_, question_id, reason, comment, flagged_at = row
        return cls(id_, question_id, reason, comment, from_stored_text(flagged_at))


@dataclass(frozen=True)
class Session:
    """A quiz session: its mode, when it ran and the options it was started with."""

    id: int
    mode: str
    started_at: datetime
    ended_at: datetime | None
    options: dict[str, Any] = field(default_factory=dict)

    COLUMNS: ClassVar[str] = "id, mode, started_at, ended_at, options"

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Session:
        id_, mode, started_at, ended_at, options = row
        return cls(
            id_, mode, from_stored_text(started_at), _optional_time(ended_at), json.loads(options)
        )


@dataclass(frozen=True)
class DueDay:
    """How many reviews fall due on one calendar day (the first day includes overdue ones)."""

    day: date
    count: int
