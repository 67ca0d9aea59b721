"""A ``normquiz serve`` subprocess on a free loopback port, always stopped, and a websocket tab client."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import aiohttp

# What the home screen shows, and what it shows once the questions have loaded
# (a quiz cannot start before that).
HOME_PHRASE = "Practice, review, interview"
BANK_LOADED_PHRASE = "mastered"
FIRST_QUESTION = "Question 1 of"

START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
SERVING_LINE = re.compile(r"serving .* on (http://\S+/)")
APP_PID = re.compile(r"tab opened \(app pid (\d+)\)")
# CSI (with private parameters), OSC, and two-character escapes.
ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def serve_argv(*args: str) -> list[str]:
    """``normquiz serve ARGS`` with this interpreter."""
    return [sys.executable, "-m", "normquiz", "serve", *args]


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (ended, not yet reaped by its parent) counts as ended.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def wait_until(condition, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


class ServerProcess:
    """One server subprocess; its stdout and stderr are collected by threads."""

    def __init__(self, args: Sequence[str], *, tmpdir: Path, env: dict[str, str] | None = None) -> None:
        self.tmpdir = tmpdir
        environment = {**os.environ, "TMPDIR": str(tmpdir), **(env or {})}
        self.process = subprocess.Popen(
            serve_argv(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=environment)
        self._stdout_lines: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.url: str | None = None
        self.app_pids: list[int] = []
        threading.Thread(target=self._read, args=(self.process.stdout, self.stdout, True), daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self.stderr, False), daemon=True).start()

    def _read(self, stream, lines: list[str], forward: bool) -> None:
        for line in stream:
            lines.append(line)
            if forward:
                self._stdout_lines.put(line)
            if match := APP_PID.search(line):
                self.app_pids.append(int(match.group(1)))
        if forward:
            self._stdout_lines.put("")

    def wait_serving(self, timeout: float = START_TIMEOUT) -> str:
        """The page's URL, once the server says it is serving."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._stdout_lines.get(timeout=left)
            except queue.Empty:
                break
            if match := SERVING_LINE.search(line):
                self.url = match.group(1)
                return self.url
            if line == "":
                self.process.wait(timeout=5)
                raise AssertionError(f"the server exited ({self.process.returncode}) before serving:\n"
                                     f"{self.output()}")
        raise AssertionError(f"the server did not start within {timeout} s:\n{self.output()}")

    @property
    def origin(self) -> str:
        """The origin of the server's own page (what a browser sends with its websocket)."""
        assert self.url is not None
        return self.url.rstrip("/")

    @property
    def websocket_url(self) -> str:
        assert self.url is not None
        return "ws" + self.url.removeprefix("http") + "ws"

    def wait_exit(self, timeout: float = STOP_TIMEOUT) -> int:
        return self.process.wait(timeout=timeout)

    def output(self) -> str:
        return "".join(self.stdout) + "".join(self.stderr)

    def temporary_stores(self) -> set[Path]:
        return set(self.tmpdir.glob("normquiz-tab-*"))

    def signal(self, number: int) -> None:
        if self.process.poll() is None:
            self.process.send_signal(number)

    def stop(self) -> None:
        """SIGINT, then SIGKILL; then any app process the server left behind."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)
                try:
                    self.process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=STOP_TIMEOUT)
        finally:
            for pid in self.app_pids:
                if process_alive(pid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass


class Tab:
    """A browser tab without a browser: the page's websocket, with the text the app sent."""

    def __init__(self, websocket: aiohttp.ClientWebSocketResponse) -> None:
        import aiohttp

        self._types = aiohttp.WSMsgType
        self.websocket = websocket
        self.closed = False
        self.close_code: int | None = None
        self.close_reason = ""
        self._text: list[str] = []
        self._pending = bytearray()  # from the last escape on: it may continue in the next packet

    @property
    def text(self) -> str:
        """What the app sent so far, without escape sequences."""
        return "".join(self._text) + ANSI_ESCAPE.sub("", self._pending.decode("utf-8", "replace"))

    def _feed(self, data: bytes) -> None:
        # Strip each packet once (not the whole stream on every packet): up to
        # the last escape, which is left for when its sequence is complete.
        self._pending += data
        cut = self._pending.rfind(b"\x1b")
        if cut > 0:
            self._text.append(ANSI_ESCAPE.sub("", self._pending[:cut].decode("utf-8", "replace")))
            del self._pending[:cut]

    async def resize(self, width: int, height: int) -> None:
        await self.websocket.send_json(["resize", {"width": width, "height": height}])

    async def press(self, keys: str) -> None:
        await self.websocket.send_json(["stdin", keys])

    async def wait_for(self, *phrases: str, timeout: float = 20.0, after: int = 0) -> tuple[str, int]:
        """Read until one of ``phrases`` arrives after position ``after``: which one, and where it ends."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [(position, phrase) for phrase in phrases
                     if (position := self.text.find(phrase, after)) >= 0]
            if found:
                position, phrase = min(found)
                return phrase, position + len(phrase)
            left = deadline - loop.time()
            if left <= 0 or self.closed:
                tail = self.text[-1500:]
                raise AssertionError(f"none of {phrases} arrived within {timeout} s; the last text:\n{tail}")
            await self._receive(left)

    async def wait_closed(self, timeout: float = 15.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.closed:
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"the server did not close the tab within {timeout} s")
            await self._receive(left)

    async def _receive(self, timeout: float) -> None:
        try:
            message = await self.websocket.receive(timeout=timeout)
        except asyncio.TimeoutError:
            return
        types = self._types
        if message.type == types.BINARY:
            self._feed(message.data)
        elif message.type in (types.CLOSE, types.CLOSING, types.CLOSED, types.ERROR):
            self.closed = True
            if message.type == types.CLOSE:
                self.close_code, self.close_reason = message.data, message.extra or ""
