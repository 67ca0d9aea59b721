"""Headless Chromium driven over the DevTools protocol (CDP), kept off the internet.

Only loopback is reachable: every other request goes to a proxy on a closed
loopback port and host names do not resolve, so a page that needs the
internet fails here instead of quietly fetching it.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
START_TIMEOUT = 30.0
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    # Loopback bypasses the proxy implicitly; everything else meets a closed port.
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--remote-debugging-port=0", "--window-size=1280,800",
)


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return (f"chromium not installed: {CHROMIUM} is absent "
                "(on Debian: apt-get install -y chromium; .ci/run does this)")
    return None


class Chromium:
    """One headless Chromium with a new, empty profile; ``stop`` always ends it."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        profile.mkdir(parents=True, exist_ok=True)
        self.log = profile.parent / "chromium.log"
        self._log_handle = self.log.open("wb")
        self.process = subprocess.Popen(
            [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=self._log_handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def devtools_port(self, timeout: float = START_TIMEOUT) -> int:
        """The DevTools port Chromium picked, from the DevToolsActivePort file of its profile."""
        active_port = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"chromium exited ({self.process.returncode}):\n{self.log_text()}")
            try:
                first_line = active_port.read_text().splitlines()[0]
                return int(first_line)
            except (OSError, IndexError, ValueError):
                time.sleep(0.1)
        raise AssertionError(f"chromium gave no DevTools port within {timeout} s:\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
        finally:
            self._log_handle.close()
            shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """The DevTools session of one page: commands with replies, and the events seen."""

    def __init__(self, websocket: Any) -> None:
        self.websocket = websocket
        self.events: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, http: Any, devtools_port: int) -> Page:
        async with http.get(f"http://127.0.0.1:{devtools_port}/json/list") as response:
            targets = await response.json()
        page = next(target for target in targets if target["type"] == "page")
        websocket = await http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        return cls(websocket)

    async def _read(self) -> None:
        async for message in self.websocket:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self._replies:
                self._replies.pop(data["id"]).set_result(data)
            elif "method" in data:
                self.events.append(data)

    async def send(self, method: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        command_id = next(self._ids)
        reply = self._replies[command_id] = asyncio.get_running_loop().create_future()
        await self.websocket.send_json({"id": command_id, "method": method, "params": params})
        data = await asyncio.wait_for(reply, timeout)
        if "error" in data:
            raise AssertionError(f"{method} failed: {data['error']}")
        return data.get("result", {})

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                                 awaitPromise=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression!r} raised: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def press(self, key: str, code: str, key_code: int, text: str = "") -> None:
        """A key press as the keyboard sends it (down with its text, then up)."""
        down = {"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": key_code}
        if text:
            down["text"] = text
        await self.send("Input.dispatchKeyEvent", **down)
        await self.send("Input.dispatchKeyEvent", type="keyUp", key=key, code=code,
                        windowsVirtualKeyCode=key_code)

    async def screenshot(self, path: Path) -> None:
        result = await self.send("Page.captureScreenshot", format="png")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(result["data"]))

    def requested_urls(self) -> list[str]:
        return [event["params"]["request"]["url"] for event in self.events
                if event["method"] == "Network.requestWillBeSent"]

    async def close(self) -> None:
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)
        await self.websocket.close()
