"""The progress figures shown by ``normquiz stats`` (text or ``--json``) and the stats screen.

Definitions:

- accuracy: the fraction of answers whose verdict was correct (partial
  scores do not count as correct); skips (no answer given, the answer
  shown) are counted apart, as ``skipped``, and are not wrong answers;
- per level / per tag: over the answers to questions of that level or
  carrying that tag, as the catalog passed in says; answers to questions the
  bank no longer has count in the totals only;
- streak: consecutive local days with at least one answer, ending today, or
  yesterday while today has no answer yet (the streak is still alive);
- mastery of a level: the fraction of the level's questions (all of them in
  the catalog, answered or not) whose latest answer is correct and whose
  FSRS stability is at least ``MASTERY_STABILITY_DAYS`` (21) days, i.e. the
  learner would still recall it with 90% probability three weeks later (Anki
  calls such a card "mature"). No single answer gets there, not even a fast
  one (FSRS starts an Easy card at about 8 days): it takes right answers on
  several days.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, NamedTuple

from normquiz.progress.clock import as_utc, local_day
from normquiz.progress.records import DueDay, Flag
from normquiz.progress.store import ProgressStore, due_by_day
from normquiz.vocabulary import LEVELS, MASTERY_STABILITY_DAYS

LEVEL_ORDER = LEVELS
_WIDTH = 80
_TABLE_DAYS = 7


class QuestionFacts(NamedTuple):
    """What the stats need to know of a bank question; a plain (level, tags) tuple works."""

    level: str
    tags: Sequence[str]


@dataclass(frozen=True)
class Accuracy:
    answers: int  # skips left out
    correct: int
    accuracy: float | None
    skipped: int = 0  # a default, so that JSON written before skips were apart still reads

    @classmethod
    def of(cls, answers: int, correct: int, skipped: int = 0) -> Accuracy:
        return cls(answers, correct, correct / answers if answers else None, skipped)


@dataclass(frozen=True)
class DayAccuracy:
    day: date
    answers: int  # skips left out
    correct: int
    accuracy: float | None  # None on a day with skips only
    skipped: int = 0


@dataclass(frozen=True)
class Mastery:
    mastered: int
    questions: int
    fraction: float | None


@dataclass(frozen=True)
class ProgressStats:
    """Every figure of the stats page; ``to_json``/``from_json`` round-trip exactly."""

    generated_at: datetime
    overall: Accuracy
    questions_answered: int
    per_level: dict[str, Accuracy]
    per_tag: dict[str, Accuracy]
    per_day: list[DayAccuracy]
    current_streak_days: int
    longest_streak_days: int
    answered_today: bool
    due_now: int
    due_forecast: list[DueDay]
    mastery: dict[str, Mastery]
    flags: list[Flag]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values: dates and times as ISO 8601 text."""

        def plain(value: Any) -> Any:
            if isinstance(value, (date, datetime)):
                return value.isoformat()
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            if isinstance(value, list):
                return [plain(item) for item in value]
            return value

        return plain(asdict(self))

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProgressStats:
        def accuracies(items: Mapping[str, Any]) -> dict[str, Accuracy]:
            return {key: Accuracy(**value) for key, value in items.items()}

        return cls(
            generated_at=datetime.fromisoformat(data["generated_at"]),
            overall=Accuracy(**data["overall"]),
            questions_answered=data["questions_answered"],
            per_level=accuracies(data["per_level"]),
            per_tag=accuracies(data["per_tag"]),
            per_day=[
                DayAccuracy(**{**item, "day": date.fromisoformat(item["day"])})
                for item in data["per_day"]
            ],
            current_streak_days=data["current_streak_days"],
            longest_streak_days=data["longest_streak_days"],
            answered_today=data["answered_today"],
            due_now=data["due_now"],
            due_forecast=[
                DueDay(date.fromisoformat(item["day"]), item["count"])
                for item in data["due_forecast"]
            ],
            mastery={key: Mastery(**value) for key, value in data["mastery"].items()},
            flags=[
                Flag(**{**item, "flagged_at": datetime.fromisoformat(item["flagged_at"])})
                for item in data["flags"]
            ],
        )

    @classmethod
    def from_json(cls, text: str) -> ProgressStats:
        return cls.from_dict(json.loads(text))

    def format_text(self) -> str:
        """The figures as plain lines for a terminal (no colour, fits 80 columns)."""
        return "\n".join(_text_lines(self))


