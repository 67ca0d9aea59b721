"""Bury (b: hidden until tomorrow) and suspend (x or the palette: hidden until unsuspended) in the app."""

from __future__ import annotations

from normquiz.study.request import QuizRequest
from normquiz.tui.screens.home import HomeScreen
from normquiz.tui.screens.quiz import QuizScreen
from normquiz.tui.widgets.picklist import PickList
from tests.tui.conftest import answer, current_question, finish_quiz, ready, visible_text


def start(question_ids: tuple[str, ...]) -> QuizRequest:
    return QuizRequest(question_ids=question_ids, seed=1)


def session_ids(app) -> list[str]:
    return [item.question.id for item in app.screen.run.session.items]


async def palette(pilot, command: str) -> None:
    await pilot.press("ctrl+p", *command)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause()


async def home_after_summary(pilot) -> None:
    await finish_quiz(pilot)
    await pilot.press("escape")  # the summary: back home
    await pilot.pause()
    assert isinstance(pilot.app.screen, HomeScreen)


async def test_b_buries_the_question_and_the_next_session_leaves_it_out(make_app, store) -> None:
    app = make_app(start(("t-single", "t-tf")))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("b")
        await pilot.pause()
        assert current_question(pilot).id == "t-tf"  # moved on
        assert len(app.screen.run) == 1  # and it left this session
        await answer(pilot)
        await home_after_summary(pilot)
        app.start_quiz(QuizRequest(count=50))
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen)
        assert "t-single" not in session_ids(app) and "t-tf" in session_ids(app)
    assert store.hidden_question_ids() == {"t-single"}
    assert store.attempt_count() == 1  # burying saved no answer


async def test_b_is_typed_in_a_text_field_not_a_bury(make_app, store) -> None:
    app = make_app(start(("t-short",)))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("b")
        await pilot.pause()
        assert current_question(pilot).id == "t-short"
    assert store.hidden_question_ids() == set()


async def test_suspend_from_the_quiz_and_unsuspend_from_home(make_app, store) -> None:
    app = make_app(start(("t-single", "t-tf")))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert current_question(pilot).id == "t-tf"
        await palette(pilot, "Suspend this question")
        assert store.suspended_question_ids() == ["t-single", "t-tf"]
        await home_after_summary(pilot)
        assert "Suspended (2) select to unsuspend all" in visible_text(app)
        app.start_quiz(QuizRequest(count=50))
        await pilot.pause()
        assert not {"t-single", "t-tf"} & set(session_ids(app))
        await home_after_summary(pilot)
        menu = app.screen.query_one("#menu", PickList)
        menu.focus()
        menu.highlighted = menu.get_option_index("unsuspend")
        await pilot.press("enter")
        await pilot.pause()
        assert store.suspended_question_ids() == []
        assert "Suspended" not in visible_text(app)


async def test_unsuspend_all_from_the_palette(make_app, store) -> None:
    store.suspend("t-tf")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert "Suspended (1)" in visible_text(app)
        await palette(pilot, "Unsuspend all")
        assert store.suspended_question_ids() == []
        assert "Suspended" not in visible_text(app)


async def test_a_suspended_question_asked_for_by_id_shows_and_x_unsuspends_it(make_app, store) -> None:
    store.suspend("t-tf")
    app = make_app(start(("t-tf",)))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert current_question(pilot).id == "t-tf"  # "jump to question" shows it anyway
        await pilot.press("x")
        await pilot.pause()
        assert current_question(pilot).id == "t-tf"  # unsuspended, still here to answer
    assert store.suspended_question_ids() == []


async def test_a_skip_is_not_counted_as_wrong_in_the_summary_and_the_stats(make_app, store) -> None:
    from normquiz.tui.screens.summary import SummaryScreen

    app = make_app(start(("t-single", "t-tf")))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("s", "n")  # skip (the answer shows), next
        await pilot.pause()
        await answer(pilot, correctly=True)
        await finish_quiz(pilot)
        assert isinstance(app.screen, SummaryScreen)
        shown = visible_text(app)
        assert "1 of 1 correct · 100% of the points" in shown and "· 1 skipped" in shown
        assert "Retry the 1 missed" in str(app.screen.query_one("#retry").label)
        stats = app.progress_stats()
        assert (stats.overall.answers, stats.overall.correct, stats.overall.skipped) == (1, 1, 1)
        assert all(value.accuracy in (None, 1.0) for value in stats.per_tag.values())
