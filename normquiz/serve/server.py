"""The web server: textual-serve's ``Server`` with an offline page, a guarded door, an app per tab, clean stops.

Differences from the stock server, and why:

- the page is ours (``templates/app_index.html``): it loads the Roboto Mono
  font textual-serve ships instead of a web font from the internet, and uses
  relative URLs, so it works offline and from other machines when bound to
  another address;
- every request must name the server by an allowed Host, and a websocket
  must come from the server's own page (``origin.py``): other web sites open
  in the user's browser cannot reach the app;
- at most ``--max-tabs`` tabs at once, each a ``TabProcess`` with its own
  temporary progress store (or the shared ``--data-dir``); what a page sends
  is checked first (``browser_messages.py``);
- the port is bound before anything is announced, so that "port in use" is
  one line, and SIGINT/SIGTERM end every tab's app and remove every
  temporary store before the server exits.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import shlex
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.server import Server, to_int

from normquiz.serve.browser_messages import Focus, Keys, Ping, Resize, parse_message, size_from_query
from normquiz.serve.settings import PROG, ServeSettings, exercises_warning, exposure_warning, is_loopback
from normquiz.serve.launcher import TabProcess
from normquiz.serve.origin import HostPolicy
from normquiz.serve.tab_stores import remove_abandoned_stores

log = logging.getLogger("normquiz.serve")

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
SHUTDOWN_TIMEOUT_SECONDS = 3.0
"""How long open connections may take to finish once every tab's app has ended."""
MAX_MESSAGE_BYTES = 1 << 20
"""The largest websocket message a page may send (a paste of text, not a file)."""
REPORTED_REFUSALS = 50
"""Refusals are logged once per origin or host, for this many of them (a page may retry forever)."""


