"""Clean-up under churn: no tab's app outlives the server, no store is left or made again, none is readable by others.

Also: the app honours quit while it is still reading the question files,
and the stores a SIGKILLed server left are removed by the next server.
"""

from __future__ import annotations

import asyncio
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .server_process import HOME_PHRASE, Tab, process_alive, wait_until

aiohttp = pytest.importorskip("aiohttp", reason="textual-serve is not installed (pip install 'normquiz[serve]')")
pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install 'normquiz[serve]')")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

OWNER_FILE = "normquiz-serve.pid"


def processes_naming(text: str) -> list[int]:
    """Every running process whose command line contains ``text`` (a tab's store path names its server's tmpdir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes() and process_alive(int(entry.name)):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@linux_only
async def test_a_tab_store_is_private_and_names_its_server_and_app(start_server, open_tab) -> None:
    server = start_server()
    async with open_tab(server) as tab:
        await tab.wait_for(HOME_PHRASE)
        (store,) = server.temporary_stores()
        (pid,) = server.app_pids
        assert stat.S_IMODE(store.stat().st_mode) == 0o700
        assert (store / OWNER_FILE).read_text() == f"server {server.process.pid}\napp {pid}\n"
        # Whatever the app creates is this user's only, even a folder made again.
        umask = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                     if line.startswith("Umask:"))
        assert umask.split()[1] == "0077"


QUIT_WHILE_LOADING = textwrap.dedent("""\
    import sys, threading
    from pathlib import Path
    import normquiz.bank

    reading = threading.Event()

    def never_done(*args, **kwargs):  # question files that take forever to read
        reading.set()
        threading.Event().wait()

    normquiz.bank.load_bank = never_done
    from normquiz.tui.app import NormquizApp

    async def quit_while_reading(pilot):
        while not reading.is_set():
            await pilot.pause(0.05)
        await pilot.press("q")

    NormquizApp(data_dir=Path(sys.argv[1])).run(headless=True, auto_pilot=quit_while_reading)
    print("quit")
