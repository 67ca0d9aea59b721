"""A second start shows the home screen's counts in its first frame, from the cache's summary of the bank."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from normquiz.tui.widgets.picklist import PickList
from tests.tui.conftest import QuizApp, ready

HOUR_NS = 3600 * 10**9


@pytest.fixture
def aged_content(content_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture bank, its files an hour old (so that they are cached), with a cache of the test's own."""
    monkeypatch.setenv("NORMQUIZ_CACHE_DIR", str(tmp_path / "cache"))
    then = time.time_ns() - HOUR_NS
    for path in content_dir.rglob("*.yaml"):
        os.utime(path, ns=(then, then))
    return content_dir


def texts(app: QuizApp, selector: str) -> list[str]:
    options = app.screen.query_one(selector, PickList)
    return [str(options.get_option_at_index(index).prompt) for index in range(options.option_count)]


async def home_before_the_bank(app: QuizApp) -> tuple[list[str], list[str]]:
    """The menu's and the topic list's lines once the first frame is up, with the bank held back."""
    app.after_first_frame = lambda: None  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.bank is None
        return texts(app, "#menu"), texts(app, "#topics")


async def home_with_the_bank(app: QuizApp) -> tuple[list[str], list[str]]:
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        assert app.bank is not None
        return texts(app, "#menu"), texts(app, "#topics")


async def test_a_second_start_has_the_counts_before_the_bank_is_read(
        make_app: Callable[..., QuizApp], aged_content: Path) -> None:
    first_menu, first_topics = await home_with_the_bank(make_app())
    assert any(" q" in line and "…" not in line for line in first_menu)
    menu, topics = await home_before_the_bank(make_app())
    assert (menu, topics) == (first_menu, first_topics)  # counts, mastery and topics, all in the first frame


async def test_a_changed_file_waits_for_the_bank(make_app: Callable[..., QuizApp], aged_content: Path) -> None:
    await home_with_the_bank(make_app())
    changed = next(aged_content.rglob("*.yaml"))
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    menu, topics = await home_before_the_bank(make_app())
    assert any("… q" in line for line in menu)
    assert topics == ["Loading the questions…"]


async def test_the_summary_is_of_the_paths_loaded(make_app: Callable[..., QuizApp], aged_content: Path,
                                                  tmp_path: Path) -> None:
    await home_with_the_bank(make_app())
    other: dict[str, Any] = {"content_dirs": [aged_content, tmp_path / "more"]}
    menu, _ = await home_before_the_bank(make_app(**other))
    assert any("… q" in line for line in menu)
