"""Resume a quiz that was quit or killed mid-way: the questions it had not reached yet.

Every answer is saved as it is given, and a quiz's session records the ids it
asks, in order; a session never ended is one the learner did not finish. The
next start offers the rest of it, in the same order and display (same seed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from normquiz.bank import QuestionBase
from normquiz.progress import ProgressStore
from normquiz.study.quiz_run import ASKED_KEY
from normquiz.study.request import QuizRequest
from normquiz.vocabulary import MODE_TITLES


@dataclass(frozen=True)
class Resumable:
    """An unfinished quiz: the request for its remaining questions and how far it got."""

    session_id: int
    request: QuizRequest
    done: int
    total: int

    def describe(self) -> str:
        mode = MODE_TITLES[self.request.mode]  # type: ignore[index]
        return f"{mode}, {self.done} of {self.total} done"


def resumable(store: ProgressStore, questions: Sequence[QuestionBase]) -> Resumable | None:
    """The latest unfinished quiz with questions left that the bank still has, or None."""
    session = store.last_unfinished_session()
    if session is None:
        return None
    asked = session.options.get(ASKED_KEY)
    if not isinstance(asked, list) or not asked:
        return None
    answered = {attempt.question_id for attempt in store.attempts(session_id=session.id)}
    known = {question.id for question in questions}
    hidden = store.hidden_question_ids()  # buried or suspended mid-quiz: not offered again
    left = tuple(qid for qid in asked if qid not in answered and qid in known and qid not in hidden)
    if not answered or not left:
        return None  # never really started, or nothing left to ask
    mode = session.mode if session.mode in MODE_TITLES and session.mode != "review" else "practice"
    seed = session.options.get("seed")
    request = QuizRequest(question_ids=left, mode=mode, seed=seed if isinstance(seed, int) else None)  # type: ignore[arg-type]
    return Resumable(session.id, request, len(asked) - len(left), len(asked))