""")


def test_quit_is_honoured_while_the_bank_loads(tmp_path) -> None:
    """The process used to wait for the files to be read: a tab closed early was terminated after 3 s."""
    try:
        result = subprocess.run([sys.executable, "-c", QUIT_WHILE_LOADING, str(tmp_path / "data")],
                                capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError("the app did not exit after q while the question files were being read") from None
    assert result.stdout == "quit\n", result.stderr
    assert result.returncode == 0


async def close_after(http, server, delay: float) -> None:
    try:
        async with http.ws_connect(f"{server.websocket_url}?width=80&height=24", origin=server.origin):
            await asyncio.sleep(delay)
    except aiohttp.ClientError:
        pass  # the server is busy ending tabs: fine, this is churn


@linux_only
async def test_churn_then_sigterm_leaves_no_store_and_no_process(start_server, http) -> None:
    tabs = 6
    server = start_server("--max-tabs", str(tabs))
    delays = [0.0, 0.05, 0.2, 0.5, 1.0, 2.0]  # closed at every stage of an app's start
    for _ in range(3):
        await asyncio.gather(*(close_after(http, server, delay) for delay in delays))
    # Then SIGTERM while a round of tabs is still starting.
    sockets = [await http.ws_connect(server.websocket_url, origin=server.origin) for _ in range(tabs)]
    await asyncio.sleep(0.3)
    server.signal(signal.SIGTERM)
    try:
        assert await asyncio.to_thread(server.wait_exit, 60) == 0
    finally:
        for websocket in sockets:
            await websocket.close()
    assert len(server.app_pids) >= tabs, server.output()
    assert not server.temporary_stores(), "a tab store was left (or made again)"
    assert processes_naming(str(server.tmpdir)) == [], "a tab's app outlived the server"


@linux_only
async def test_stores_left_by_a_killed_server_are_removed_by_the_next(start_server, open_tab, tmp_path) -> None:
    killed = start_server()
    async with open_tab(killed) as tab:
        await tab.wait_for(HOME_PHRASE)
        (left,) = killed.temporary_stores()
        killed.signal(signal.SIGKILL)
        await asyncio.to_thread(killed.wait_exit)
    (app_pid,) = killed.app_pids
    assert wait_until(lambda: not process_alive(app_pid), timeout=15), "the app outlived its killed server"
    assert left.is_dir()
    unknown = killed.tmpdir / "normquiz-tab-made-by-hand"  # no owner file: not known to be abandoned
    unknown.mkdir()

    running = start_server(env={"TMPDIR": str(killed.tmpdir)})
    async with open_tab(running) as tab:
        await tab.wait_for(HOME_PHRASE)
        (in_use,) = set(killed.tmpdir.glob("normquiz-tab-*")) - {left, unknown}
        next_server = start_server(env={"TMPDIR": str(killed.tmpdir)})
        assert "removed 1 tab store(s) left by a server that was killed" in running.output()
        assert not left.exists()
        assert in_use.is_dir(), "the store of a running server's tab was removed"
        assert unknown.is_dir()
        assert "removed" not in next_server.output()


async def _ignore(*_: object) -> None:
    """The websocket side of a tab, for a tab driven without one."""


@pytest.mark.parametrize("closing", ["stopped while starting", "start cancelled"])
async def test_a_tab_closed_while_its_app_is_starting_still_ends_it(tmp_path, monkeypatch, closing) -> None:
    """The tab closing (or the server stopping) while the process is being made used to orphan it.

    The orphan then made its removed store again, with default permissions,
    and outlived the server.
    """
    import tempfile

    from textual_serve.download_manager import DownloadManager

    from normquiz.serve.launcher import TabProcess

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    tab = TabProcess((), None, write_bytes=_ignore, write_str=_ignore, close=_ignore,
                     download_manager=DownloadManager())
    starting = asyncio.ensure_future(tab.start(80, 24))
    for _ in range(10000):  # until the store is made: the process is being created then
        if list(tmp_path.glob("normquiz-tab-*")):
            break
        await asyncio.sleep(0)
    assert not starting.done(), "the test did not catch the start under way"
    if closing == "start cancelled":
        starting.cancel()
        await asyncio.gather(starting, return_exceptions=True)
        await asyncio.wait_for(tab.stop(), 60)
    else:
        await asyncio.wait_for(asyncio.gather(starting, tab.stop()), 60)
    assert tab.pid is not None, "the app was started"
    assert not process_alive(tab.pid), "the app outlived its tab"
    assert not list(tmp_path.glob("normquiz-tab-*"))


@pytest.mark.parametrize("ending", ["tab closed", "app quit"])
async def test_an_apps_stderr_is_one_line_when_its_tab_closed_and_in_full_when_it_ended_itself(
        tmp_path, monkeypatch, caplog, capsys, ending) -> None:
    """textual-serve copied all of it into the server's output: a tab closed mid-start printed tracebacks."""
    import logging
    import tempfile

    from textual_serve.download_manager import DownloadManager

    from normquiz.serve.launcher import TabProcess

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    drawn = asyncio.Event()

    async def screen(data: bytes) -> None:
        drawn.set()

    # Import timings: plenty of stderr from the app alone, on every start.
    tab = TabProcess((), None, environment={"PYTHONPROFILEIMPORTTIME": "1"}, write_bytes=screen,
                     write_str=_ignore, close=_ignore, download_manager=DownloadManager())
    caplog.set_level(logging.INFO, logger="normquiz.serve")
    await tab.start(80, 24)
    await asyncio.wait_for(drawn.wait(), 60)
    if ending == "app quit":
        await tab.send_bytes(b"q")
        await asyncio.wait_for(tab._process.wait(), 60)
    await asyncio.wait_for(tab.stop(), 60)
    assert "import time:" not in capsys.readouterr().out
    (record,) = [record for record in caplog.records if "stderr" in record.getMessage()]
    if ending == "tab closed":
        assert record.levelname == "INFO"
        assert "ended as its tab closed" in record.getMessage()
        assert record.getMessage().count("\n") == 0
    else:
        assert record.levelname == "WARNING"
        assert record.getMessage().count("import time:") > 50