def _percent(fraction: float | None) -> str:
    return "  -" if fraction is None else f"{round(100 * fraction):3d}%"


def _day_table(title: str, days: list[str], rows: dict[str, list[str]]) -> Iterable[str]:
    """A header of day labels and right-aligned rows under it, at most ``_TABLE_DAYS`` wide."""
    yield f"{title:<16}" + "".join(f"{label:>8}" for label in days[:_TABLE_DAYS])
    for name, cells in rows.items():
        yield f"{name:<16}" + "".join(f"{cell:>8}" for cell in cells[:_TABLE_DAYS])


def _text_lines(stats: ProgressStats) -> Iterable[str]:
    if stats.overall.answers == 0 and stats.overall.skipped == 0:
        yield "No answers yet: start a quiz with `normquiz quiz`."
    else:
        yield (
            f"Answers: {stats.overall.answers} to {stats.questions_answered} questions, "
            f"{stats.overall.correct} correct ({_percent(stats.overall.accuracy).strip()})"
            + (f"; {stats.overall.skipped} skipped (not counted as wrong)." if stats.overall.skipped else ".")
        )
    days = "day" if stats.current_streak_days == 1 else "days"
    keep_it = stats.current_streak_days and not stats.answered_today
    yield (
        f"Streak: {stats.current_streak_days} {days} (longest {stats.longest_streak_days})"
        + ("; answer today to keep it." if keep_it else ".")
    )
    yield f"Reviews due now: {stats.due_now}."
    if stats.due_forecast:
        yield ""
        yield from _day_table(
            "Reviews due",
            [f"{due.day:%a %d}" for due in stats.due_forecast],
            {"": [str(due.count) for due in stats.due_forecast]},
        )
    if stats.per_level:
        yield ""
        yield f"{'Level':<16}{'answers':>8}{'correct':>9}{'mastered':>16}"
        for level, accuracy in stats.per_level.items():
            mastery = stats.mastery.get(level, Mastery(0, 0, None))
            yield (
                f"{level:<16}{accuracy.answers:>8}{_percent(accuracy.accuracy):>9}"
                f"{f'{mastery.mastered}/{mastery.questions}':>10} {_percent(mastery.fraction)}"
            )
    answered_tags = {tag: acc for tag, acc in stats.per_tag.items() if acc.answers or acc.skipped}
    if answered_tags:
        yield ""
        yield f"{'Tag':<32}{'answers':>8}{'correct':>9}{'skipped':>9}"
        for tag, accuracy in answered_tags.items():
            yield f"{tag[:31]:<32}{accuracy.answers:>8}{_percent(accuracy.accuracy):>9}{accuracy.skipped:>9}"
    if stats.per_day:
        recent = stats.per_day[-_TABLE_DAYS:]
        yield ""
        yield from _day_table(
            "Recent days",
            [f"{day.day:%b %d}" for day in recent],
            {
                "  answers": [str(day.answers) for day in recent],
                "  correct": [_percent(day.accuracy).strip() for day in recent],
            },
        )
    if stats.flags:
        yield ""
        yield f"Flagged questions ({len(stats.flags)}):"
        for flag in stats.flags:
            line = f"  {flag.question_id} ({flag.reason}, {flag.flagged_at:%Y-%m-%d})"
            if flag.comment:
                line += f": {' '.join(flag.comment.split())}"
            yield line if len(line) <= _WIDTH else line[: _WIDTH - 3] + "..."


