"""The web server: textual-serve's ``Server`` with an offline page, a process per tab, and clean stops.

Differences from the stock server, and why:

- the page is ours (``templates/app_index.html``): it loads the Roboto Mono
  font textual-serve ships instead of a web font from the internet, and uses
  relative URLs, so it works offline and from other machines when bound to
  another address;
- every websocket gets a ``TabProcess``: ``python -m normquiz`` with its own
  temporary progress store (or the shared ``--data-dir``);
- the port is bound before anything is announced, so that "port in use" is
  one line, and SIGINT/SIGTERM end every tab's app before the server exits.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import shlex
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from normquiz.serve.command import PROG, exposure_warning, is_loopback
from normquiz.serve.launcher import TabProcess

log = logging.getLogger("normquiz.serve")

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
SHUTDOWN_TIMEOUT_SECONDS = 3.0
"""How long open connections may take to finish once every tab's app has ended."""


class NormquizServer(Server):
    """Serves ``normquiz APP_ARGS`` to browsers, one app process per tab."""

    def __init__(self, app_args: Sequence[str], *, host: str, port: int,
                 shared_data_dir: Path | None = None) -> None:
        self.app_args = tuple(app_args)
        self.shared_data_dir = shared_data_dir
        super().__init__(self.describe(), host=host, port=port, title="normquiz",
                         templates_path=TEMPLATES_DIR)
        self.tabs: set[TabProcess] = set()

    def describe(self) -> str:
        """What each tab runs, as a command a person would type."""
        return shlex.join(["normquiz", *self.app_args])

    # -- aiohttp hooks --------------------------------------------------------------

    async def on_startup(self, app: web.Application) -> None:
        """Nothing: ``serve`` announces the address once the port is bound."""

    async def on_shutdown(self, app: web.Application) -> None:
        """End every tab's app (and remove the temporary stores) before the server stops."""
        await asyncio.gather(*(tab.stop() for tab in list(self.tabs)), return_exceptions=True)

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        # Relative URLs only: the page then works for whatever address the
        # browser used (localhost, a LAN address, a reverse proxy).
        return {
            "title": "normquiz",
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One tab: start its app, relay keys and resizes until either side goes away."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        tab = TabProcess(
            self.app_args, self.shared_data_dir,
            write_bytes=websocket.send_bytes, write_str=websocket.send_str, close=websocket.close,
            download_manager=self.download_manager, debug=self.debug,
        )
        self.tabs.add(tab)
        try:
            await tab.start(width, height)
            log.info("tab opened (app pid %s); %d open", tab.pid, len(self.tabs))
            await self._process_messages(websocket, tab)
        except asyncio.CancelledError:
            pass
        except Exception as error:  # one tab's trouble (a malformed message...), not the server's
            log.warning("a tab closed after an error: %r", error)
        finally:
            try:
                await tab.stop()
                if not websocket.closed:
                    await websocket.close()
            finally:
                self.tabs.discard(tab)
                log.info("tab closed; %d open", len(self.tabs))
        return websocket

    # -- running --------------------------------------------------------------------

    async def run(self) -> int:
        """Serve until SIGINT or SIGTERM; 1 when the address cannot be used."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signal_number, stop.set)
            except NotImplementedError:  # pragma: no cover - Windows: KeyboardInterrupt instead
                pass
        runner = web.AppRunner(await self._make_app(), handle_signals=False, access_log=None,
                               shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS)
        await runner.setup()
        try:
            try:
                site = web.TCPSite(runner, self.host, self.port)
                await site.start()
            except OSError as error:
                print(f"{PROG}: error: {self._bind_problem(error)}", file=sys.stderr)
                return 1
            if not is_loopback(self.host):
                print(exposure_warning(self.host, self._port(runner)), file=sys.stderr, flush=True)
            print(f"{PROG}: serving `{self.describe()}` on {self._address(runner)} "
                  f"({self._store_description()}); Ctrl-C to stop", flush=True)
            await stop.wait()
            print(f"{PROG}: stopping: ending {len(self.tabs)} tab app(s)", flush=True)
        finally:
            await runner.cleanup()
        return 0

    def _bind_problem(self, error: OSError) -> str:
        if error.errno == errno.EADDRINUSE:
            return (f"port {self.port} on {self.host} is already in use; "
                    "pick another with --port")
        if error.errno in (errno.EACCES, errno.EPERM):
            return (f"not allowed to listen on port {self.port} on {self.host}; "
                    "pick a port above 1023 with --port")
        reason = error.strerror or str(error)
        return f"cannot listen on {self.host} port {self.port}: {reason}; check --host and --port"

    def _port(self, runner: web.AppRunner) -> int:
        """The port listened on (the one the system picked for ``--port 0``)."""
        return int(runner.addresses[0][1]) if runner.addresses else self.port

    def _address(self, runner: web.AppRunner) -> str:
        host = str(runner.addresses[0][0]) if runner.addresses else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self._port(runner)}/"

    def _store_description(self) -> str:
        if self.shared_data_dir is None:
            return "each tab has its own temporary progress store"
        return f"every tab shares the progress store in {self.shared_data_dir}"


def serve_forever(app_args: Sequence[str], *, host: str, port: int,
                  shared_data_dir: Path | None = None) -> int:
    """Run a ``NormquizServer`` until SIGINT or SIGTERM; the exit status."""
    logging.basicConfig(level=logging.INFO, format=f"{PROG}: %(message)s", stream=sys.stderr)
    # textual-serve logs through "textual-serve": keep its warnings, in our format.
    server = NormquizServer(app_args, host=host, port=port, shared_data_dir=shared_data_dir)
    return asyncio.run(server.run())
