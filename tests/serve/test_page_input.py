"""A hostile page's sizes and messages against a real server: clamped or dropped, and the tab lives on."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from normquiz.serve.browser_messages import MAX_HEIGHT, MAX_WIDTH

from .server_process import BANK_LOADED_PHRASE, HOME_PHRASE, Tab, process_alive, wait_until

pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install 'normquiz[serve]')")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

HELP_PHRASE = "normquiz keys"
MALFORMED = [
    ["resize", {"width": "100", "height": "30"}],  # crashed the app, traceback in the server's output
    ["resize", {"width": -1, "height": -1}],
    ["resize", {"width": 100.5, "height": 30}],
    ["resize", {"width": True, "height": None}],
    ["resize", {"width": 100}],
    ["resize", "100x30"],
    ["stdin", 42],
    ["stdin"],
    ["quit"],
    ["ping", {"nested": [1, 2]}],
    [],
    {"type": "resize", "width": 1, "height": 1},
    "stdin",
]


def environment_of(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(entry.decode(errors="replace").partition("=")[::2] for entry in entries if entry)


def resident_megabytes(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


@linux_only
async def test_a_huge_size_in_the_url_is_clamped_before_the_app_starts(start_server, http) -> None:
    server = start_server()
    async with http.ws_connect(f"{server.websocket_url}?width=4000&height=1500",
                               origin=server.origin) as websocket:
        await Tab(websocket).wait_for(HOME_PHRASE)
        (pid,) = server.app_pids
        environment = environment_of(pid)
        assert (environment["COLUMNS"], environment["ROWS"]) == (str(MAX_WIDTH), str(MAX_HEIGHT))


@linux_only
async def test_malformed_messages_and_huge_resizes_leave_the_tab_working(start_server, open_tab) -> None:
    server = start_server()
    async with open_tab(server) as tab:
        await tab.wait_for(BANK_LOADED_PHRASE)
        (pid,) = server.app_pids
        for message in MALFORMED:
            await tab.websocket.send_str(json.dumps(message))
        for text in ("not json", "[" * 50000, '["resize", {"width": ' + "9" * 5000 + ', "height": 1}]'):
            await tab.websocket.send_str(text)
        await tab.websocket.send_bytes(b"\x00\xff binary")
        # 100000 x 100000 took 1.77 GB in 20 s, and climbing, before sizes were clamped.
        await tab.resize(4000, 1500)
        shown_before = len(tab.text)
        await tab.press("?")
        await tab.wait_for(HELP_PHRASE, after=shown_before)
        assert not tab.closed
        assert process_alive(pid)
        assert resident_megabytes(pid) < 600
    assert wait_until(lambda: "ignored a websocket message" in server.output(), timeout=5)
    assert "Traceback" not in server.output()
    assert server.output().count("ignored a websocket message") == 1, "logged once, not once per message"
