"""The stats figures on a small hand-made history, their JSON form and their text form."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from normquiz.progress import (
    MASTERY_STABILITY_DAYS,
    Accuracy,
    ProgressStats,
    ProgressStore,
    progress_stats,
)

from .conftest import FakeClock

CATALOG = {
    "bn-basic": ("basic", ["batch-norm"]),
    "ln-basic": ("basic", ["layer-norm"]),
    "gn-intermediate": ("intermediate", ["group-norm"]),
    "bn-advanced": ("advanced", ["batch-norm", "inference"]),
}


def _at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture
def history(store: ProgressStore) -> ProgressStore:
    """Answers on Nov 17, 19, 20 and 21 (UTC), one to a question the bank no longer has."""
    for question, correct, when, extra in [
        ("bn-basic", True, _at(17), {}),
        ("bn-basic", True, _at(19), {"hints_used": 1}),
        ("ln-basic", False, _at(19, 10, 5), {}),
        ("bn-advanced", True, _at(20), {"seconds": 10, "expected_seconds": 60}),  # Easy
        ("gone", False, _at(20, 10, 5), {}),
        ("ln-basic", True, _at(21), {}),
    ]:
        store.record_attempt(question, content_hash="h", correct=correct, now=when, **extra)
    store.flag_question("ln-basic", "wrong", "the answer says axis 0", now=_at(21, 10, 1))
    return store


def _stats(store: ProgressStore, now: datetime, **options) -> ProgressStats:
    return progress_stats(store, CATALOG, now=now, tz=timezone.utc, **options)


def test_accuracy_overall_per_level_per_tag_and_per_day(history: ProgressStore) -> None:
    stats = _stats(history, _at(21, 12))

    assert stats.overall == Accuracy(6, 4, 4 / 6)
    assert stats.questions_answered == 4
    assert list(stats.per_level) == ["basic", "intermediate", "advanced"]
    assert stats.per_level["basic"] == Accuracy(4, 3, 0.75)
    assert stats.per_level["intermediate"] == Accuracy(0, 0, None)
    assert stats.per_level["advanced"] == Accuracy(1, 1, 1.0)
    assert stats.per_tag == {
        "batch-norm": Accuracy(3, 3, 1.0),
        "group-norm": Accuracy(0, 0, None),
        "inference": Accuracy(1, 1, 1.0),
        "layer-norm": Accuracy(2, 1, 0.5),
    }
    assert [(d.day.day, d.answers, d.correct) for d in stats.per_day] == [
        (17, 1, 1), (19, 2, 1), (20, 2, 1), (21, 1, 1),
    ]  # fmt: skip
    assert [d.day.day for d in _stats(history, _at(21, 12), history_days=2).per_day] == [20, 21]


def test_streak_counts_consecutive_days_to_today_or_yesterday(history: ProgressStore) -> None:
    today = _stats(history, _at(21, 23))
    assert (today.current_streak_days, today.longest_streak_days, today.answered_today) == (
        3, 3, True,
    )  # fmt: skip
    tomorrow = _stats(history, _at(22, 9))  # nothing yet today: the streak is still alive
    assert (tomorrow.current_streak_days, tomorrow.answered_today) == (3, False)
    assert "answer today to keep it" in tomorrow.format_text()
    broken = _stats(history, _at(23, 9))
    assert (broken.current_streak_days, broken.longest_streak_days) == (0, 3)


def test_days_follow_the_given_time_zone(store: ProgressStore) -> None:
    # 23:30 UTC on two evenings is the next morning in UTC+2: a streak that ends today there.
    for day in (19, 20):
        store.record_attempt("bn-basic", content_hash="h", correct=True, now=_at(day, 23, 30))
    plus_two = timezone(timedelta(hours=2))
    stats = progress_stats(store, CATALOG, now=_at(21, 8), tz=plus_two)
    assert [d.day for d in stats.per_day] == [date(2026, 11, 20), date(2026, 11, 21)]
    assert (stats.current_streak_days, stats.answered_today) == (2, True)


def test_no_single_answer_masters_a_question_not_even_a_fast_one(history: ProgressStore) -> None:
    stats = _stats(history, _at(21, 12))
    states = history.review_states()

    assert states["bn-advanced"].stability_days < MASTERY_STABILITY_DAYS  # one Easy answer: about 8 days
    assert stats.mastery["advanced"].fraction == 0.0
    assert stats.mastery["basic"].mastered == 0
    assert stats.mastery["intermediate"].fraction == 0.0


def test_right_answers_on_several_days_master_a_question(store: ProgressStore) -> None:
    when = _at(1)
    for _ in range(4):  # answered right each time it falls due
        store.record_attempt("bn-advanced", content_hash="h", correct=True, now=when)
        when = store.review_states()["bn-advanced"].due
    stats = progress_stats(store, CATALOG, now=when, tz=timezone.utc)
    assert store.review_states()["bn-advanced"].stability_days >= MASTERY_STABILITY_DAYS
    assert stats.mastery["advanced"].mastered == 1
    store.record_attempt("bn-advanced", content_hash="h", correct=False, now=when)
    assert progress_stats(store, CATALOG, now=when, tz=timezone.utc).mastery["advanced"].mastered == 0


def test_due_counts_leave_out_questions_the_bank_no_longer_has(history: ProgressStore) -> None:
    now = _at(21, 12)
    stats = _stats(history, now, forecast_days=3)
    due_in_bank = [q for q, s in history.review_states().items() if q in CATALOG and s.due <= now]

    assert "gone" in history.due_question_ids(now)
    assert stats.due_now == len(due_in_bank)
    assert [d.day.day for d in stats.due_forecast] == [21, 22, 23]
    assert stats.due_forecast[0].count >= stats.due_now


def test_json_round_trips_and_text_reads(history: ProgressStore) -> None:
    stats = _stats(history, _at(21, 12))

    assert ProgressStats.from_json(stats.to_json()) == stats
    data = json.loads(stats.to_json())
    assert data["overall"] == {"answers": 6, "correct": 4, "accuracy": 4 / 6, "skipped": 0}
    assert data["per_day"][0] == {"day": "2026-11-17", "answers": 1, "correct": 1, "accuracy": 1.0,
                                  "skipped": 0}
    assert data["flags"][0]["flagged_at"] == "2026-11-21T10:01:00+00:00"

    text = stats.format_text()
    assert text.splitlines()[0] == "Answers: 6 to 4 questions, 4 correct (67%)."
    assert "Streak: 3 days (longest 3)." in text
    assert "  ln-basic (wrong, 2026-11-21): the answer says axis 0" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_an_empty_store_has_figures_too(clock: FakeClock) -> None:
    with ProgressStore.in_memory(clock=clock) as store:
        stats = progress_stats(store, CATALOG, tz=timezone.utc)
    assert ProgressStats.from_json(stats.to_json()) == stats
    assert stats.overall.accuracy is None and stats.current_streak_days == 0
    assert stats.format_text().startswith("No answers yet")
    assert store.notices == () and not store.saving


def test_skips_are_counted_apart_not_as_wrong_answers(history: ProgressStore) -> None:
    history.record_attempt("bn-basic", content_hash="h", correct=False, response={"skipped": True},
                           now=_at(21, 11))
    history.record_attempt("gn-intermediate", content_hash="h", correct=False, response={"skipped": True},
                           now=_at(21, 11, 5))
    stats = _stats(history, _at(21, 12))

    assert stats.overall == Accuracy(6, 4, 4 / 6, skipped=2)  # as before the skips
    assert stats.per_tag["batch-norm"] == Accuracy(3, 3, 1.0, skipped=1)
    assert stats.per_tag["group-norm"] == Accuracy(0, 0, None, skipped=1)
    assert stats.per_level["intermediate"] == Accuracy(0, 0, None, skipped=1)
    assert (stats.per_day[-1].answers, stats.per_day[-1].skipped) == (1, 2)
    text = stats.format_text()
    assert "4 correct (67%); 2 skipped (not counted as wrong)." in text
    assert ProgressStats.from_json(stats.to_json()) == stats


def test_a_day_with_skips_only_has_no_accuracy_but_keeps_the_streak(store: ProgressStore) -> None:
    store.record_attempt("bn-basic", content_hash="h", correct=True, now=_at(20))
    store.record_attempt("bn-basic", content_hash="h", correct=False, response={"skipped": True}, now=_at(21))
    stats = _stats(store, _at(21, 12))
    assert stats.per_day[-1].accuracy is None and stats.per_day[-1].skipped == 1
    assert stats.current_streak_days == 2
    assert stats.overall == Accuracy(1, 1, 1.0, skipped=1)


def test_stats_json_from_before_skips_were_apart_still_reads(history: ProgressStore) -> None:
    data = json.loads(_stats(history, _at(21, 12)).to_json())
    for accuracy in [data["overall"], *data["per_level"].values(), *data["per_tag"].values(), *data["per_day"]]:
        del accuracy["skipped"]
    assert ProgressStats.from_dict(data).overall == Accuracy(6, 4, 4 / 6)
