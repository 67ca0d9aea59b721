"""The quiz screen states a number's precision under the prompt, before the learner answers."""

from __future__ import annotations

import pytest
from textual.widgets import Label

from normquiz.study.request import QuizRequest

from tests.tui.conftest import ready


@pytest.mark.parametrize(("question_id", "line"), [
    ("t-computed", "Answer to within ±0.01 (two decimals are enough)."),
    ("t-numeric", "Give the exact value."),
])
async def test_numeric_and_computed_questions_show_their_precision(make_app, question_id: str, line: str) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        app.start_quiz(QuizRequest(question_ids=(question_id,), seed=1))
        await pilot.pause()
        await pilot.pause()
        how = str(app.screen.query_one("#how", Label).render())
        assert line in how


async def test_other_questions_have_no_precision_line(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        app.start_quiz(QuizRequest(question_ids=("t-single",), seed=1))
        await pilot.pause()
        await pilot.pause()
        assert "Answer to within" not in str(app.screen.query_one("#how", Label).render())
