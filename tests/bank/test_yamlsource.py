"""Safe YAML reading: junk never raises anything but YamlSourceError; positions are kept."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normquiz.bank.yamlsource import YamlSourceError, parse_yaml

YAML_ALPHABET = st.sampled_from(list("ab01:-[]{},&*!|>'\"#?%@` \n\t.") + ["\x00", "é", "\ufeff", "<<"])


def _parse_or_source_error(source: str | bytes) -> None:
    try:
        parse_yaml(source)
    except YamlSourceError as error:
        assert error.message and error.line >= 1 and error.column >= 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(YAML_ALPHABET, max_size=60).map("".join))
def test_junk_text_raises_only_source_errors(text: str) -> None:
    _parse_or_source_error(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80))
def test_junk_bytes_raise_only_source_errors(raw: bytes) -> None:
    _parse_or_source_error(raw)


def test_scalars_follow_yaml_core_types() -> None:
    data = parse_yaml("a: 0x10\nb: 1_000\nc: 1.5e3\nd: no\ne: ~\nf: 2015-01-01\ng: '3'\non: x\n"
                      "h: 1e-5\ni: '1e-5'\n").data
    assert data == {"a": 16, "b": 1000, "c": 1500.0, "d": False, "e": None, "f": "2015-01-01",
                    "g": "3", "on": "x", "h": 1e-5, "i": "1e-5"}


def test_merge_keys_fill_missing_fields_only() -> None:
    data = parse_yaml("base: &base {level: basic, tags: [a]}\nq:\n  <<: *base\n  level: advanced\n").data
    assert data["q"] == {"level": "advanced", "tags": ["a"]}


def test_locate_points_at_values_and_keys() -> None:
    document = parse_yaml("topic: x\nquestions:\n  - id: a\n    tags: [b, c]\n")
    assert document.locate(("questions", 0, "tags", 1)) == (4, 15)
    assert document.locate(("questions", 0, "tags"), at_key=True) == (4, 5)
    assert document.locate(("questions", 0, "missing")) == (3, 5)
