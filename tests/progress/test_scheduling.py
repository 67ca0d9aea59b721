"""Verdicts become FSRS ratings; ratings move the due date; content changes keep history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from normquiz.progress import ProgressStore, Rating, expected_seconds, rating_for


@pytest.mark.parametrize(
    ("correct", "hints", "seconds", "rating"),
    [
        (False, 0, 5.0, Rating.Again),  # wrong, however fast
        (False, 2, 500.0, Rating.Again),
        (True, 1, 5.0, Rating.Hard),  # a hint makes it Hard even when fast
        (True, 0, 46.0, Rating.Hard),  # slower than 1.5 x 30 s
        (True, 0, 45.0, Rating.Good),
        (True, 0, 15.1, Rating.Good),
        (True, 0, 15.0, Rating.Easy),  # at most half of 30 s
        (True, 0, None, Rating.Good),  # time unknown
    ],
)
def test_verdict_to_rating(
    correct: bool, hints: int, seconds: float | None, rating: Rating
) -> None:
    expected = expected_seconds("single_choice", "basic")
    assert expected == 30.0
    assert rating_for(correct, hints_used=hints, seconds=seconds, expected=expected) == rating


def test_expected_time_scales_with_type_and_level() -> None:
    assert expected_seconds("true_false", "basic") == 15.0
    assert expected_seconds("open", "advanced") == 240.0
    assert expected_seconds("something-new", None) == 45.0


def test_a_right_answer_pushes_due_days_away_and_a_wrong_one_makes_it_due_soon(
    store: ProgressStore, clock
) -> None:
    now = clock.current
    right = store.record_attempt("bn-1", content_hash="h", correct=True)
    wrong = store.record_attempt("ln-1", content_hash="h", correct=False)
    easy = store.record_attempt("gn-1", content_hash="h", correct=True, seconds=5,
                                expected_seconds=30)  # fmt: skip

    assert (right.rating, wrong.rating, easy.rating) == (Rating.Good, Rating.Again, Rating.Easy)
    assert right.due - now >= timedelta(days=1)
    assert easy.due > right.due
    assert timedelta(0) < wrong.due - now <= timedelta(minutes=10)
    assert store.due_question_ids(now) == []
    assert store.due_question_ids(now + timedelta(minutes=10)) == ["ln-1"]
    later = now + timedelta(days=30)
    assert store.due_question_ids(later) == ["ln-1", "bn-1", "gn-1"]  # most overdue first
    assert store.due_question_ids(later, limit=1) == ["ln-1"]
    assert store.due_question_ids(later, among={"gn-1", "bn-1"}) == ["bn-1", "gn-1"]

    # Getting it wrong later sends a learned question back to a short relearning step.
    relapse = store.record_attempt("bn-1", content_hash="h", correct=False, now=right.due)
    assert relapse.due - right.due <= timedelta(minutes=10)


def test_due_forecast_counts_each_coming_day(store: ProgressStore, clock) -> None:
    from datetime import timezone

    store.record_attempt("wrong", content_hash="h", correct=False)  # due in 10 minutes
    store.record_attempt("right", content_hash="h", correct=True)  # due in about 2 days
    clock.advance(days=1)  # the wrong one is now overdue: counted today

    forecast = store.due_forecast(days=4, tz=timezone.utc)

    assert [d.day.isoformat() for d in forecast] == [
        "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25",
    ]  # fmt: skip
    assert sum(d.count for d in forecast) == 2 and forecast[0].count == 1
    assert store.due_forecast(days=4, tz=timezone.utc, among={"right"})[0].count == 0


def test_changed_content_keeps_history_and_card(store: ProgressStore, clock) -> None:
    first = store.record_attempt("bn-1", content_hash="v1", correct=True)
    clock.advance(days=3)
    assert store.content_changed("bn-1", "v2") and not store.content_changed("bn-1", "v1")
    assert not store.content_changed("never-seen", "v1")

    second = store.record_attempt("bn-1", content_hash="v2", correct=True)

    assert second.content_changed and not first.content_changed
    assert [a.content_hash for a in store.attempts("bn-1")] == ["v1", "v2"]
    assert second.stability_days > first.stability_days  # the card built on, not reset
    assert not store.content_changed("bn-1", "v2")


def test_responses_of_any_shape_are_stored_as_json(store: ProgressStore) -> None:
    class Matrix:  # stands in for a NumPy array, which the store never imports
        def tolist(self) -> list[list[float]]:
            return [[1.0, 0.5], [0.0, -1.0]]

    store.record_attempt("computed-1", content_hash="h", correct=True,
                         response={"matrix": Matrix(), "order": (2, 1, 3)})  # fmt: skip
    (attempt,) = store.attempts("computed-1")
    assert attempt.response == {"matrix": [[1.0, 0.5], [0.0, -1.0]], "order": [2, 1, 3]}
