"""Fixtures for the serve tests: servers that are always stopped, tabs that are always closed."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from .server_process import ServerProcess, Tab

NEEDS_SERVE = "textual-serve is not installed (pip install 'normquiz[serve]')"

TAB_SIZE = (110, 32)


@pytest.fixture
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., ServerProcess]]:
    """Start ``normquiz serve --port 0 ARGS``; every server started is stopped after the test."""
    pytest.importorskip("textual_serve", reason=NEEDS_SERVE)
    servers: list[ServerProcess] = []

    def start(*args: str, env: dict[str, str] | None = None, wait: bool = True) -> ServerProcess:
        tmpdir = tmp_path_factory.mktemp("serve-tmp")
        has_port = any(arg == "--port" or arg.startswith("--port=") for arg in args)
        server = ServerProcess([*args] if has_port else ["--port", "0", *args], tmpdir=tmpdir, env=env)
        servers.append(server)
        if wait:
            server.wait_serving()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
async def http() -> AsyncIterator[Any]:
    aiohttp = pytest.importorskip("aiohttp", reason=NEEDS_SERVE)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


@pytest.fixture
def open_tab(http: Any) -> Callable[[ServerProcess], contextlib.AbstractAsyncContextManager[Tab]]:
    """``async with open_tab(server) as tab``: the page's websocket, sized like a terminal."""

    @contextlib.asynccontextmanager
    async def opened(server: ServerProcess) -> AsyncIterator[Tab]:
        width, height = TAB_SIZE
        async with http.ws_connect(f"{server.websocket_url}?width={width}&height={height}",
                                   origin=server.origin) as websocket:
            tab = Tab(websocket)
            await tab.resize(width, height)
            await websocket.send_json(["focus"])  # what the page sends once it has the keyboard
            yield tab

    return opened
