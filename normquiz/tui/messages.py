"""App-level messages: screens ask the app for a quiz, a demo, the stats, help or the last summary,
and say when a quiz is over; the app tells its screens when the question bank changed.

Screens never call the app's methods to navigate: they post one of these, it
bubbles up to the app, and the app decides (it may have to wait for the bank).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:  # the bank is imported after the first frame
    from textual.screen import Screen

    from normquiz.bank import LoadResult
    from normquiz.study.quiz_run import QuizRun
    from normquiz.study.request import QuizRequest


class BankLoaded(Message):
    """The question files were (re)loaded; ``reloaded`` is False for the first load."""

    def __init__(self, bank: LoadResult, *, reloaded: bool) -> None:
        super().__init__()
        self.bank = bank
        self.reloaded = reloaded


class FiguresChanged(Message):
    """The bank's summary was read, or the progress store opened: the home screen's figures can change."""


class QuizRequested(Message):
    """Start the quiz ``request`` describes."""

    def __init__(self, request: QuizRequest) -> None:
        super().__init__()
        self.request = request


class DemoRequested(Message):
    """Open the demo ``name``, with preset parameters if given."""

    def __init__(self, name: str, params: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self.name = name
        self.params = params


class StatsRequested(Message):
    """Open the progress statistics."""


class HelpRequested(Message):
    """Show every key."""


class ExerciseRequested(Message):
    """Open the coding exercise ``question_id`` (None: the first one, or the list)."""

    def __init__(self, question_id: str | None = None) -> None:
        super().__init__()
        self.question_id = question_id


class QuizFinished(Message):
    """The quiz ``run`` is over (every question done, or the learner ended it): show its summary."""

    def __init__(self, run: QuizRun, screen: Screen[Any]) -> None:
        super().__init__()
        self.run = run
        self.screen = screen


class SummaryRequested(Message):
    """Show the summary of the last quiz again."""


class ResumeRequested(Message):
    """Resume the unfinished quiz of an earlier run (the app knows which)."""
