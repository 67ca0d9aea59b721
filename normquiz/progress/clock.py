"""Time for the progress store: the injectable clock and the stored text form of instants.

Every function of ``normquiz.progress`` that depends on the time takes a
``now`` argument or a ``Clock`` so tests are deterministic. Instants are kept
in the database as UTC ISO 8601 text of fixed width
(``2026-11-21T21:45:00.000000+00:00``), which sorts in time order as text and
reads well in the ``sqlite3`` shell. Calendar days (streaks, accuracy per day,
due forecasts) are the learner's local days unless a ``tz`` is given.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone, tzinfo

Clock = Callable[[], datetime]
"""A function returning the current instant as a timezone-aware datetime."""


def utc_now() -> datetime:
    """The current instant in UTC: the default clock."""
    return datetime.now(timezone.utc)


def as_utc(instant: datetime) -> datetime:
    """``instant`` in UTC; naive datetimes are refused because their zone is a guess."""
    if instant.tzinfo is None or instant.tzinfo.utcoffset(instant) is None:
        raise ValueError(
            f"The time {instant.isoformat()} has no time zone; pass an aware datetime "
            "such as datetime.now(timezone.utc)."
        )
    return instant.astimezone(timezone.utc)


def to_stored_text(instant: datetime) -> str:
    """The fixed-width UTC text an instant is stored as."""
    return as_utc(instant).isoformat(timespec="microseconds")


def from_stored_text(text: str) -> datetime:
    """The aware UTC datetime behind a stored text (also accepts other ISO offsets)."""
    return as_utc(datetime.fromisoformat(text))


def local_day(instant: datetime, tz: tzinfo | None = None) -> date:
    """The calendar day of ``instant`` in ``tz``, or in the system's local zone when None.

    ``astimezone()`` without an argument applies the local zone's rules at that
    instant, so days stay right across daylight-saving changes.
    """
    return (instant.astimezone(tz) if tz is not None else instant.astimezone()).date()


def compact_timestamp(instant: datetime) -> str:
    """``20261121T214500``: the UTC instant as it appears in file names."""
    return as_utc(instant).strftime("%Y%m%dT%H%M%S")
