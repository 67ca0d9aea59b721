"""The command palette's providers, and sessions on the real built-in bank."""

from __future__ import annotations

from normquiz.progress import ProgressStore
from normquiz.study.request import QuizRequest
from normquiz.tui.commands import DemoCommands, QuestionCommands, QuizCommands
from normquiz.tui.screens.quiz import QuizScreen
from normquiz.tui.screens.summary import SummaryScreen
from tests.tui.conftest import answer, ready


async def hits(provider_class, app, query: str) -> list[str]:
    provider = provider_class(app.screen)
    return [hit.text async for hit in provider.search(query)]


async def test_palette_jumps_to_questions_demos_and_levels(opened_demos) -> None:
    app, opened = opened_demos
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert "Question t-order" in await hits(QuestionCommands, app, "t-order")
        assert "Question t-short" in await hits(QuestionCommands, app, "transformers use two")  # prompt words
        assert "Demo: cube" in await hits(DemoCommands, app, "cube")
        assert "Quiz: advanced level" in await hits(QuizCommands, app, "advanced")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"t-short")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen)
        assert [item.question.id for item in app.screen.run.session.items] == ["t-short"]


async def test_a_real_bank_session_of_every_kind(make_app, store: ProgressStore) -> None:
    app = make_app(QuizRequest(count=12, seed=11), builtin=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert len(app.bank.questions) >= 190
        screen = app.screen
        for index in range(12):
            question = await answer(pilot, correctly=index % 3 != 0)
            assert screen.verdict is not None and screen.verdict.correct == (index % 3 != 0), question.id
            await pilot.press("n")
            await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.summary.overall.correct == 8
    assert store.attempt_count() == 12


async def test_a_real_bank_interview_at_60x20(make_app, store: ProgressStore) -> None:
    app = make_app(QuizRequest(mode="interview", count=4, seed=3), builtin=True)
    async with app.run_test(size=(60, 20)) as pilot:
        await ready(pilot)
        for _ in range(4):
            await answer(pilot)
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.summary.overall.correct == 4
    assert [attempt.mode for attempt in store.attempts()] == ["interview"] * 4
