"""Command palette providers: start a quiz of a level, jump to any question or exercise, open any demo."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from normquiz.study.request import QuizRequest
from normquiz.tui.messages import (
    DemoRequested,
    ExerciseRequested,
    QuizRequested,
    StatsRequested,
    SummaryRequested,
)
from normquiz.tui.protocol import QuizHost, quiz_host
from normquiz.vocabulary import LEVELS

if TYPE_CHECKING:
    from textual.message import Message

PROMPT_PREVIEW = 60


class _AppProvider(Provider):
    """Each command posts a message to the app, as the screens do."""

    @property
    def quiz_app(self) -> QuizHost:
        return quiz_host(self.screen)

    def ask(self, message: Message) -> Callable[[], None]:
        """A command that posts ``message`` to the app."""
        return partial(self.app.post_message, message)

    def entries(self) -> list[tuple[str, Callable[[], None], str]]:
        """``(text, command, help)`` for each command of this provider."""
        raise NotImplementedError

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self.entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, text=text, help=help_text)

    async def discover(self) -> Hits:
        for text, command, help_text in self.entries():
            yield DiscoveryHit(text, command, text=text, help=help_text)


class QuizCommands(_AppProvider):
    """Start a quiz of a level, a review, a mock interview; open the stats."""

    def entries(self) -> list[tuple[str, Callable[[], None], str]]:
        levels = [(f"Quiz: {level} level", self.ask(QuizRequested(QuizRequest(levels=(level,)))),
                   f"practice {level} questions") for level in LEVELS]
        return [
            *levels,
            ("Quiz: all levels", self.ask(QuizRequested(QuizRequest())), "practice questions of every level"),
            ("Review due questions", self.ask(QuizRequested(QuizRequest(mode="review"))), "spaced repetition"),
            ("Mock interview", self.ask(QuizRequested(QuizRequest(mode="interview"))), "timed, mixed levels"),
            ("Stats", self.ask(StatsRequested()), "accuracy, streak, reviews due"),
            ("Last summary", self.ask(SummaryRequested()), "the score and missed questions of the last quiz"),
            ("Unsuspend all", partial(self.app.run_action, "unsuspend_all"),
             "bring suspended questions back into sessions"),
            ("Reload question files", partial(self.app.run_action, "reload"), "read the YAML files again"),
        ]


class QuestionCommands(_AppProvider):
    """Jump to any question by its id or by words of its prompt."""

    def entries(self) -> list[tuple[str, Callable[[], None], str]]:
        bank = self.quiz_app.bank
        if bank is None:
            return []
        entries = []
        for question in bank.questions:
            if question.type == "code":
                continue  # see ExerciseCommands
            prompt = " ".join(question.prompt.split())
            preview = prompt if len(prompt) <= PROMPT_PREVIEW else prompt[: PROMPT_PREVIEW - 1] + "…"
            entries.append((f"Question {question.id}", self.ask(QuizRequested(QuizRequest(question_ids=(question.id,)))),
                            f"{question.level} · {preview}"))
        return entries

    async def search(self, query: str) -> Hits:
        bank = self.quiz_app.bank
        if bank is None:
            return
        matcher = self.matcher(query)
        words = query.lower().split()
        questions = [question for question in bank.questions if question.type != "code"]
        for (text, command, help_text), question in zip(self.entries(), questions):
            score = matcher.match(text)
            if not score and words and all(word in question.prompt.lower() for word in words):
                score = 0.3  # words of the prompt, anywhere
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, text=text, help=help_text)


class ExerciseCommands(_AppProvider):
    """Open any coding exercise."""

    def entries(self) -> list[tuple[str, Callable[[], None], str]]:
        bank = self.quiz_app.bank
        exercises = [question for question in bank.questions if question.type == "code"] if bank else []
        return [(f"Exercise: {question.id}", self.ask(ExerciseRequested(question.id)),
                 f"{question.level} · write {question.signature}") for question in exercises]


class DemoCommands(_AppProvider):
    """Open any demo."""

    def entries(self) -> list[tuple[str, Callable[[], None], str]]:
        from normquiz.bank.demos import DEMOS

        return [(f"Demo: {demo.name}", self.ask(DemoRequested(demo.name)), demo.description)
                for demo in DEMOS.values()]


class CurrentQuestionCommands(_AppProvider):
    """On the quiz screen: bury, suspend or unsuspend the question shown (keys ``b`` and ``x``)."""

    def entries(self) -> list[tuple[str, Callable[[], None], str]]:
        run = getattr(self.screen, "run", None)
        item = run.current if run is not None else None
        if item is None:
            return []
        question_id = item.question.id
        suspended = question_id in run.store.suspended_question_ids()
        toggle = partial(self.screen.run_action, "toggle_suspend")
        return [
            ("Bury this question", partial(self.screen.run_action, "bury"),
             f"b · {question_id} leaves sessions until tomorrow"),
            ("Unsuspend this question" if suspended else "Suspend this question", toggle,
             f"x · {question_id} {'comes back into sessions' if suspended else 'leaves sessions until unsuspended'}"),
        ]
