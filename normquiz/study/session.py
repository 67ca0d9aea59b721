"""Quiz-session logic the TUI drives: choose and order questions, record verdicts, summarize.

No UI, no I/O and no wall clock: the caller passes times in (seconds, from
any monotonic clock), so that sessions are deterministic and testable.

Modes: ``practice`` shuffles the matching questions and shows feedback after
each answer; ``review`` asks only the ``priority_ids`` (the due or missed
questions the progress store names), in that order; ``interview`` shuffles,
then orders by level (basic first), hides feedback and hints until the end.
In the other modes too, ``priority_ids`` (when given) pick exact questions, asked in that order.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from normquiz.bank import model as m
from normquiz.bank.checking import AnswerVerdict, check_answer
from normquiz.bank.computed import ComputedInstance, generate
from normquiz.vocabulary import Mode

MODES: tuple[str, ...] = ("practice", "review", "interview")


@dataclass(frozen=True)
class SessionOptions:
    """Which questions and how: empty ``levels``/``tags`` mean all; a question
    matches the tags when it has any of them.

    ``priority_ids``, when given, are the only questions asked (those that
    match), in that order: no shuffle, and no level order in an interview.
    A review asks only them, so a review without them is empty.
    """

    levels: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    count: int | None = None
    seed: int = 0
    mode: Mode = "practice"
    priority_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.count is not None and self.count < 1:
            raise ValueError(f"count must be at least 1, got {self.count}")

    def matches(self, question: m.QuestionBase) -> bool:
        """Whether ``question`` passes the level and tag filters."""
        return ((not self.levels or question.level in self.levels)
                and (not self.tags or not self.tags.isdisjoint(question.tags)))


@dataclass(frozen=True)
class SessionItem:
    """A question as this session shows it.

    ``display_order`` lists written indices in the order to display them
    (choices, ordering items or key points); responses use written indices,
    so map a display position ``p`` with ``display_order[p]``.
    """

    question: m.QuestionBase
    display_order: tuple[int, ...]
    seed: int


@dataclass(frozen=True)
class AnswerRecord:
    question_id: str
    verdict: AnswerVerdict | None  # None: skipped
    answered_at: float
    hints_used: int


@dataclass(frozen=True)
class ScoreLine:
    """Scores over the answers given; skips are counted apart, not as wrong answers."""

    asked: int = 0  # answers given (skips not included)
    correct: int = 0
    points: float = 0.0  # sum of scores
    skipped: int = 0

    @property
    def fraction(self) -> float:
        return self.points / self.asked if self.asked else 0.0

    @property
    def done(self) -> int:
        """Questions answered or skipped: how far the session got."""
        return self.asked + self.skipped

    def add(self, record: AnswerRecord) -> ScoreLine:
        verdict = record.verdict
        if verdict is None:
            return replace(self, skipped=self.skipped + 1)
        return ScoreLine(self.asked + 1, self.correct + verdict.correct, self.points + verdict.score, self.skipped)


@dataclass(frozen=True)
class SessionSummary:
    overall: ScoreLine
    by_level: dict[str, ScoreLine]
    by_tag: dict[str, ScoreLine]
    missed: tuple[str, ...]  # ids answered wrongly or skipped, in session order (to retry)
    unanswered: tuple[str, ...]
    duration: float  # seconds from the start to the last answer (or to ``at``)


def select_questions(questions: Iterable[m.QuestionBase], options: SessionOptions) -> list[m.QuestionBase]:
    """The session's questions, in order, deterministic for ``options.seed``."""
    # Coding exercises have their own screen (the learner's code runs in a child process).
    matching = [question for question in questions
                if options.matches(question) and not isinstance(question, m.CodeQuestion)]
    by_priority = options.mode == "review" or bool(options.priority_ids)
    if by_priority:
        by_id = {question.id: question for question in matching}
        chosen = [by_id[question_id] for question_id in dict.fromkeys(options.priority_ids) if question_id in by_id]
    else:
        chosen = matching
        random.Random(options.seed).shuffle(chosen)
    chosen = chosen[: options.count]
    if options.mode == "interview" and not by_priority:
        chosen.sort(key=lambda question: m.LEVELS.index(question.level))
    return chosen


def display_order(question: m.QuestionBase, seed: int) -> tuple[int, ...]:
    """Written indices in display order: choices and ordering items shuffled."""
    if isinstance(question, (m.SingleChoiceQuestion, m.MultipleChoiceQuestion)):
        count, shuffle = len(question.choices), question.shuffle
    elif isinstance(question, m.OrderingQuestion):
        count, shuffle = len(question.items), True
    elif isinstance(question, m.OpenQuestion):
        count, shuffle = len(question.key_points), False
    else:
        return ()
    order = list(range(count))
    if shuffle:
        rng = random.Random(f"{seed}:{question.id}")
        while True:
            rng.shuffle(order)
            # Showing an ordering question already in order would give it away.
            if not isinstance(question, m.OrderingQuestion) or order != sorted(order):
                break
    return tuple(order)


