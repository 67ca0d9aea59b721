"""Other web sites cannot use the server: foreign origins, unknown hosts (DNS rebinding), and the tab cap.

Against a real server on loopback, with a real websocket client that sends
the headers a browser would send for an attacker's page.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from .server_process import HOME_PHRASE, Tab, wait_until

aiohttp = pytest.importorskip("aiohttp", reason="textual-serve is not installed (pip install 'normquiz[serve]')")
pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install 'normquiz[serve]')")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_of(server) -> int:
    return int(server.url.rstrip("/").rsplit(":", 1)[1])


async def refused_status(http, url: str, **options) -> int:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        async with http.ws_connect(url, **options):
            pass
    return refused.value.status


@pytest.mark.parametrize("origin", [
    "http://attacker.example",
    "OTHER_LOCAL_SERVER",  # a page of another server on this machine: another origin
    "null",  # a sandboxed frame or a file: page
    None,  # no Origin at all: not the page, which always sends one
])
async def test_a_websocket_not_from_the_servers_page_is_refused(start_server, http, origin) -> None:
    server = start_server()
    if origin == "OTHER_LOCAL_SERVER":
        origin = f"http://127.0.0.1:{free_port()}"
    assert await refused_status(http, server.websocket_url, origin=origin) == 403
    assert wait_until(lambda: f"refused a websocket from a page of {origin!r}" in server.output(), timeout=5)
    assert server.app_pids == []
    assert not server.temporary_stores()
    assert "Traceback" not in server.output()


async def test_dns_rebinding_an_unknown_host_is_refused_on_every_path(start_server, http) -> None:
    """A rebinding page reaches 127.0.0.1 under the attacker's name: its requests carry that Host."""
    server = start_server()
    rebound = f"attacker.example:{port_of(server)}"
    for path in ("", "static/js/textual.js"):
        async with http.get(server.url + path, headers={"Host": rebound}) as response:
            assert response.status == 403
            text = await response.text()
            assert f"does not answer to the address {rebound!r}" in text
            assert "DNS rebinding" in text
    assert await refused_status(http, server.websocket_url, origin=f"http://{rebound}",
                                headers={"Host": rebound}) == 403
    assert server.app_pids == []
    assert wait_until(lambda: f"refused a request for the address {rebound!r}" in server.output(), timeout=5)


async def test_loopback_names_are_answered(start_server, http) -> None:
    server = start_server()
    for name in ("127.0.0.1", "localhost", "[::1]"):
        async with http.get(server.url, headers={"Host": f"{name}:{port_of(server)}"}) as response:
            assert response.status == 200, name


async def test_an_allowed_host_gets_the_page_and_a_tab(start_server, http) -> None:
    server = start_server("--allow-host", "quiz.lan")
    host = f"quiz.lan:{port_of(server)}"
    async with http.get(server.url, headers={"Host": host}) as response:
        assert response.status == 200
    async with http.ws_connect(server.websocket_url, origin=f"http://{host}", headers={"Host": host}) as websocket:
        tab = Tab(websocket)
        await tab.resize(100, 30)
        await tab.wait_for(HOME_PHRASE)
    # The same name as another page's origin is still another origin.
    assert await refused_status(http, server.websocket_url, origin=f"http://{host}") == 403


async def test_more_tabs_than_max_tabs_get_a_clear_refusal(start_server, http, open_tab) -> None:
    server = start_server("--max-tabs", "2")
    async with open_tab(server) as first, open_tab(server) as second:
        await asyncio.gather(first.wait_for(HOME_PHRASE), second.wait_for(HOME_PHRASE))
        async with http.get(server.url) as response:
            assert response.status == 503
            page = await response.text()
        assert "All 2 tabs are in use" in page
        assert "--max-tabs" in page
        async with open_tab(server) as third:
            await third.wait_closed()
            assert third.close_code == 1013  # try again later
            assert third.close_reason == "all 2 tabs of this server are in use: close one, then reload this page"
        assert len(server.app_pids) == 2, "the refused tab started no app"
    # Once the tabs have closed, there is room again.
    assert wait_until(lambda: server.output().count("tab closed") == 2, timeout=15)
    async with http.get(server.url) as response:
        assert response.status == 200
    async with open_tab(server) as fourth:
        await fourth.wait_for(HOME_PHRASE)
    assert "Traceback" not in server.output()
