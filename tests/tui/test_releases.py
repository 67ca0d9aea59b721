"""A long quiz does not keep what it no longer shows: last questions' widgets, the footer's old keys.

Textual keeps removed widgets alive in three places (``normquiz.tui.widgets.releases``);
these tests would fail if a change of Textual moved that state, or if the
screens stopped releasing it.
"""

from __future__ import annotations

import gc
import weakref

from textual.widgets._footer import FooterKey

from normquiz.study.request import QuizRequest
from normquiz.tui.screens.quiz import QuizScreen
from tests.tui.conftest import answer, ready


def alive(references: list[weakref.ref]) -> list[object]:  # type: ignore[type-arg]
    gc.collect()
    return [widget for reference in references if (widget := reference()) is not None]


async def test_answered_questions_let_their_widgets_and_old_footer_keys_go(make_app) -> None:
    app = make_app(QuizRequest(seed=3))
    answers, keys = [], []
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, QuizScreen)
        for _ in range(7):  # every type of the fixture bank, typed answers among them
            screen = app.screen
            answers.append(weakref.ref(screen.query_one("#answer-input")))
            keys.extend(weakref.ref(key) for key in screen.query(FooterKey))
            await answer(pilot)
            await pilot.pause()
            keys.extend(weakref.ref(key) for key in screen.query(FooterKey))
            await pilot.press("n")
            await pilot.pause()
        await pilot.pause()
        showing = set(app.screen.query(FooterKey))
        assert alive(answers[:-1]) == []  # only the current question's may live
        assert [key for key in alive(keys) if key not in showing] == []
