"""The learner's flow (issue 11): nothing hidden, nothing lost, one meaning of escape."""

from __future__ import annotations

import pytest
from textual.geometry import Region
from textual.widget import Widget

from normquiz.study.request import QuizRequest
from normquiz.tui.modals.confirm import ConfirmScreen
from normquiz.tui.screens.home import HomeScreen
from normquiz.tui.screens.quiz import QuizScreen
from normquiz.tui.screens.summary import SummaryScreen
from normquiz.tui.widgets.answers import KeyPointChecklist, MultiChoiceAnswer
from tests.tui.conftest import answer, current_question, ready, visible_text


def widget_text(widget: Widget) -> str:
    """What ``widget`` draws inside its border, its lines joined with single spaces."""
    width, height = widget.outer_size
    lines = widget.render_lines(Region(0, 0, width, height))
    text = " ".join(line.text for line in lines)
    return " ".join(text.translate(str.maketrans("", "", "│╭╮╰╯─")).split())


def shows_in_full(widget: Widget) -> bool:
    """Nothing of ``widget`` is scrolled away inside it."""
    return widget.max_scroll_y == 0 and widget.max_scroll_x == 0


def in_view(screen: QuizScreen, widget: Widget) -> bool:
    """All of ``widget`` lies in the visible part of the quiz body."""
    body = screen.query_one("#body")
    return body.scrollable_content_region.contains_region(widget.region)


def start(question_ids: tuple[str, ...], **request) -> QuizRequest:
    return QuizRequest(question_ids=question_ids, seed=1, **request)


@pytest.mark.parametrize("size", [(100, 30), (80, 24), (60, 20)])
async def test_multiple_choice_options_wrap_and_are_read_in_full(make_app, size) -> None:
    app = make_app(start(("ln-properties",)), builtin=True)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        widget = app.screen.query_one(MultiChoiceAnswer)
        assert shows_in_full(widget)
        shown = widget_text(widget)
        assert "…" not in shown
        for choice in current_question(pilot).choices:
            assert " ".join(choice.text.split()) in shown, (choice.text, shown)


