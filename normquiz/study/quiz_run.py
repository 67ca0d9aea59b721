"""One quiz as the app runs it: a bank ``QuizSession`` whose answers go to the progress store.

No textual here: the screens call these methods and render the results, and
tests drive a run without a terminal. Times come from the app's monotonic
clock (injected in tests); the store stamps attempts with its own clock.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from typing import Any

from normquiz.bank import AnswerVerdict, QuestionBase, content_hash
from normquiz.study.session import QuizSession, SessionItem, SessionOptions, SessionSummary
from normquiz.progress import ProgressStore, expected_seconds
from normquiz.progress.scheduling import Rating
from normquiz.study.request import QuizRequest

DEFAULT_COUNT = 10
ASKED_KEY = "asked_ids"
INTERVIEW_COUNT = 8
MIN_INTERVIEW_SECONDS = 20.0


def cram_order(questions: Iterable[QuestionBase], store: ProgressStore, exclude: Collection[str]) -> list[str]:
    """Question ids to cram after the due reviews: weakest memory (lowest FSRS stability) first,
    then the never-answered ones in bank order."""
    states = store.review_states()
    candidates = [question.id for question in questions if question.id not in exclude]
    seen = sorted((qid for qid in candidates if qid in states), key=lambda qid: states[qid].stability_days)
    return seen + [qid for qid in candidates if qid not in states]


def build_session(questions: Sequence[QuestionBase], request: QuizRequest, store: ProgressStore,
                  *, seed: int, started_at: float) -> QuizSession:
    """The bank session for ``request``: exact ids in the order asked, due reviews (and cram), or filters."""
    levels, tags = frozenset(request.levels), frozenset(request.tags)
    count = request.count
    if not request.question_ids:
        # Buried and suspended questions stay out; asked for by id ("jump to question") they show.
        hidden = store.hidden_question_ids()
        questions = [question for question in questions if question.id not in hidden]
    if request.question_ids:
        mode = request.mode if request.mode != "review" else "practice"
        options = SessionOptions(count=count, seed=seed, mode=mode, priority_ids=request.question_ids)
    elif request.mode == "review":
        options = SessionOptions(levels, tags, count, seed, "review")
        matching = [question for question in questions if options.matches(question)]
        due = store.due_question_ids(among={question.id for question in matching})
        priority = list(due)
        if request.cram:
            priority += cram_order(matching, store, set(due))
            count = count or len(due) + DEFAULT_COUNT
        options = replace(options, count=count, priority_ids=tuple(priority))
    else:
        if count is None:
            count = INTERVIEW_COUNT if request.mode == "interview" else DEFAULT_COUNT
        options = SessionOptions(levels, tags, count, seed, request.mode)
    return QuizSession(questions, options, started_at=started_at)


class QuizRun:
    """A running quiz: asks the session, times each question, saves each answer as it is given."""

    def __init__(self, session: QuizSession, request: QuizRequest, store: ProgressStore,
                 clock: Callable[[], float]) -> None:
        self.session = session
        self.request = request
        self.store = store
        self.clock = clock
        self.mode = session.options.mode
        self.session_id = store.start_session(self.mode, {  # type: ignore[arg-type]
            "levels": list(request.levels), "tags": list(request.tags), "count": request.count,
            "seed": session.options.seed, "question_ids": list(request.question_ids), "cram": request.cram,
            # What was asked, in order: a session quit mid-way resumes with the rest (study/resume.py).
            ASKED_KEY: [item.question.id for item in session.items],
        })
        self.question_started_at = clock()
        self.finished_at: float | None = None
        # The last answer, while it can be taken back: (question id, attempt id, schedule before).
        self._undoable: tuple[str, int, tuple[Any, ...] | None] | None = None

    # -- the current question ----------------------------------------------

    @property
    def current(self) -> SessionItem | None:
        return self.session.current

    @property
    def position(self) -> int:
        return self.session.position

    def __len__(self) -> int:
        return len(self.session)

    def prompt(self, item: SessionItem | None = None) -> str:
        """The (current) question's prompt as shown: a computed question's with its generated input."""
        item = item or self.current
        assert item is not None
        instance = self.session.instance(item)
        return instance.prompt if instance else item.question.prompt

    def begin_question(self) -> None:
        """Start the current question's time (called when it is shown)."""
        self.question_started_at = self.clock()

    def time_limit(self, item: SessionItem | None = None) -> float | None:
        """Seconds allowed for the question in a mock interview (None outside interviews)."""
        item = item or self.current
        if self.mode != "interview" or item is None:
            return None
        return max(MIN_INTERVIEW_SECONDS, expected_seconds(item.question.type, item.question.level))

    def time_left(self) -> float | None:
        limit = self.time_limit()
        if limit is None:
            return None
        return max(0.0, limit - (self.clock() - self.question_started_at))

    # -- answers ---------------------------------------------------------------

    def answer(self, response: Any, *, saved_response: Any = None) -> AnswerVerdict:
        """Check, record in the session and commit to the store; ``InvalidResponse`` records nothing.

        ``saved_response`` is what the store keeps when it differs from what is
        checked (an open question's text with the ticked key points).
        """
        item = self.session.current
        assert item is not None
        now = self.clock()
        verdict = self.session.answer(response, at=now)
        schedule = self.store.schedule_snapshot(item.question.id)
        attempt_id = self._save(item, verdict.correct, verdict.score,
                                response if saved_response is None else saved_response, now)
        self._undoable = (item.question.id, attempt_id, schedule)
        return verdict

    def can_undo(self) -> bool:
        """Whether the current question's answer can be taken back (answered, not yet left)."""
        item = self.session.current
        return (self._undoable is not None and item is not None and self._undoable[0] == item.question.id
                and item.question.id in self.session.records)

    def rate(self, rating: Rating) -> bool:
        """Self-grading: the learner's rating of the answer just given becomes what the review
        schedule gets (instead of the one worked out from correctness, hints and time)."""
        if not self.can_undo():
            return False
        assert self._undoable is not None
        question_id, attempt_id, schedule = self._undoable
        self.store.rate_attempt(attempt_id, question_id, schedule, rating)
        return True

    def undo(self) -> bool:
        """Take back the last answer: the attempt is deleted, the schedule is as before it, and
        the question waits for an answer again (its clock restarted). False when there is none."""
        if not self.can_undo():
            return False
        assert self._undoable is not None
        question_id, attempt_id, schedule = self._undoable
        self.store.undo_attempt(attempt_id, question_id, schedule)
        self.session.forget_answer()
        self._undoable = None
        self.begin_question()
        return True

    def skip(self, *, advance: bool = True) -> None:
        """Skip the current question: saved as ``{"skipped": true}`` (correct False, score 0),
        which the summary and the stats count apart from answers, never as a wrong one; it is
        missed (the summary offers to retry it). With ``advance`` False the question stays
        current (its answer is shown) until ``advance()``."""
        item = self.session.current
        assert item is not None
        now = self.clock()
        # For the schedule a skip is a review rated Again (``rating_for`` of an incorrect answer):
        # the learner could not or did not recall the answer and is then shown it, which is
        # Anki's "Again" (a lapse: see it again soon). No review at all would keep a question the
        # learner avoids at its old, longer interval, and leave it out of the next due reviews.
        self._save(item, False, 0.0, {"skipped": True}, now)
        self.session.skip(at=now, advance=advance)
        self.begin_question()

    # -- hiding ------------------------------------------------------------------

    def bury_current(self) -> str:
        """Hide the current question until tomorrow and move on; returns its id."""
        return self._hide_current(self.store.bury)

    def suspend_current(self) -> str:
        """Hide the current question until it is unsuspended and move on; returns its id."""
        return self._hide_current(self.store.suspend)

    def _hide_current(self, hide: Callable[[str], Any]) -> str:
        item = self.session.current
        assert item is not None
        hide(item.question.id)
        if item.question.id in self.session.records:
            self.advance()  # answered already: the answer stays, the quiz goes on
        else:
            self._undoable = None
            self.session.drop_current()
            self.begin_question()
        return item.question.id

    def advance(self) -> SessionItem | None:
        self._undoable = None
        item = self.session.advance()
        self.begin_question()
        return item

    def _save(self, item: SessionItem, correct: bool, score: float, response: Any, now: float) -> int:
        question = item.question
        return self.store.record_attempt(
            question.id, content_hash=content_hash(question), correct=correct, score=score,
            response=response, seconds=round(max(0.0, now - self.question_started_at), 3),
            hints_used=self.session.hints_used(item), session_id=self.session_id,
            mode=self.mode,  # type: ignore[arg-type]
            expected_seconds=expected_seconds(question.type, question.level),
        ).attempt_id

    # -- the end -----------------------------------------------------------------

    def finish(self) -> SessionSummary:
        """The summary; the store session is closed the first time."""
        if self.finished_at is None:
            self.finished_at = self.clock()
            self.store.end_session(self.session_id)
        return self.session.summary(at=self.finished_at)
