"""What a learner asks for when starting a quiz: one type from the command line to the session.

``normquiz quiz --level basic``, a home-screen choice, the command palette and
"retry the missed ones" all build a :class:`QuizRequest`; the app starts it.
Imports nothing heavy, so the command line can build one before the app loads.
"""

from __future__ import annotations

from dataclasses import dataclass

from normquiz.vocabulary import MODE_TITLES, Mode


@dataclass(frozen=True)
class QuizRequest:
    """What the learner asked for: the filters and mode of a new quiz.

    ``question_ids`` picks exact questions (the command palette's "jump to a
    question", "retry the missed ones"); ``cram`` adds not-yet-due questions,
    weakest first, after the due ones of a review.
    """

    levels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    count: int | None = None
    seed: int | None = None
    mode: Mode = "practice"
    question_ids: tuple[str, ...] = ()
    cram: bool = False

    def describe(self) -> str:
        """A short title: ``Practice · basic · batch-norm``."""
        parts = [MODE_TITLES[self.mode]]
        if self.question_ids and not self.levels and not self.tags:
            parts.append("retry" if len(self.question_ids) > 1 else self.question_ids[0])
        parts.extend(self.levels)
        parts.extend(self.tags)
        if self.cram:
            parts.append("cram")
        return " · ".join(parts)