def _streaks(days: set[date], today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive days."""
    longest = run = 0
    previous: date | None = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    end = today if today in days else today - timedelta(days=1)
    current = 0
    while end - timedelta(days=current) in days:
        current += 1
    return current, longest


def _ordered_levels(levels: Iterable[str]) -> list[str]:
    known = [level for level in LEVEL_ORDER if level in levels]
    return known + sorted(set(levels) - set(LEVEL_ORDER))


def progress_stats(
    store: ProgressStore,
    catalog: Mapping[str, QuestionFacts | tuple[str, Sequence[str]]],
    *,
    now: datetime | None = None,
    tz: tzinfo | None = None,
    forecast_days: int = 7,
    history_days: int | None = 30,
) -> ProgressStats:
    """The stats page's figures for the bank's questions in ``catalog`` (id -> (level, tags)).

    ``tz`` sets the calendar days (default: the system's local zone);
    ``history_days`` limits ``per_day`` to the last that many days (None: all).
    An empty catalog leaves due counts unfiltered.
    """
    now = as_utc(now if now is not None else store.now())
    today = local_day(now, tz)
    facts = {qid: QuestionFacts(level, tuple(tags)) for qid, (level, tags) in catalog.items()}
    attempts = store.attempts()

    levels = _ordered_levels({fact.level for fact in facts.values()})
    tags = sorted({tag for fact in facts.values() for tag in fact.tags})
    # Each counter: [answers, correct, skipped]; a skip is neither an answer nor a wrong one.
    overall_count = [0, 0, 0]
    level_counts = {level: [0, 0, 0] for level in levels}
    tag_counts = {tag: [0, 0, 0] for tag in tags}
    day_counts: dict[date, list[int]] = {}  # a day with skips only still keeps the streak
    latest_correct: dict[str, bool] = {}
    for attempt in attempts:  # ordered by time, so the last one per question wins
        latest_correct[attempt.question_id] = attempt.correct
        day_count = day_counts.setdefault(local_day(attempt.answered_at, tz), [0, 0, 0])
        fact = facts.get(attempt.question_id)
        counters = [overall_count, day_count]
        if fact is not None:
            counters += [level_counts[fact.level]] + [tag_counts[tag] for tag in fact.tags]
        for counter in counters:
            if attempt.skipped:
                counter[2] += 1
            else:
                counter[0] += 1
                counter[1] += attempt.correct

    states = store.review_states()
    mastered = {level: 0 for level in levels}
    questions = {level: 0 for level in levels}
    for qid, fact in facts.items():
        questions[fact.level] += 1
        state = states.get(qid)
        if latest_correct.get(qid) and state and state.stability_days >= MASTERY_STABILITY_DAYS:
            mastered[fact.level] += 1

    first_day = today - timedelta(days=history_days - 1) if history_days is not None else None
    current, longest = _streaks(set(day_counts), today)
    among = set(facts) or None
    return ProgressStats(
        generated_at=now,
        overall=Accuracy.of(*overall_count),
        questions_answered=len(latest_correct),
        per_level={level: Accuracy.of(*level_counts[level]) for level in levels},
        per_tag={tag: Accuracy.of(*tag_counts[tag]) for tag in tags},
        per_day=[
            DayAccuracy(day, answers, correct, correct / answers if answers else None, skipped)
            for day, (answers, correct, skipped) in sorted(day_counts.items())
            if first_day is None or day >= first_day
        ],
        current_streak_days=current,
        longest_streak_days=longest,
        answered_today=today in day_counts,
        due_now=len(store.due_question_ids(now, among=among)),
        due_forecast=due_by_day(store.visible_review_states(now), today, forecast_days, tz=tz, among=among),
        mastery={
            level: Mastery(
                mastered[level],
                questions[level],
                mastered[level] / questions[level] if questions[level] else None,
            )
            for level in levels
        },
        flags=store.list_flags(),
    )