async def test_key_points_wrap_and_the_checklist_is_in_view_and_focused(make_app) -> None:
    app = make_app(start(("dyn-why-bn-helps-open",)), builtin=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        await pilot.press(*"Smoother loss landscape.", "ctrl+s")
        await pilot.pause()
        await pilot.pause()
        checklist = screen.query_one(KeyPointChecklist)
        assert screen.focused is checklist
        assert in_view(screen, checklist)
        assert shows_in_full(checklist)
        shown = widget_text(checklist)
        for point in current_question(pilot).key_points:
            assert " ".join(point.split()) in shown
        # Enter with nothing ticked does not score 0% unseen: it asks first.
        await pilot.press("enter")
        await pilot.pause()
        assert screen.phase == "assessing"
        assert "No key point ticked" in visible_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.phase == "verdict" and screen.verdict.score == 0


async def test_after_a_verdict_the_next_choice_list_has_its_full_height(make_app) -> None:
    app = make_app(start(("bn-why-eps", "fam-gn-axes")), builtin=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await answer(pilot)
        await pilot.press("n")
        await pilot.pause()
        await pilot.pause()
        assert current_question(pilot).id == "fam-gn-axes"
        choices = app.screen.query_one("#answer-input")
        assert shows_in_full(choices)
        assert choices.region.height - 2 == choices.virtual_size.height  # inside its border


async def test_hints_keep_the_focus_and_enter_with_nothing_picked_says_so(make_app) -> None:
    app = make_app(start(("t-single", "t-numeric")))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        await pilot.press("enter")
        await pilot.pause()
        assert screen.phase == "answering"
        assert "Pick an answer first" in visible_text(app)
        choices = screen.focused
        await pilot.press("h", "h")
        await pilot.pause()
        assert screen.focused is choices
        assert "Hint 2:" in visible_text(app)
        await answer(pilot)
        await pilot.press("n")
        await pilot.pause()
        field = screen.query_one("#answer-input")
        assert screen.focused is field
        await pilot.press("tab", "h")  # tab leaves the field, so h is a hint, not a letter
        await pilot.pause()
        assert "Hint 1: A scale and a shift." in visible_text(app)
        assert field.value == ""
        assert screen.focused is not field


async def test_escape_asks_before_ending_a_quiz_with_questions_left(make_app, store) -> None:
    app = make_app(QuizRequest(levels=("basic",), seed=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        quiz = app.screen
        await answer(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "2 questions are left" in str(app.screen.query_one("#confirm-detail").render())
        await pilot.press("escape")  # escape is "back" here too: back to the quiz
        await pilot.pause()
        assert app.screen is quiz and quiz.phase == "verdict"
        await pilot.press("q")  # quitting asks too
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is quiz and app.is_running
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.summary.overall.asked == 1
        await pilot.press("escape")  # summary -> home
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        # The summary is not lost: home offers it again.
        menu = app.screen.query_one("#menu")
        menu.highlighted = menu.get_option_index("last-summary")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen) and app.screen.summary.overall.asked == 1
    assert store.attempt_count() == 1


async def test_escape_after_the_last_verdict_ends_without_asking(make_app) -> None:
    app = make_app(start(("t-tf",)))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await answer(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)


async def test_the_palette_reopens_the_last_summary(make_app) -> None:
    app = make_app(start(("t-tf",)))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        app.open_last_summary()
        await pilot.pause()
        assert not isinstance(app.screen, SummaryScreen)  # none yet: a notice
        await answer(pilot)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"last summary")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)


async def test_u_takes_back_a_slip_and_asks_again(make_app, store) -> None:
    app = make_app(start(("t-tf", "t-single")))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        await answer(pilot, correctly=False)
        assert store.attempt_count() == 1 and store.review_states()
        await pilot.press("u")
        await pilot.pause()
        assert screen.phase == "answering" and current_question(pilot).id == "t-tf"
        assert store.attempt_count() == 0 and store.review_states() == {}
        await answer(pilot, correctly=True)
        assert screen.verdict.correct
        await pilot.press("n")
        await pilot.pause()
        assert not screen.check_action("undo", ())  # the last answer is behind us now
    assert [(a.question_id, a.correct) for a in store.attempts()] == [("t-tf", True)]


async def test_skip_shows_the_answer_as_a_skip_and_the_bar_shows_progress(make_app, store) -> None:
    app = make_app(start(("t-single", "t-tf")))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert "░" * 10 in str(screen.query_one("#status").visual)  # nothing answered yet
        await pilot.press("s")
        await pilot.pause()
        assert screen.phase == "verdict" and screen.verdict is None
        assert "Skipped" in str(screen.query_one("#verdict-title").visual)
        assert "Axis 0, over the examples" in visible_text(app)  # the answer
        assert "█" * 5 + "░" * 5 in str(screen.query_one("#status").visual)  # one of two
        assert not screen.check_action("undo", ())  # a skip is not taken back
        await pilot.press("n")
        await pilot.pause()
        assert current_question(pilot).id == "t-tf"
    assert [(a.question_id, a.response) for a in store.attempts()] == [("t-single", {"skipped": True})]


async def test_under_the_lists_home_says_what_the_highlighted_entry_does(make_app) -> None:
    from normquiz.progress import MASTERY_STABILITY_DAYS

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)

        def about() -> str:
            return " ".join(str(app.screen.query_one("#about").render()).split())

        assert about().startswith("mastered:") and f"{MASTERY_STABILITY_DAYS:g} days" in about()
        menu = app.screen.query_one("#menu")
        menu.highlighted = menu.get_option_index("interview")
        await pilot.pause()
        assert about().startswith("Mixed levels, a countdown per question")
        await pilot.press("t", "down")  # the second topic
        await pilot.pause()
        topics = app.screen.query_one("#topics")
        tag = topics.highlighted_option.id.partition(":")[2]
        count = int(str(topics.highlighted_option.prompt).split()[-1])
        assert about().startswith(f"A quiz on {tag}: {count} question")
        await pilot.press("d", "down")
        await pilot.pause()
        from normquiz.bank.demos import DEMOS

        assert about() == list(DEMOS.values())[1].description
        await pilot.press("shift+tab", "shift+tab")  # back to the menu: its entry again
        await pilot.pause()
        assert about().startswith("Mixed levels")
        await pilot.press("question_mark")  # the help defines mastered too, the same way
        await pilot.pause()
        help_text = " ".join(app.screen.query_one("#help-text").source.split())
        assert "*mastered* (home, stats) when its latest answer was right" in help_text
        assert f"a stability of {MASTERY_STABILITY_DAYS:g} days or more" in help_text


async def test_after_an_open_question_the_learner_rates_the_recall(make_app, store) -> None:
    from normquiz.progress.scheduling import Rating

    app = make_app(start(("t-open",)))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await answer(pilot, correctly=False)  # no key point ticked: Again
        screen = app.screen
        assert "How well did you know it? 1 Again · 2 Hard · 3 Good · 4 Easy" in visible_text(app)
        assert store.attempts()[0].rating == Rating.Again
        await pilot.press("3")
        await pilot.pause()
        assert store.attempts()[0].rating == Rating.Good
        assert "you rated it Good" in visible_text(app)
        assert screen.phase == "verdict"


async def test_the_theme_is_remembered_between_runs(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert app.theme == "normquiz"
        app.theme = "textual-light"  # as the palette's "Change theme" does
        await pilot.pause()
    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert again.theme == "textual-light"
        from textual.color import Color

        # In its colours from the first frame, not only in name.
        light = Color.parse(again.get_theme("textual-light").background)
        assert again.screen.styles.background == light != Color.parse(again.get_theme("normquiz").background)


async def test_a_quiz_quit_mid_way_is_offered_again_on_the_next_start(make_app, store) -> None:
    first = make_app(QuizRequest(levels=("basic",), seed=2))
    async with first.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        asked = [item.question.id for item in first.screen.run.session.items]
        await answer(pilot)
    # The app ended without the summary, as if the terminal was closed.
    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        menu = again.screen.query_one("#menu")
        assert menu.highlighted == menu.get_option_index("resume")
        assert "1 of 3 done" in str(menu.get_option("resume").prompt)
        assert str(again.screen.query_one("#about").render()).startswith("Carry on with the quiz you left")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(again.screen, QuizScreen)
        assert [item.question.id for item in again.screen.run.session.items] == asked[1:]
        assert again.resumable is None
        assert store.last_unfinished_session().id == again.screen.run.session_id  # the old one is closed
