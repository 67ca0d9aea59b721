"""Fixtures for the app's tests: a fixture bank, fake clocks, a store in a temporary folder,
and helpers that answer the current question by key presses."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from normquiz.bank import model as m
from normquiz.progress import ProgressStore
from normquiz.study.request import QuizRequest
from normquiz.tui.app import NormquizApp, StartDemo
from normquiz.tui.widgets.answers import OrderingAnswer
from tests.progress.conftest import FakeClock  # the store's clock, moved by hand

FIXTURE_CONTENT = Path(__file__).parent / "content"
START = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


class FakeMonotonic:
    """The app's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class QuizApp(NormquizApp):
    """The app as tests run it: no blinking cursor, so that snapshots are stable."""

    cursor_blink = False


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A copy of the fixture bank the test may edit."""
    folder = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, folder)
    return folder


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def wall_clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def store(tmp_path: Path, wall_clock: FakeClock) -> ProgressStore:
    opened = ProgressStore.open(tmp_path / "data", clock=wall_clock)
    yield opened
    opened.close()


@pytest.fixture
def make_app(content_dir: Path, store: ProgressStore, monotonic: FakeMonotonic) -> Callable[..., QuizApp]:
    """``make_app(start=QuizRequest(...), builtin=False)``: the app on the fixture bank."""

    def make(start: QuizRequest | StartDemo | None = None, *, builtin: bool = False, **kwargs: Any) -> QuizApp:
        options: dict[str, Any] = {"content_dirs": [] if builtin else [content_dir], "store": store,
                                   "clock": monotonic, "include_builtin": builtin, "start": start}
        options.update(kwargs)
        return QuizApp(**options)

    return make


@pytest.fixture
def opened_demos(make_app: Callable[..., QuizApp]) -> tuple[QuizApp, list[tuple[str, dict[str, Any]]]]:
    """The app on the fixture bank, recording the demos it is asked to open instead of opening them."""
    app = make_app()
    opened: list[tuple[str, dict[str, Any]]] = []
    app.open_demo = lambda name, params=None: opened.append((name, dict(params or {})))  # type: ignore[method-assign]
    return app, opened


async def ready(pilot: Pilot[Any]) -> None:
    """Wait for the bank to load (a worker after the first frame) and the screens to settle."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def current_question(pilot: Pilot[Any]) -> m.QuestionBase:
    return pilot.app.screen.run.current.question  # type: ignore[attr-defined]


async def sort_steps(pilot: Pilot[Any], key: str = "shift+up") -> None:
    """Put an ordering question's steps in order with the move keys (a selection sort)."""
    widget = pilot.app.screen.query_one(OrderingAnswer)
    for target in range(len(widget.items)):
        here = [value for _, value in widget.items].index(target)
        await pilot.press(*(["down"] * (here - widget.highlighted) if here >= widget.highlighted
                            else ["up"] * (widget.highlighted - here)))
        await pilot.press(*([key] * (here - target)))


async def answer(pilot: Pilot[Any], *, correctly: bool = True) -> m.QuestionBase:
    """Answer the current question by key presses, right or wrong; returns the question."""
    question = current_question(pilot)
    item = pilot.app.screen.run.current  # type: ignore[attr-defined]
    order = item.display_order
    if isinstance(question, m.TrueFalseQuestion):
        await pilot.press("1" if question.answer == correctly else "2", "enter")
    elif isinstance(question, m.SingleChoiceQuestion):
        position = next(p for p, i in enumerate(order) if question.choices[i].correct == correctly)
        await pilot.press(str(position + 1), "enter")
    elif isinstance(question, m.MultipleChoiceQuestion):
        for position, index in enumerate(order):
            if question.choices[index].correct == correctly:
                await pilot.press(str(position + 1))
        await pilot.press("enter")
    elif isinstance(question, m.OrderingQuestion):
        if correctly:
            await sort_steps(pilot)
        await pilot.press("enter")
    elif isinstance(question, m.OpenQuestion):
        await pilot.press(*"My answer", "ctrl+s")
        await pilot.pause()
        if correctly:
            await pilot.press(*[str(p + 1) for p in range(len(order))], "enter")
        else:
            await pilot.press("enter", "enter")  # nothing ticked: the first enter asks, the second scores 0%
    else:
        if isinstance(question, m.NumericQuestion):
            text = str(question.answer if correctly else question.answer + 100)
        elif isinstance(question, m.ShortAnswerQuestion):
            text = question.answers[0] if correctly else "batch norm"
        else:
            instance = pilot.app.screen.run.session.instance()  # type: ignore[attr-defined]
            text = repr(instance.answer if correctly else instance.answer + 100)
        await pilot.press(*text, "enter")
    await pilot.pause()
    return question


async def finish_quiz(pilot: Pilot[Any]) -> None:
    """Escape to the summary, saying yes when the app asks whether to end the quiz."""
    from normquiz.tui.modals.confirm import ConfirmScreen
    from normquiz.tui.screens.quiz import QuizScreen

    if isinstance(pilot.app.screen, QuizScreen):
        await pilot.press("escape")
        await pilot.pause()
    if isinstance(pilot.app.screen, ConfirmScreen):
        await pilot.press("y")
        await pilot.pause()


def visible_text(app: Any) -> str:
    """The text of the current screen's visible Statics, Labels, Markdown, option and pick lists,
    spaces normalized."""
    from textual.widgets import Markdown, OptionList, Static

    from normquiz.tui.widgets.picklist import PickList
    from normquiz.tui.widgets.verdict import MarkdownText

    parts = []
    for widget in app.screen.query("*"):
        if not widget.display:
            continue
        if isinstance(widget, (Markdown, MarkdownText)):
            parts.append(widget.source)
        elif isinstance(widget, Static):
            parts.append(str(widget.visual))
        elif isinstance(widget, (OptionList, PickList)):
            parts.extend(str(option.prompt) for option in widget.options)
    return " ".join(" ".join(parts).split())
