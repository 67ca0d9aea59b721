"""The server over HTTP and websockets: the offline page, one app and one store per tab, clean stops."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from .server_process import BANK_LOADED_PHRASE, FIRST_QUESTION, HOME_PHRASE, process_alive, wait_until

pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install 'normquiz[serve]')")

# The quiz screen's footer: "s Skip" when the skip key works, "tab Keys h s f"
# while typing an answer (tab leaves the text field).
SKIP_KEY, LEAVE_FIELD_KEY = "Skip", "Keys h s f"
CSS_LOAD = re.compile(r"""(?:url\(|@import)\s*["']?([^"')\s;]+)""")
LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""")


def attempts_in(data_dir: Path) -> int | None:
    """How many answers the store in ``data_dir`` holds; None while it cannot be read yet."""
    try:
        connection = sqlite3.connect(f"file:{data_dir / 'progress.sqlite3'}?mode=ro", uri=True, timeout=2)
        try:
            return connection.execute("SELECT count(*) FROM attempts").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:
        return None


async def test_page_works_offline(start_server, http) -> None:
    server = start_server()
    async with http.get(server.url) as response:
        assert response.status == 200
        page = await response.text()
    assert "fonts.googleapis" not in page
    assert not re.search(r"(?:https?:)?//[\w.-]+\.\w", page.replace("\\/", "/")), \
        "the page names an external address"
    links = [first or second for first, second in LINK.findall(page)]
    assert {"static/js/textual.js", "static/css/xterm.css",
            "static/fonts/RobotoMono-VariableFont_wght.ttf"} <= set(links)
    for link in links:
        async with http.get(server.url + link) as response:
            assert response.status == 200, link
            if link.endswith(".css"):
                loads = CSS_LOAD.findall(await response.text())
                assert not [url for url in loads if "//" in url], f"{link} loads from elsewhere"


async def test_a_tab_sees_the_home_screen(start_server, open_tab) -> None:
    server = start_server()
    async with open_tab(server) as tab:
        await tab.wait_for(HOME_PHRASE)


async def test_args_after_double_dash_choose_what_each_tab_runs(start_server, open_tab) -> None:
    server = start_server("--", "quiz", "--level", "basic", "--count", "2")
    assert "`normquiz quiz --level basic --count 2`" in server.output()
    async with open_tab(server) as tab:
        _, end = await tab.wait_for(FIRST_QUESTION)
        assert tab.text[end:].lstrip().startswith("2")


async def skip_current_question(tab, shown_at: int) -> None:
    """Skip the question shown at ``shown_at``, leaving the answer's text field first if need be;
    the skipped question's answer is shown, then n goes on."""
    key, end = await tab.wait_for(SKIP_KEY, LEAVE_FIELD_KEY, after=shown_at)
    if key == LEAVE_FIELD_KEY:
        await tab.press("\t")
        _, end = await tab.wait_for(SKIP_KEY, after=end)
    await tab.press("s")
    await tab.wait_for("Skipped", after=end)
    await tab.press("n")


async def test_each_tab_has_its_own_store_removed_when_it_closes(start_server, open_tab) -> None:
    server = start_server(env={"NORMQUIZ_DATA_DIR": "/nonexistent/the/server/env/is/not/used"})
    async with open_tab(server) as first:
        await first.wait_for(BANK_LOADED_PHRASE)
        (first_store,) = server.temporary_stores()
        async with open_tab(server) as second:
            await second.wait_for(HOME_PHRASE)
            (second_store,) = server.temporary_stores() - {first_store}
            await first.press("\r")  # the highlighted "Basic": a quiz starts
            _, shown_at = await first.wait_for(FIRST_QUESTION)
            await skip_current_question(first, shown_at)
            await first.wait_for("Question 2 of")
            assert wait_until(lambda: attempts_in(first_store) == 1, timeout=5)
            assert wait_until(lambda: attempts_in(second_store) == 0, timeout=10)
        assert wait_until(lambda: not second_store.exists(), timeout=10), "the closed tab's store is left"
        assert first_store.exists()
        assert attempts_in(first_store) == 1
    assert wait_until(lambda: not server.temporary_stores(), timeout=10)
    assert not [pid for pid in server.app_pids if process_alive(pid)]


@pytest.mark.parametrize("ending", ["quit", "kill"])
async def test_when_a_tab_app_ends_its_tab_closes_and_its_store_goes(start_server, open_tab, ending) -> None:
    """Whether the learner quits (q) or the process dies abruptly (SIGKILL), the server cleans up."""
    server = start_server()
    async with open_tab(server) as tab:
        await tab.wait_for(HOME_PHRASE)
        (store,) = server.temporary_stores()
        (pid,) = server.app_pids
        if ending == "quit":
            await tab.press("q")
        else:
            os.kill(pid, signal.SIGKILL)
        await tab.wait_closed()
        assert wait_until(lambda: not store.exists(), timeout=10)
        assert wait_until(lambda: not process_alive(pid), timeout=10)
    assert server.process.poll() is None, "the server keeps serving other tabs"


async def test_data_dir_is_shared_by_every_tab(start_server, open_tab, tmp_path) -> None:
    shared = tmp_path / "talk store"
    server = start_server("--data-dir", str(shared))
    async with open_tab(server) as first, open_tab(server) as second:
        await first.wait_for(HOME_PHRASE)
        await second.wait_for(HOME_PHRASE)
        assert wait_until((shared / "progress.sqlite3").is_file, timeout=10)
        assert not server.temporary_stores()
    assert len(server.app_pids) == 2
    assert shared.is_dir()


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_a_signal_stops_the_server_and_its_apps(start_server, open_tab, stop_signal) -> None:
    server = start_server()
    async with open_tab(server) as tab:
        await tab.wait_for(HOME_PHRASE)
        (store,) = server.temporary_stores()
        server.signal(stop_signal)
        exit_code, _ = await asyncio.gather(asyncio.to_thread(server.wait_exit), tab.wait_closed())
    assert exit_code == 0
    assert not process_alive(server.app_pids[0])
    assert not store.exists()
    assert "Traceback" not in server.output()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux only")
async def test_apps_end_even_when_the_server_is_killed(start_server, open_tab) -> None:
    server = start_server()
    async with open_tab(server) as tab:
        await tab.wait_for(HOME_PHRASE)
        (pid,) = server.app_pids
        server.signal(signal.SIGKILL)
        await asyncio.to_thread(server.wait_exit)
        assert wait_until(lambda: not process_alive(pid), timeout=10), "the app outlived its server"
