"""Reloading the question files mid-quiz, and the home screen's banner of problems and notices."""

from __future__ import annotations

from pathlib import Path

from normquiz.study.request import QuizRequest
from normquiz.tui.screens.home import HomeScreen
from tests.tui.conftest import QuizApp, answer, current_question, finish_quiz, ready


async def test_r_reloads_the_files_and_keeps_the_place(make_app, content_dir: Path) -> None:
    app = make_app(QuizRequest(levels=("basic",), seed=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await answer(pilot)
        await pilot.press("n")
        await pilot.pause()
        screen = app.screen
        position, question = screen.run.position, current_question(pilot)
        path = content_dir / "fixture.yaml"
        text = path.read_text()
        path.write_text(text.replace(question.prompt.strip().splitlines()[0],
                                     "EDITED " + question.prompt.strip().splitlines()[0]))
        (content_dir / "broken.yaml").write_text("topic: Broken\nquestions:\n  - id: Bad Id\n")
        if screen.focused is not None and screen.focused.id == "answer-input" and hasattr(screen.focused, "value"):
            await pilot.press("tab")
        await pilot.press("r")
        await ready(pilot)
        assert app.screen is screen and screen.run.position == position
        assert current_question(pilot).prompt.startswith("EDITED ")
        assert "EDITED " in screen.query_one("#prompt").source
        assert len(app.bank.problems) >= 1 and "broken.yaml" in str(app.bank.problems[0])
        await finish_quiz(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "broken.yaml" in str(app.screen.query_one("#banner").visual)


async def test_a_corrupt_database_is_announced_on_home(tmp_path: Path, content_dir: Path, monotonic) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "progress.sqlite3").write_bytes(b"this is not a database" * 100)
    app = QuizApp(content_dirs=[content_dir], include_builtin=False, data_dir=data_dir, clock=monotonic)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        banner = app.screen.query_one("#banner")
        assert banner.display
        assert "could not be read, so it was moved to" in str(banner.visual)
        app.store.close()
    assert len(list(data_dir.glob("progress.sqlite3.*"))) >= 1


async def test_an_unusable_data_directory_warns_that_progress_is_not_saved(tmp_path: Path, content_dir: Path,
                                                                          monotonic) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")  # a file where the data directory's parent should be stops even root
    app = QuizApp(content_dirs=[content_dir], include_builtin=False, data_dir=blocker / "normquiz",
                  clock=monotonic, start=QuizRequest(levels=("basic",), count=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await answer(pilot)  # the app keeps going in memory
        assert app.screen.verdict is not None
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("escape")  # the summary: home
        await pilot.pause()
        banner = app.screen.query_one("#banner")
        assert "Progress is not being saved" in str(banner.visual)
        assert app.store.attempt_count() == 1
        app.store.close()


async def test_home_counts_levels_and_lists_topics_and_demos(opened_demos) -> None:
    app, opened = opened_demos
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        menu = app.screen.query_one("#menu")
        assert "3 q" in str(menu.get_option("level:basic").prompt)
        assert "8 q" in str(menu.get_option("level:all").prompt)
        topics = app.screen.query_one("#topics")
        assert [option.id for option in topics.options] == ["tag:bn", "tag:ln"]
        await pilot.press("d", "down", "enter")
        assert opened == [("coupling", {})]
        await pilot.press("t", "down", "enter")
        await pilot.pause()
        assert app.screen.run.request.tags == ("ln",)


async def test_home_reads_the_progress_again_only_when_it_changed(make_app, wall_clock) -> None:
    app = make_app()
    read = app.progress_stats
    reads = []
    app.progress_stats = lambda: reads.append(1) or read()  # type: ignore[method-assign]

    async def back_home(*keys: str) -> str:
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        return str(app.screen.query_one("#menu").get_option("review").prompt)

    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert len(reads) == 1
        assert "Review due (0)" in await back_home("question_mark", "escape")  # help: nothing changed
        assert len(reads) == 1
        await pilot.press("enter")  # Basic
        await pilot.pause()
        await answer(pilot, correctly=False)
        await finish_quiz(pilot)
        assert "Review due (0)" in await back_home("escape")  # an answer: read again
        assert len(reads) == 2
        wall_clock.advance(hours=1)  # the wrong answer is due again
        assert "Review due (1)" in await back_home("question_mark", "escape")
        assert len(reads) == 3
