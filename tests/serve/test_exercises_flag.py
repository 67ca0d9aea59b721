"""Learners' code runs only with --allow-exercises: otherwise every tab's app is told NORMQUIZ_EXERCISES=disabled."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .server_process import HOME_PHRASE, wait_until

pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install 'normquiz[serve]')")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def exercises_setting(pid: int) -> str | None:
    """NORMQUIZ_EXERCISES in the environment the process started with."""
    for entry in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
        name, _, value = entry.decode(errors="replace").partition("=")
        if name == "NORMQUIZ_EXERCISES":
            return value
    return None


@linux_only
@pytest.mark.parametrize(("options", "server_setting", "tab_setting"), [
    ((), None, "disabled"),
    ((), "enabled", "disabled"),  # the server's own environment does not get around it
    (("--allow-exercises",), None, None),
    (("--allow-exercises",), "enabled", "enabled"),
], ids=["default", "default-over-env", "allowed", "allowed-keeps-env"])
async def test_the_exercises_setting_reaches_every_tab(start_server, open_tab, options, server_setting,
                                                       tab_setting) -> None:
    env = {"NORMQUIZ_EXERCISES": server_setting} if server_setting else None
    server = start_server(*options, env=env)
    async with open_tab(server) as first, open_tab(server) as second:
        await first.wait_for(HOME_PHRASE)
        await second.wait_for(HOME_PHRASE)
        assert len(server.app_pids) == 2
        assert [exercises_setting(pid) for pid in server.app_pids] == [tab_setting, tab_setting]


def test_exercises_on_another_host_are_warned_about(start_server) -> None:
    server = start_server("--host", "0.0.0.0", "--allow-exercises")
    assert wait_until(lambda: any("--allow-exercises" in line for line in server.stderr), timeout=5)
    (warning,) = [line for line in server.stderr if "--allow-exercises" in line]
    assert warning.startswith("normquiz serve: warning: --allow-exercises with --host 0.0.0.0: anyone who "
                              "can open the page can run Python code on this machine")


def test_no_exercise_warning_on_loopback(start_server) -> None:
    server = start_server("--allow-exercises")
    assert not [line for line in server.stderr if "warning" in line]
