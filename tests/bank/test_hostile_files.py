"""Question files made to take normquiz down: each is refused with a located problem, the rest loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from normquiz.bank import load_paths
from tests.bank.conftest import HEADER, SINGLE, TRUE_FALSE, only_problem
from tests.normquiz_process import assert_no_traceback, run_normquiz


def _validate_beside_a_good_file(tmp_path: Path, hostile: str | bytes) -> tuple[int, list[str]]:
    """``normquiz validate`` on a folder with the hostile file and a valid one: exit code and lines."""
    (tmp_path / "good.yaml").write_text(HEADER + SINGLE, encoding="utf-8")
    target = tmp_path / "hostile.yaml"
    if isinstance(hostile, bytes):
        target.write_bytes(hostile)
    else:
        target.write_text(hostile, encoding="utf-8")
    result = run_normquiz("validate", ".", cwd=tmp_path)
    assert_no_traceback(result)
    return result.returncode, result.stdout.splitlines()


def test_validate_refuses_deep_nesting_and_still_reads_the_other_file(tmp_path: Path) -> None:
    code, lines = _validate_beside_a_good_file(tmp_path, "topic: x\nquestions: " + "[" * 200_000)
    assert code == 1
    assert "hostile.yaml:2:111: nested more than 100 levels deep" in lines
    assert lines[-1].startswith("2 files, 1 questions")


# -- numbers that cannot be converted, or that YAML 1.1 reads unlike the author -------------

def _with_answer(literal: str) -> str:
    return HEADER + TRUE_FALSE.replace("answer: true", f"answer: {literal}")


@pytest.mark.parametrize("literal, digits", [
    ("9" * 5_000, "5,000"),
    ("1_" * 2_500 + "0", "2,501"),
    ("0x" + "f" * 4_000, "4,817"),
    ("-0o" [:0] + "0" + "7" * 6_000, "5,419"),
    ("0b" + "1" * 20_000, "6,021"),
])
def test_oversized_integer_literals_are_located_problems(load_yaml, literal: str, digits: str) -> None:
    # Python refuses to convert over 4,300 digits: that used to be a ValueError traceback.
    assert only_problem(load_yaml(_with_answer(literal))) == (
        f"q.yaml:8:13: questions[0]: an integer of about {digits} digits is too long (at most 100): "
        "put it in quotes if you mean text")


def test_oversized_integer_as_a_key_is_a_located_problem(load_yaml) -> None:
    message = only_problem(load_yaml(HEADER + TRUE_FALSE + "    ? " + "9" * 5_000 + "\n    : x\n"))
    assert message.startswith("q.yaml:10:7: questions[0].99999")
    assert "unknown field '9999" in message and len(message) < 400


def test_oversized_integer_does_not_hide_the_next_question(load_yaml) -> None:
    result = load_yaml(_with_answer("9" * 5_000) + SINGLE)
    assert [question.id for question in result.questions] == ["q-single"]


@pytest.mark.parametrize("literal, tag", [("!!int abc", "!!int"), ("!!float x", "!!float"),
                                          ("!!bool maybe", "!!bool")])
def test_explicit_number_tags_on_words_are_located(load_yaml, literal: str, tag: str) -> None:
    word = literal.split()[1]
    assert only_problem(load_yaml(_with_answer(literal))) == (
        f"q.yaml:8:13: questions[0]: {word!r} is not a valid {tag}")


@pytest.mark.parametrize("literal", ["1:30", "1:30.5", "-2:05:10"])
def test_base_60_numbers_are_refused_with_a_hint_to_quote(load_yaml, literal: str) -> None:
    message = only_problem(load_yaml(_with_answer(literal)))
    assert message == (f"q.yaml:8:13: questions[0]: YAML 1.1 reads {literal} as a base-60 number "
                       f"(1:30 is 90): put it in quotes ('{literal}') if you mean a time or a ratio")


def test_quoted_base_60_text_is_text(load_yaml) -> None:
    result = load_yaml(HEADER + TRUE_FALSE.replace("LN is the same in train and eval.", "'1:30'"))
    assert result.ok and result.questions[0].prompt == "1:30"


@pytest.mark.parametrize("word, value", [("on", "true"), ("yes", "true"), ("Off", "false")])
def test_a_level_read_as_a_boolean_says_to_quote_it(load_yaml, word: str, value: str) -> None:
    text = HEADER + TRUE_FALSE.replace("level: intermediate", f"level: {word}")
    assert only_problem(load_yaml(text)) == (
        f"q.yaml:4:12: questions[0].level: {word!r} is not allowed (expected 'basic', 'intermediate' "
        f"or 'advanced'); YAML reads {word} as the boolean {value}: put it in quotes if you mean the word")


# -- aliases: what they expand to is counted, not only how many nodes -------------------------

def test_a_big_string_aliased_many_times_is_refused(load_yaml) -> None:
    big = "x" * 1_500_000
    hints = "    hints: [" + ", ".join(["*big"] * 60) + "]\n"
    text = f"padding: &big {big}\n" + HEADER + TRUE_FALSE + hints
    message = only_problem(load_yaml(text))
    assert message == ("q.yaml:1:10: aliases expand to more than 1,000,000 nodes and characters: refusing "
                       "to build the document (is this a 'billion laughs' file?)")


def test_an_aliased_key_counts_too(load_yaml) -> None:
    key = "k" * 1_000  # a plain key may be up to 1,024 characters long
    lines = [f"&key {key}: 1"] + [f"a{index}: {{*key : 1}}" for index in range(1_100)]
    assert "aliases expand to more than 1,000,000" in only_problem(load_yaml("\n".join(lines) + "\n"))


def test_a_prose_ampersand_and_a_small_alias_still_load(load_yaml) -> None:
    text = HEADER + TRUE_FALSE.replace("LN is the same", "Q&A, LN is the same").replace(
        "explanation: It", "explanation: &why It") + SINGLE.replace("explanation: Because.", "explanation: *why")
    result = load_yaml(text)
    assert result.ok, [str(problem) for problem in result.problems]
    assert result.questions[1].explanation == "It has no running statistics."


# -- control characters: a terminal would obey them ---------------------------------------------

_PROMPT = "prompt: LN is the same in train and eval."


@pytest.mark.parametrize("written, column, named", [
    ('"LN \\e[2J is the same"', 17, "U+001B ESC (escape)"),
    ('"LN \\e]0;TITLE\\a is the same"', 17, "U+001B ESC (escape)"),
    ('"LN is \\a the same"', 20, "U+0007 BEL (bell)"),
    ('"LN is \\x9b the same"', 20, "U+009B CSI (control sequence)"),
    ('"LN \\u007f"', 17, "U+007F DEL"),
    ('"LN \\0 is"', 17, "U+0000 NUL"),
])
def test_escaped_control_characters_are_located_at_the_escape(load_yaml, written: str, column: int,
                                                              named: str) -> None:
    result = load_yaml(HEADER + TRUE_FALSE.replace(_PROMPT, f"prompt: {written}") + SINGLE)
    assert [str(problem) for problem in result.problems] == [
        f"q.yaml:7:{column}: questions[0]: control character {named} is not allowed: a terminal would "
        "act on it; question text may hold printable characters, newlines and tabs only"]
    assert [question.id for question in result.questions] == ["q-single"]


@pytest.mark.parametrize("raw, named", [("\x00", "U+0000 NUL"), ("\x1b", "U+001B ESC (escape)"),
                                        ("\x07", "U+0007 BEL (bell)"), ("\x7f", "U+007F DEL"),
                                        ("\x85", "U+0085 NEL (next line)"), ("\x9b", "U+009B CSI (control sequence)")])
def test_raw_control_characters_are_located_where_they_stand(load_yaml, raw: str, named: str) -> None:
    text = HEADER + TRUE_FALSE.replace("LN is the same", f"LN is{raw} the same") + SINGLE
    result = load_yaml(text.encode("utf-8"))
    assert [str(problem) for problem in result.problems] == [
        f"q.yaml:7:18: questions[0]: control character {named} is not allowed: a terminal would "
        "act on it; question text may hold printable characters, newlines and tabs only"]
    assert [question.id for question in result.questions] == ["q-single"]


def test_an_escaped_control_character_in_a_key_is_located(load_yaml) -> None:
    text = HEADER + TRUE_FALSE.replace("    answer: true", '    "an\\eswer": true')
    messages = [str(problem) for problem in load_yaml(text).problems]
    assert messages[0].startswith("q.yaml:8:8: questions[0]: control character U+001B ESC")


def test_a_file_of_nul_bytes_is_a_few_problems_not_millions(load_yaml) -> None:
    result = load_yaml(b"\x00" * 1_000_000)
    assert 1 <= len(result.problems) <= 11
    assert str(result.problems[0]).startswith("q.yaml:1:1: control character U+0000 NUL")


def test_tabs_newlines_and_crlf_are_fine(load_yaml) -> None:
    text = (HEADER + TRUE_FALSE.replace(_PROMPT, 'prompt: "a\\tb\\nc"')).replace("\n", "\r\n")
    result = load_yaml(text)
    assert result.ok and result.questions[0].prompt == "a\tb\nc"


def test_export_never_writes_a_control_character(tmp_path: Path) -> None:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "q.yaml").write_text(HEADER + TRUE_FALSE.replace(_PROMPT, 'prompt: "\\e[2J\\e]0;T\\a"') + SINGLE,
                                   encoding="utf-8")
    result = run_normquiz("export", "--content", str(folder), "-o", str(tmp_path / "guide.md"), cwd=tmp_path)
    assert_no_traceback(result)
    guide = (tmp_path / "guide.md").read_text(encoding="utf-8")
    assert "q-single" in guide and "q-true-false" not in guide
    assert not any(ord(character) < 32 and character not in "\n\t" or 0x7F <= ord(character) <= 0x9F
                   for character in guide)
    assert "control character U+001B ESC" in result.stderr
