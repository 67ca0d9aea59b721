"""Sizes and messages from a page: clamped, checked, and what is not the page's own dropped."""

from __future__ import annotations

import json

import pytest

from normquiz.serve.browser_messages import (
    MAX_HEIGHT, MAX_PING_CHARACTERS, MAX_WIDTH, MIN_HEIGHT, MIN_WIDTH, Focus, Keys, Ping, Resize,
    parse_message, size_from_query,
)


@pytest.mark.parametrize(("width", "height", "size"), [
    ("110", "32", (110, 32)),
    ("100000", "100000", (MAX_WIDTH, MAX_HEIGHT)),
    ("9" * 12, "9" * 12, (MAX_WIDTH, MAX_HEIGHT)),
    ("0", "-5", (MIN_WIDTH, MIN_HEIGHT)),
    (None, None, (80, 24)),  # missing: the default
    ("80.5", "1e5", (80, 24)),  # not whole numbers: the default
    ("abc", "", (80, 24)),
    ("+90", "1_000", (80, 24)),  # what int() would take, a person would not write
    ("9" * 5000, "24", (80, 24)),  # longer than any size
])
def test_the_size_in_the_url_is_clamped_or_the_default(width, height, size) -> None:
    assert size_from_query(width, height) == size


def resize(width, height) -> str:
    return json.dumps(["resize", {"width": width, "height": height}])


@pytest.mark.parametrize(("text", "message"), [
    (resize(120, 40), Resize(120, 40)),
    (resize(100000, 100000), Resize(MAX_WIDTH, MAX_HEIGHT)),
    (resize(-3, 0), Resize(MIN_WIDTH, MIN_HEIGHT)),
    (resize(10**40, 24), Resize(MAX_WIDTH, 24)),
    (resize(100.0, 30.0), Resize(100, 30)),  # JSON does not tell 100 from 100.0
    ('["stdin", "q"]', Keys("q")),
    ('["ping", "1733000000000"]', Ping("1733000000000")),
    (json.dumps(["ping", "x" * 10000]), Ping("x" * MAX_PING_CHARACTERS)),
    ('["focus"]', Focus(True)),
    ('["blur"]', Focus(False)),
])
def test_the_pages_messages_are_read(text: str, message) -> None:
    assert parse_message(text) == message


@pytest.mark.parametrize("text", [
    resize("100", "30"), resize(100.5, 30), resize(True, 30), resize(None, 30), resize([1], {}),
    '["resize", {"width": 100}]', '["resize", {}]', '["resize", [100, 30]]', '["resize"]',
    '["resize", {"width": NaN, "height": 30}]', '["resize", {"width": Infinity, "height": 30}]',
    '["resize", {"width": 1e400, "height": 30}]',
    '["resize", {"width": ' + "9" * 5000 + ', "height": 30}]',  # over Python's int-literal limit
    '["stdin", 5]', '["stdin"]', '["stdin", "a", "b"]', '["ping", {}]', '["focus", 1]',
    '["quit"]', '["open_url", "http://x"]', "[]", "[5]", '{"type": "resize"}', '"stdin"', "null",
    "not json", "", "[" * 100000 + "]" * 100000,
])
def test_anything_else_is_not_a_message(text: str) -> None:
    assert parse_message(text) is None
