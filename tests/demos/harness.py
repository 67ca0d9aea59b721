"""Helpers of the demo tests: a tiny App that opens one demo screen (the real app shell lives
elsewhere), and a fake clock for the cost demo's timings."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

from textual.app import App
from textual.screen import Screen

from normquiz.study.request import QuizRequest
from normquiz.tui.demos import create_demo_screen
from normquiz.tui.messages import DemoRequested, QuizRequested


class DemoHarness(App):
    """Pushes one demo screen; records the quizzes the demo asks for instead of starting them."""

    BINDINGS = [("ctrl+q", "quit", "quit")]

    def __init__(self, name: str, params: Mapping[str, Any] | None = None, *, screen: Screen | None = None,
                 theme: str = "textual-dark") -> None:
        super().__init__()
        self.demo_name = name
        self.demo_params = params
        self.demo_screen = screen
        self.started_quizzes: list[QuizRequest] = []
        self.opened_demos: list[tuple[str, Any]] = []
        self.theme = theme

    def on_mount(self) -> None:
        self.push_screen(self.demo_screen or create_demo_screen(self.demo_name, self.demo_params))

    def on_quiz_requested(self, message: QuizRequested) -> None:
        self.started_quizzes.append(message.request)

    def on_demo_requested(self, message: DemoRequested) -> None:
        self.opened_demos.append((message.name, message.params))


def fake_timer() -> Callable[[], float]:
    """A clock that advances one microsecond per reading: every timed call then 'takes' the same time."""
    ticks = itertools.count()
    return lambda: next(ticks) * 1e-6
