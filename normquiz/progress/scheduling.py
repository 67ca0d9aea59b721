"""Review scheduling: an answer's verdict becomes an FSRS rating, and FSRS says when to ask again.

The algorithm is the `fsrs` package's (FSRS v6), not a home-made one. What
normquiz decides is only how a quiz answer maps to the four FSRS ratings:

==========================================  ========
answer                                      rating
==========================================  ========
wrong                                       Again
right, but with a hint or slowly            Hard
right                                       Good
right, fast and without hints               Easy
==========================================  ========

"Slow" means more than ``SLOW_FACTOR`` (1.5) times the expected time for the
question; "fast" means at most ``FAST_FACTOR`` (0.5) times it. The expected
time comes from the caller, or from ``expected_seconds(type, level)``: a base
time per question type scaled by the level. When the time taken is unknown,
a right answer without hints is Good.

Learning steps are shorter than a flashcard app's: one step of 10 minutes.
A wrong answer is due again in 10 minutes, a right one leaves the learning
phase at once and comes back in days (about 2 for Good, 8 for Easy on a
first answer, with FSRS's default parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fsrs import Card, Rating, Scheduler

from normquiz.progress.clock import as_utc

__all__ = [
    "FAST_FACTOR",
    "SLOW_FACTOR",
    "CardState",
    "Rating",
    "ReviewScheduler",
    "expected_seconds",
    "rating_for",
]

SLOW_FACTOR = 1.5
FAST_FACTOR = 0.5

BASE_SECONDS_BY_TYPE: dict[str, float] = {
    "true_false": 15.0,
    "single_choice": 30.0,
    "multiple_choice": 45.0,
    "short_answer": 45.0,
    "numeric": 60.0,
    "ordering": 60.0,
    "computed": 90.0,
    "open": 120.0,
}
DEFAULT_BASE_SECONDS = 45.0
LEVEL_TIME_FACTOR: dict[str, float] = {"basic": 1.0, "intermediate": 1.5, "advanced": 2.0}

LEARNING_STEPS = (timedelta(minutes=10),)
RELEARNING_STEPS = (timedelta(minutes=10),)


def expected_seconds(question_type: str | None, level: str | None) -> float:
    """The time a prepared learner needs for a question of this type and level.

    Base times: true_false 15 s, single_choice 30 s, multiple_choice and
    short_answer 45 s, numeric and ordering 60 s, computed 90 s, open 120 s
    (45 s for an unknown type); times 1, 1.5 or 2 for basic, intermediate or
    advanced (1 for an unknown level).
    """
    base = BASE_SECONDS_BY_TYPE.get(question_type or "", DEFAULT_BASE_SECONDS)
    return base * LEVEL_TIME_FACTOR.get(level or "", 1.0)


def rating_for(
    correct: bool,
    *,
    hints_used: int = 0,
    seconds: float | None = None,
    expected: float | None = None,
) -> Rating:
    """The FSRS rating of an answer (see the module docstring for the table)."""
    if not correct:
        return Rating.Again
    timed = seconds is not None and expected is not None and expected > 0
    if hints_used > 0 or (timed and seconds > SLOW_FACTOR * expected):
        return Rating.Hard
    if timed and seconds <= FAST_FACTOR * expected:
        return Rating.Easy
    return Rating.Good


@dataclass(frozen=True)
class CardState:
    """A question's review state after an answer: what the store keeps per question."""

    card_json: str
    due: datetime
    stability_days: float
    restarted: bool = False  # the stored card could not be read, so this one starts afresh


class ReviewScheduler:
    """FSRS with normquiz's learning steps; turns (previous card, rating, time) into the next card.

    ``enable_fuzzing`` spreads intervals a little at random (FSRS's "fuzz") so
    questions learned together do not all come due on the same day; tests
    turn it off to be deterministic.
    """

    def __init__(self, *, desired_retention: float = 0.9, enable_fuzzing: bool = True) -> None:
        self._fsrs = Scheduler(
            desired_retention=desired_retention,
            learning_steps=LEARNING_STEPS,
            relearning_steps=RELEARNING_STEPS,
            enable_fuzzing=enable_fuzzing,
        )

    def review(self, card_json: str | None, rating: Rating, now: datetime) -> CardState:
        """The card after answering at ``now``; ``card_json`` None means a first answer.

        A stored card that is not a valid fsrs card (hand-edited, damaged) is
        replaced by a first answer's card, with ``restarted`` set.
        """
        now = as_utc(now)
        card, restarted = None, False
        if card_json is not None:
            try:
                card = Card.from_json(card_json)
            except (ValueError, TypeError, KeyError, AttributeError):
                restarted = True
        if card is None:
            # An explicit id and due time keep fsrs from reading the wall clock.
            card = Card(card_id=int(now.timestamp() * 1000), due=now)
        reviewed, _log = self._fsrs.review_card(card, rating, review_datetime=now)
        return CardState(
            card_json=reviewed.to_json(),
            due=as_utc(reviewed.due),
            stability_days=float(reviewed.stability or 0.0),
            restarted=restarted,
        )
