"""Command palette providers: start a quiz of a level, jump to any question or exercise, open any demo."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from normquiz.study.request import QuizRequest
from normquiz.vocabulary import LEVELS

if TYPE_CHECKING:
    from normquiz.tui.app import NormquizApp

PROMPT_PREVIEW = 60


class _AppProvider(Provider):
    @property
    def quiz_app(self) -> NormquizApp:
        return self.app  # type: ignore[return-value]

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
        app = self.quiz_app
        levels = [(f"Quiz: {level} level", partial(app.start_quiz, QuizRequest(levels=(level,))),
                   f"practice {level} questions") for level in LEVELS]
        return [
            *levels,
            ("Quiz: all levels", partial(app.start_quiz), "practice questions of every level"),
            ("Review due questions", partial(app.start_quiz, QuizRequest(mode="review")), "spaced repetition"),
            ("Mock interview", partial(app.start_quiz, QuizRequest(mode="interview")), "timed, mixed levels"),
            ("Stats", app.open_stats, "accuracy, streak, reviews due"),
            ("Last summary", app.open_last_summary, "the score and missed questions of the last quiz"),
            ("Reload question files", app.action_reload, "read the YAML files again"),
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
            entries.append((f"Question {question.id}", partial(self.quiz_app.start_quiz, QuizRequest(question_ids=(question.id,))),
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
        return [(f"Exercise: {question.id}", partial(self.quiz_app.open_exercise, question.id),
                 f"{question.level} · write {question.signature}") for question in self.quiz_app.code_questions()]


class DemoCommands(_AppProvider):
    """Open any demo."""

    def entries(self) -> list[tuple[str, Callable[[], None], str]]:
        from normquiz.bank.demos import DEMOS

        return [(f"Demo: {demo.name}", partial(self.quiz_app.open_demo, demo.name), demo.description)
                for demo in DEMOS.values()]