class QuizSession:
    """One run through a list of questions; the TUI renders it and forwards answers."""

    def __init__(self, questions: Iterable[m.QuestionBase], options: SessionOptions | None = None,
                 *, started_at: float = 0.0) -> None:
        self.options = options or SessionOptions()
        self.started_at = started_at
        self.items: tuple[SessionItem, ...] = tuple(
            SessionItem(question, display_order(question, self.options.seed), self.options.seed)
            for question in select_questions(questions, self.options)
        )
        self.position = 0
        self.records: dict[str, AnswerRecord] = {}
        self._instances: dict[str, ComputedInstance] = {}
        self._hints: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.items)

    @property
    def shows_feedback(self) -> bool:
        """Whether each verdict is shown right after answering (not in interview mode)."""
        return self.options.mode != "interview"

    @property
    def hints_allowed(self) -> bool:
        return self.options.mode != "interview"

    @property
    def finished(self) -> bool:
        return self.position >= len(self.items)

    @property
    def current(self) -> SessionItem | None:
        return None if self.finished else self.items[self.position]

    def _require_current(self) -> SessionItem:
        item = self.current
        if item is None:
            raise RuntimeError("the session is finished: there is no current question")
        return item

    def instance(self, item: SessionItem | None = None) -> ComputedInstance | None:
        """The generated instance of a computed question (made once, then kept)."""
        item = item or self._require_current()
        if not isinstance(item.question, m.ComputedQuestion):
            return None
        if item.question.id not in self._instances:
            self._instances[item.question.id] = generate(item.question, item.seed)
        return self._instances[item.question.id]

    def reveal_hint(self) -> str | None:
        """The next hint of the current question, or None when there is none left."""
        item = self._require_current()
        if not self.hints_allowed:
            return None
        used = self._hints.get(item.question.id, 0)
        if used >= len(item.question.hints):
            return None
        self._hints[item.question.id] = used + 1
        return item.question.hints[used]

    def answer(self, response: Any, *, at: float) -> AnswerVerdict:
        """Check and record the answer to the current question (does not advance).

        Raises ``InvalidResponse`` for an unreadable response; nothing is recorded then.
        """
        item = self._require_current()
        verdict = check_answer(item.question, response, instance=self.instance(item))
        self._record(item, verdict, at)
        return verdict

    def skip(self, *, at: float, advance: bool = True) -> None:
        """Record the current question as skipped (it counts as missed) and advance (unless
        ``advance`` is False: the answer is shown first, ``advance()`` goes on)."""
        self._record(self._require_current(), None, at)
        if advance:
            self.advance()

    def forget_answer(self) -> None:
        """Take back the answer to the current question (given, not yet advanced from)."""
        self.records.pop(self._require_current().question.id, None)

    def drop_current(self) -> None:
        """Take the current, unanswered question out of the session (it was buried or suspended):
        the next one becomes current, and the summary does not count it as unanswered."""
        item = self._require_current()
        if item.question.id in self.records:
            return  # answered: it stays in the summary, the learner moves on with advance()
        self.items = self.items[: self.position] + self.items[self.position + 1:]

    def advance(self) -> SessionItem | None:
        if not self.finished:
            self.position += 1
        return self.current

    def refresh(self, questions: Iterable[m.QuestionBase]) -> list[str]:
        """Take the new content of this session's questions after the files were reloaded.

        Questions are matched by id; the order, the position and the answers
        given stay. A question whose id is gone keeps its old content. Returns
        the ids whose content changed (their computed instance is drawn again).
        """
        by_id = {question.id: question for question in questions}
        items, changed = [], []
        for item in self.items:
            new = by_id.get(item.question.id)
            if new is None or new == item.question:
                items.append(item)
                continue
            items.append(SessionItem(new, display_order(new, item.seed), item.seed))
            changed.append(new.id)
            self._instances.pop(new.id, None)
            if new.id in self._hints:
                self._hints[new.id] = min(self._hints[new.id], len(new.hints))
        self.items = tuple(items)
        return changed

    def hints_used(self, item: SessionItem | None = None) -> int:
        """How many hints of the (current) question were revealed."""
        return self._hints.get((item or self._require_current()).question.id, 0)

    def _record(self, item: SessionItem, verdict: AnswerVerdict | None, at: float) -> None:
        question_id = item.question.id
        self.records[question_id] = AnswerRecord(question_id, verdict, at, self._hints.get(question_id, 0))

    def summary(self, *, at: float | None = None) -> SessionSummary:
        """Scores overall, per level and per tag; ``at`` is the finish time if given."""
        overall, by_level, by_tag = ScoreLine(), {}, {}
        missed, unanswered = [], []
        for item in self.items:
            question = item.question
            record = self.records.get(question.id)
            if record is None:
                unanswered.append(question.id)
                continue
            overall = overall.add(record)
            by_level[question.level] = by_level.get(question.level, ScoreLine()).add(record)
            for tag in question.tags:
                by_tag[tag] = by_tag.get(tag, ScoreLine()).add(record)
            if record.verdict is None or not record.verdict.correct:
                missed.append(question.id)
        last = max((record.answered_at for record in self.records.values()), default=self.started_at)
        end = at if at is not None else last
        return SessionSummary(overall, by_level, dict(sorted(by_tag.items())), tuple(missed),
                              tuple(unanswered), max(0.0, end - self.started_at))


def session_from(questions: Sequence[m.QuestionBase], **options: Any) -> QuizSession:
    """Shorthand: ``session_from(bank.questions, levels={"basic"}, count=10, seed=3)``."""
    started_at = options.pop("started_at", 0.0)
    for name in ("levels", "tags"):
        if name in options:
            options[name] = frozenset(options[name])
    if "priority_ids" in options:
        options["priority_ids"] = tuple(options["priority_ids"])
    return QuizSession(questions, SessionOptions(**options), started_at=started_at)