class NormquizServer(Server):
    """Serves ``normquiz APP_ARGS`` to browsers, one app process per tab."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.app_args = settings.app_args
        self.shared_data_dir = settings.shared_data_dir
        super().__init__(self.describe(), host=settings.host, port=settings.port, title="normquiz",
                         templates_path=TEMPLATES_DIR)
        self.tabs: set[TabProcess] = set()
        """Every tab from its websocket's arrival until its app has ended and its store is gone."""
        self.stopping = False
        self.policy: HostPolicy | None = None  # once the port is known
        self._reported: set[str] = set()

    def describe(self) -> str:
        """What each tab runs, as a command a person would type."""
        return shlex.join(["normquiz", *self.app_args])

    # -- aiohttp hooks --------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._refuse_unknown_hosts)
        return app

    async def on_startup(self, app: web.Application) -> None:
        """Nothing: ``serve`` announces the address once the port is bound."""

    async def on_shutdown(self, app: web.Application) -> None:
        """End every tab's app (and remove the temporary stores) before the server stops."""
        self.stopping = True
        await self._end_every_tab()

    @web.middleware
    async def _refuse_unknown_hosts(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Answer only requests that name this server (DNS rebinding gives another name)."""
        host = request.headers.get("Host")
        if self.policy is None or not self.policy.allows_host(host):
            self._report(f"host {host!r}", f"refused a request for the address {host!r}: not one this "
                         "server answers to (see --allow-host)")
            return web.Response(status=403, text=self._host_refusal(host))
        return await handler(request)

    def _host_refusal(self, host: str | None) -> str:
        port = self.policy.port if self.policy is not None else self.port
        return (f"normquiz serve does not answer to the address {host!r}.\n"
                f"On the serving machine, open http://127.0.0.1:{port}/ instead; from elsewhere, "
                "ask whoever runs the server to name this address with --allow-host.\n"
                "(Only known addresses are answered, so that other web sites cannot reach the app "
                "through DNS rebinding.)\n")

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if self._full():
            return aiohttp_jinja2.render_template(
                "tabs_full.html", request, {"title": "normquiz", "max_tabs": self.settings.max_tabs},
                status=503)
        # Relative URLs only: the page then works for whatever address the
        # browser used (localhost, a LAN address, a reverse proxy).
        return aiohttp_jinja2.render_template("app_index.html", request, {
            "title": "normquiz",
            "font_size": min(max(to_int(request.query.get("fontsize", "16"), 16), 6), 64),
        })

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One tab: check who asks, start its app, relay keys and resizes until either side goes away."""
        origin = request.headers.get("Origin")
        assert self.policy is not None  # the middleware let the request through
        if not self.policy.allows_origin(origin, request.headers.get("Host")):
            self._report(f"origin {origin!r}", f"refused a websocket from a page of {origin!r}: "
                         "only the server's own page may open one")
            raise web.HTTPForbidden(text=(
                f"normquiz serve: refused a websocket from a page of {origin!r}: only the page this "
                "server sends may use the app, not other web sites.\n"))
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE_BYTES)
        await websocket.prepare(request)
        if self.stopping:
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"the server is stopping")
            return websocket
        if self._full():
            self._report("full", f"refused a tab: all {self.settings.max_tabs} tabs are in use (--max-tabs)")
            await websocket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=self._full_reason())
            return websocket
        width, height = size_from_query(request.query.get("width"), request.query.get("height"))
        tab = TabProcess(
            self.app_args, self.shared_data_dir, environment=self.settings.tab_environment(),
            on_ended=self._forget,
            write_bytes=websocket.send_bytes, write_str=websocket.send_str, close=websocket.close,
            download_manager=self.download_manager, debug=self.debug,
        )
        self.tabs.add(tab)  # no await since the checks above: the count cannot be overtaken
        try:
            await tab.start(width, height)
            log.info("tab opened (app pid %s); %d open", tab.pid, len(self.tabs))
            await self._relay(websocket, tab)
        except asyncio.CancelledError:
            pass
        except Exception as error:  # one tab's trouble, not the server's
            log.warning("a tab closed after an error: %r", error)
        finally:
            try:
                await tab.stop()
            finally:
                if not websocket.closed:
                    await websocket.close()
        return websocket

    def _forget(self, tab: TabProcess) -> None:
        if tab in self.tabs:
            self.tabs.discard(tab)
            log.info("tab closed; %d open", len(self.tabs))

    def _full(self) -> bool:
        return len(self.tabs) >= self.settings.max_tabs

    def _full_reason(self) -> bytes:
        # A close reason is at most 123 bytes (RFC 6455, section 5.5).
        return (f"all {self.settings.max_tabs} tabs of this server are in use: "
                "close one, then reload this page").encode()[:123]

    async def _relay(self, websocket: web.WebSocketResponse, tab: TabProcess) -> None:
        """Pass the page's messages to the app; what is not one of the page's messages is dropped."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            parsed = parse_message(message.data)
            if isinstance(parsed, Keys):
                await tab.send_bytes(parsed.text.encode("utf-8", "replace"))
            elif isinstance(parsed, Resize):
                await tab.set_terminal_size(parsed.width, parsed.height)
            elif isinstance(parsed, Ping):
                await websocket.send_json(["pong", parsed.text])
            elif isinstance(parsed, Focus):
                await (tab.focus() if parsed.focused else tab.blur())
            else:
                self._report("malformed", "ignored a websocket message that is not one the page sends "
                             f"(first seen: {message.data[:80]!r})")

    def _report(self, key: str, message: str) -> None:
        """Log ``message`` the first time ``key`` happens (for the first REPORTED_REFUSALS keys)."""
        if key not in self._reported and len(self._reported) < REPORTED_REFUSALS:
            self._reported.add(key)
            log.warning("%s", message)

    async def _end_every_tab(self) -> None:
        """End every tab, including any that began while others were ending."""
        while self.tabs:  # each tab leaves the set when it has ended
            await asyncio.gather(*(tab.stop() for tab in list(self.tabs)), return_exceptions=True)

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
            self.policy = HostPolicy.for_server(self.host, self._port(runner), self.settings.allow_hosts)
            self._remove_abandoned_stores()
            if not is_loopback(self.host):
                print(exposure_warning(self.host, self._port(runner)), file=sys.stderr, flush=True)
                if self.settings.allow_exercises:
                    print(exercises_warning(self.host), file=sys.stderr, flush=True)
            print(f"{PROG}: serving `{self.describe()}` on {self._address(runner)} "
                  f"({self._store_description()}); Ctrl-C to stop", flush=True)
            await stop.wait()
            self.stopping = True
            print(f"{PROG}: stopping: ending {len(self.tabs)} tab app(s)", flush=True)
        finally:
            self.stopping = True
            await runner.cleanup()
            # Handlers cancelled by the clean-up leave their tabs here: end them
            # before asyncio.run cancels whatever is still pending.
            await self._end_every_tab()
        return 0

    def _remove_abandoned_stores(self) -> None:
        removed = remove_abandoned_stores()
        if removed:
            log.info("removed %d tab store(s) left by a server that was killed", len(removed))

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


def serve_forever(settings: ServeSettings) -> int:
    """Run a ``NormquizServer`` until SIGINT or SIGTERM; the exit status."""
    logging.basicConfig(level=logging.INFO, format=f"{PROG}: %(message)s", stream=sys.stderr)
    # textual-serve logs through "textual-serve": keep its warnings, in our format.
    return asyncio.run(NormquizServer(settings).run())
