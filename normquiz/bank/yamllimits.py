"""The limits that keep a hostile question file from taking the loader down.

Each check is cheap and runs before (or while) the document is built:
control characters that a terminal would obey, nesting deeper than any
question needs, integer literals too long to convert, and numbers YAML 1.1
reads in base 60. Positions are 1-based ``(line, column)`` in characters.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterator

MAX_DEPTH = 100  # far deeper than any question file; keeps the composers' stacks safe
MAX_INTEGER_DIGITS = 100  # no question needs more; Python refuses to convert over 4,300
MAX_CONTROL_REPORTS = 10  # a file of NUL bytes is one problem, not two million

# Everything below U+0020 but tab, newline and carriage return; DEL; the C1 block.
# A terminal acts on these (ESC starts escape sequences that clear the screen or
# retitle the window), so no question text may carry them.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {
    0x00: "NUL", 0x07: "BEL (bell)", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed",
    0x1B: "ESC (escape)", 0x7F: "DEL", 0x85: "NEL (next line)", 0x9B: "CSI (control sequence)",
}
_LINE_BREAK = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
# The escapes of a double-quoted YAML scalar, and the character each one stands for.
_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.DOTALL)
_SINGLE_ESCAPES = {"0": "\x00", "a": "\x07", "b": "\x08", "t": "\t", "\t": "\t", "n": "\n",
                   "v": "\x0b", "f": "\x0c", "r": "\r", "e": "\x1b", "N": "\x85"}
_INT_BASES = (("0b", 2), ("0x", 16), ("0", 8))


def describe_control(character: str) -> str:
    """``U+001B ESC (escape)``: a control character named for a person."""
    code = ord(character)
    name = _CONTROL_NAMES.get(code, "a control character")
    return f"U+{code:04X} {name}"


def control_message(character: str) -> str:
    return (f"control character {describe_control(character)} is not allowed: a terminal would act "
            "on it; question text may hold printable characters, newlines and tabs only")


class LineIndex:
    """Turns a character offset into a 1-based ``(line, column)``, as the YAML reader counts them."""

    def __init__(self, text: str) -> None:
        self._starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text))]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1


def raw_control_characters(text: str) -> Iterator[tuple[int, str]]:
    """``(offset, character)`` of the first control characters written as such in ``text``."""
    for count, match in enumerate(CONTROL_CHARACTER.finditer(text)):
        if count == MAX_CONTROL_REPORTS:
            return
        yield match.start(), match.group()


def blank_out_controls(text: str) -> str:
    """``text`` with each control character replaced by U+FFFD, so positions stay put."""
    return CONTROL_CHARACTER.sub("\ufffd", text)


def escaped_control_offset(text: str, start: int, end: int) -> tuple[int, str] | None:
    """Where in ``text[start:end]`` (a double-quoted scalar) an escape yields a control character."""
    for match in _ESCAPE.finditer(text, start, end):
        hex_digits = match.group(1) or match.group(2) or match.group(3)
        try:
            character = chr(int(hex_digits, 16)) if hex_digits else _SINGLE_ESCAPES.get(match.group(4), "")
        except (ValueError, OverflowError):
            continue
        if character and CONTROL_CHARACTER.match(character):
            return match.start(), character
    return None


def integer_literal_problem(text: str) -> str | None:
    """Why the implicit or ``!!int`` literal ``text`` is refused, or None."""
    if ":" in text:
        return sexagesimal_message(text)
    if len(text) <= MAX_INTEGER_DIGITS // 4:  # no base makes that many digits too long
        return None
    digits = text.replace("_", "").lstrip("+-")
    base = 10
    for prefix, prefix_base in _INT_BASES:
        if digits.startswith(prefix) and len(digits) > len(prefix):
            digits, base = digits[len(prefix):], prefix_base
            break
    decimal_digits = math.ceil(len(digits) * math.log10(base))
    if decimal_digits > MAX_INTEGER_DIGITS:
        return (f"an integer of about {decimal_digits:,} digits is too long (at most "
                f"{MAX_INTEGER_DIGITS}): put it in quotes if you mean text")
    return None


def sexagesimal_message(text: str) -> str:
    return (f"YAML 1.1 reads {text} as a base-60 number (1:30 is 90): "
            f"put it in quotes ('{text}') if you mean a time or a ratio")
