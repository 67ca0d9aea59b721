"""What a tab's page may send the server: terminal sizes and the messages of textual.js, checked.

The page is not trusted: any program can open the websocket and send
anything. Sizes come from the URL (``?width=&height=``) and from resize
messages; both are clamped to what a screen can show, because the app
allocates per cell (a 100000 x 100000 tab took 1.77 GB in 20 s). Anything
that is not one of the page's own messages is ignored, never passed on to
the app (a resize with strings used to crash it).

Only the standard library is used here.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

# A 4K screen with a 7-pixel-wide font is about 550 columns; a phone held
# upright about 35. Below the minimums the app has no room to say anything.
MIN_WIDTH, MAX_WIDTH = 20, 600
MIN_HEIGHT, MAX_HEIGHT = 6, 250
DEFAULT_SIZE = (80, 24)
MAX_PING_CHARACTERS = 64
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,12}")


def clamp_size(width: int, height: int) -> tuple[int, int]:
    """``(width, height)`` moved into the allowed range."""
    return (min(max(width, MIN_WIDTH), MAX_WIDTH), min(max(height, MIN_HEIGHT), MAX_HEIGHT))


def size_from_query(width: str | None, height: str | None) -> tuple[int, int]:
    """The size in the websocket URL: whole numbers clamped, anything else (or nothing) the default."""
    values = []
    for text, default in zip((width, height), DEFAULT_SIZE):
        values.append(int(text) if text is not None and _WHOLE_NUMBER.fullmatch(text) else default)
    return clamp_size(*values)


def _whole_number(value: object) -> int | None:
    """A JSON number with no fractional part as an int; None for anything else (true, "80", 1.5, inf)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


@dataclass(frozen=True)
class Keys:
    """Text typed in the terminal (``["stdin", TEXT]``)."""

    text: str


@dataclass(frozen=True)
class Resize:
    """The terminal's new size (``["resize", {"width": W, "height": H}]``), clamped."""

    width: int
    height: int


@dataclass(frozen=True)
class Ping:
    """``["ping", TEXT]``: answered with ``["pong", TEXT]``."""

    text: str


@dataclass(frozen=True)
class Focus:
    """``["focus"]`` or ``["blur"]``: the page gained or lost the keyboard."""

    focused: bool


BrowserMessage = Keys | Resize | Ping | Focus


def parse_message(text: str) -> BrowserMessage | None:
    """The message in one websocket text frame, or None when it is not one the page sends."""
    try:
        envelope = json.loads(text)
    except ValueError:  # not JSON, or an integer too long to convert
        return None
    except RecursionError:  # "[[[[...": nested deeper than the parser goes
        return None
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        return None
    kind, payload = envelope[0], envelope[1:]
    if kind == "stdin" and len(payload) == 1 and isinstance(payload[0], str):
        return Keys(payload[0])
    if kind == "resize" and len(payload) == 1 and isinstance(payload[0], dict):
        width, height = (_whole_number(payload[0].get(key)) for key in ("width", "height"))
        if width is None or height is None:
            return None
        return Resize(*clamp_size(width, height))
    if kind == "ping" and len(payload) == 1 and isinstance(payload[0], str):
        return Ping(payload[0][:MAX_PING_CHARACTERS])
    if kind in ("focus", "blur") and not payload:
        return Focus(kind == "focus")
    return None
