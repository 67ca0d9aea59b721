"""A real browser: headless Chromium loads the page offline, starts a quiz by a key press, shows a question.

xterm.js draws the terminal on a canvas, so the text is read from xterm.js's
own buffer (what the canvas draws) through the page's read-only hook
``window.normquiz.screenText()``. Set NORMQUIZ_SERVE_SCREENSHOT=PATH to keep
a screenshot of the browser showing the question.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from normquiz.bank import load_bank

from .chromium import Chromium, Page, chromium_missing_reason
from .server_process import BANK_LOADED_PHRASE, FIRST_QUESTION, HOME_PHRASE

pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install 'normquiz[serve]')")

WORD = re.compile(r"\w+")
SCREEN_TEXT = "window.normquiz.screenText()"
ROBOTO_MONO_LOADED = "[...document.fonts].some(f => f.family.includes('Roboto Mono') && f.status === 'loaded')"


def opening_words(prompt: str, count: int = 4) -> tuple[str, ...]:
    """The first words of a prompt as the screen shows them (no Markdown, before any template field)."""
    return tuple(WORD.findall(prompt.split("{{")[0])[:count])


def shows_words(screen: str, words: tuple[str, ...]) -> bool:
    shown = WORD.findall(screen)
    return any(tuple(shown[i:i + len(words)]) == words for i in range(len(shown)))


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Chromium]:
    if (reason := chromium_missing_reason()) is not None:
        pytest.skip(reason)
    browser = Chromium(tmp_path / "chromium-profile")
    try:
        yield browser
    finally:
        browser.stop()


async def wait_for_screen(page: Page, predicate, what: str, timeout: float = 30.0) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    screen = None
    while loop.time() < deadline:
        screen = await page.evaluate(f"window.normquiz ? {SCREEN_TEXT} : null")
        if screen is not None and predicate(screen):
            return screen
        await asyncio.sleep(0.2)
    raise AssertionError(f"the browser did not show {what} within {timeout} s; it showed:\n{screen}")


async def test_a_browser_starts_a_quiz_and_shows_its_first_question(start_server, chromium, http) -> None:
    basic_openings = {opening_words(question.prompt) for question in load_bank([]).questions
                      if question.level == "basic"}
    server = start_server()
    page = await Page.open(http, await asyncio.to_thread(chromium.devtools_port))
    try:
        await page.send("Network.enable")
        # As in a person's browser, the window has focus (headless windows have none).
        await page.send("Emulation.setFocusEmulationEnabled", enabled=True)
        await page.send("Page.navigate", url=server.url)
        await wait_for_screen(page, lambda screen: HOME_PHRASE in screen and BANK_LOADED_PHRASE in screen,
                              "the home screen with the questions loaded")
        assert await page.evaluate(ROBOTO_MONO_LOADED), "the page did not load the Roboto Mono font it ships"

        # The page gives the terminal the keyboard by itself: no click first.
        assert await page.evaluate("document.activeElement.className") == "xterm-helper-textarea"
        await page.press("Enter", "Enter", 13, "\r")  # the highlighted "Basic": a quiz starts
        screen = await wait_for_screen(
            page, lambda screen: FIRST_QUESTION in screen
            and any(shows_words(screen, words) for words in basic_openings),
            "the first question of a basic quiz")
        assert re.search(r"^\s*basic · ", screen, re.MULTILINE), screen

        if target := os.environ.get("NORMQUIZ_SERVE_SCREENSHOT"):
            await asyncio.sleep(0.5)  # the last frame painted
            await page.screenshot(Path(target))
        requested = page.requested_urls()
        assert requested, "no request was seen"
        assert [url for url in requested if not url.startswith(server.url)] == []
    finally:
        await page.close()


ATTACKER_PAGE = """<!DOCTYPE html>
<html><head><title>another site</title><script>
  // What a page of another web site can try: open the app's websocket from the user's browser.
  window.attempt = new Promise((resolve) => {
    const socket = new WebSocket("WEBSOCKET_URL");
    socket.onopen = () => resolve("open");
    socket.onmessage = () => resolve("message");
    socket.onerror = () => resolve("error");
    socket.onclose = (event) => resolve("closed " + event.code);
  });
</script></head><body>another site</body></html>
"""


async def test_a_page_of_another_site_cannot_open_the_apps_websocket(start_server, chromium, http) -> None:
    from aiohttp import web

    server = start_server()
    attacker = web.Application()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=ATTACKER_PAGE.replace("WEBSOCKET_URL", server.websocket_url),
                            content_type="text/html")

    attacker.router.add_get("/", page)
    runner = web.AppRunner(attacker)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    attacker_origin = f"http://127.0.0.1:{runner.addresses[0][1]}"
    page_session = await Page.open(http, await asyncio.to_thread(chromium.devtools_port))
    try:
        await page_session.send("Page.navigate", url=attacker_origin + "/")
        outcome = None
        for _ in range(100):  # until the page has run its script
            if await page_session.evaluate("typeof window.attempt") == "object":
                outcome = await page_session.evaluate("window.attempt")
                break
            await asyncio.sleep(0.2)
        assert outcome == "error", outcome  # the handshake was refused: the socket never opened
    finally:
        await page_session.close()
        await runner.cleanup()
    assert f"refused a websocket from a page of {attacker_origin!r}" in server.output()
    assert server.app_pids == [], "no app was started for the other site"


async def test_the_page_shows_why_the_server_closed_its_websocket(start_server, chromium, http) -> None:
    """All tabs in use: the reason the server gives reaches the page's "Session ended" box."""
    server = start_server("--max-tabs", "1")
    page = await Page.open(http, await asyncio.to_thread(chromium.devtools_port))
    try:
        await page.send("Page.navigate", url=server.url)
        await wait_for_screen(page, lambda screen: HOME_PHRASE in screen, "the home screen")
        # The one tab is this page's; one more websocket, as a second tab opening at once would.
        await page.evaluate(f"new WebSocket({server.websocket_url!r})")
        expected = "all 1 tabs of this server are in use: close one, then reload this page"
        for _ in range(100):
            if await page.evaluate("window.normquiz.closeReason()") == expected:
                break
            await asyncio.sleep(0.2)
        assert await page.evaluate("window.normquiz.closeReason()") == expected
        assert await page.evaluate("document.getElementById('closed-reason').textContent") == expected
    finally:
        await page.close()
