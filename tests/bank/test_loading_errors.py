"""Every validation error class: a small bad file, its message and its line number."""

from __future__ import annotations

from pathlib import Path

import pytest

from normquiz.bank import load_paths
from tests.bank.conftest import HEADER, SINGLE, TRUE_FALSE, dedent, only_problem


def test_valid_file_loads_in_order(load_yaml) -> None:
    result = load_yaml(HEADER + SINGLE + TRUE_FALSE)
    assert result.ok
    assert [question.id for question in result.questions] == ["q-single", "q-true-false"]
    assert result.sources["q-true-false"].line == 14
    assert result.sources["q-single"].topic == "Test topic"
    assert [report.status for report in result.files] == ["loaded"]


def test_yaml_syntax_error(load_yaml) -> None:
    message = only_problem(load_yaml("topic: x\nquestions:\n  - id: a\n   level: basic\n"))
    assert message.startswith("q.yaml:4:4: YAML syntax error: did not find expected '-' indicator")
    assert "Traceback" not in message


def test_duplicate_key_names_both_lines(load_yaml) -> None:
    text = HEADER + TRUE_FALSE + "    answer: false\n"
    message = only_problem(load_yaml(text))
    assert message == ("q.yaml:10:5: questions[0]: duplicate key 'answer' (first at line 8, "
                       "column 5): YAML would keep only the last one")


def test_duplicate_key_drops_only_its_question(load_yaml) -> None:
    result = load_yaml(HEADER + TRUE_FALSE + "    answer: false\n" + SINGLE)
    assert [question.id for question in result.questions] == ["q-single"]
    assert result.files[0].status == "partial"


def test_unknown_field_suggests_the_right_one(load_yaml) -> None:
    text = HEADER + TRUE_FALSE.replace("    explanation:", "    explaination:")
    problems = [str(problem) for problem in load_yaml(text).problems]
    assert "q.yaml:9:5: questions[0].explaination: unknown field 'explaination'; did you mean 'explanation'?" in problems
    assert "q.yaml:3:5: questions[0]: missing required field 'explanation'" in problems


def test_unknown_field_of_another_type_lists_the_fields(load_yaml) -> None:
    message = only_problem(load_yaml(HEADER + TRUE_FALSE + "    choices: []\n"))
    assert message.startswith("q.yaml:10:5: questions[0].choices: unknown field 'choices' (true_false questions have: id,")


def test_unknown_top_level_field(load_yaml) -> None:
    message = only_problem(load_yaml("topic: x\ndescriptoin: y\nquestions:\n" + TRUE_FALSE))
    assert message == "q.yaml:2:1: descriptoin: unknown field 'descriptoin'; did you mean 'description'?"


def test_missing_required_field(load_yaml) -> None:
    text = HEADER + TRUE_FALSE.replace("    prompt: LN is the same in train and eval.\n", "")
    assert only_problem(load_yaml(text)) == "q.yaml:3:5: questions[0]: missing required field 'prompt'"


def test_wrong_type_with_quoting_hint(load_yaml) -> None:
    text = HEADER + TRUE_FALSE.replace("prompt: LN is the same in train and eval.", "prompt: yes")
    message = only_problem(load_yaml(text))
    assert message.startswith("q.yaml:7:13: questions[0].prompt: expected a string, got the boolean true; put it in quotes")


def test_string_is_not_a_number(load_yaml) -> None:
    text = HEADER + "".join("  " + line + "\n" for line in dedent("""
        - id: q-num
          level: basic
          type: numeric
          tags: [x]
          prompt: How many?
          answer: "12"
          tolerance: 0
          explanation: x
    """).splitlines())
    assert only_problem(load_yaml(text)) == "q.yaml:8:13: questions[0].answer: expected a number, got the string '12'"


def test_single_choice_needs_exactly_one_correct(load_yaml) -> None:
    text = HEADER + SINGLE.replace("feedback: That is layer norm.", "correct: true")
    assert only_problem(load_yaml(text)) == (
        "q.yaml:9:7: questions[0].choices: exactly one choice must be correct for single_choice (found 2)")


def test_multiple_choice_needs_one_correct(load_yaml) -> None:
    text = HEADER + SINGLE.replace("single_choice", "multiple_choice").replace("        correct: true\n", "")
    assert only_problem(load_yaml(text)) == (
        "q.yaml:9:7: questions[0].choices: at least one choice must be correct for multiple_choice")


ORDERING = """\
  - id: q-order
    level: basic
    type: ordering
    tags: [batch-norm]
    prompt: Order these.
    items:
      - Mean
      - Variance
    explanation: x
"""


def test_ordering_needs_three_items(load_yaml) -> None:
    assert only_problem(load_yaml(HEADER + ORDERING)) == (
        "q.yaml:9:7: questions[0].items: needs at least 3 items, got 2")


def test_ordering_items_must_differ(load_yaml) -> None:
    text = HEADER + ORDERING.replace("      - Variance\n", "      - Variance\n      - Mean\n")
    assert only_problem(load_yaml(text)) == (
        "q.yaml:9:7: questions[0].items: items[2] says the same as items[0] ('Mean'): "
        "the correct order would be ambiguous")


def test_numeric_without_tolerance(load_yaml) -> None:
    text = HEADER + TRUE_FALSE.replace("true_false", "numeric").replace("answer: true", "answer: 3")
    assert only_problem(load_yaml(text)) == (
        "q.yaml:3:5: questions[0]: missing required field 'tolerance' "
        "(write `tolerance: 0` for an exact answer, or `tolerance: {relative: 0.01}`)")


def test_numeric_relative_tolerance_loads(load_yaml) -> None:
    text = HEADER + TRUE_FALSE.replace("true_false", "numeric").replace(
        "answer: true", "answer: 3\n    tolerance: {relative: 0.01}")
    result = load_yaml(text)
    assert result.ok
    assert result.questions[0].tolerance.relative == 0.01


def test_unknown_question_type(load_yaml) -> None:
    text = HEADER + TRUE_FALSE.replace("type: true_false", "type: true_flase")
    assert only_problem(load_yaml(text)).startswith(
        "q.yaml:5:11: questions[0].type: unknown question type 'true_flase'; did you mean 'true_false'?")


def test_bad_level_and_id(load_yaml) -> None:
    text = HEADER + TRUE_FALSE.replace("level: intermediate", "level: intermediat").replace(
        "id: q-true-false", "id: Q_True")
    problems = [str(problem) for problem in load_yaml(text).problems]
    assert problems == [
        "q.yaml:3:9: questions[0].id: 'Q_True' is not a valid id: use lowercase letters, "
        "digits and single hyphens, like 'bn-axis-images'",
        "q.yaml:4:12: questions[0].level: 'intermediat' is not allowed; did you mean 'intermediate'? "
        "(expected 'basic', 'intermediate' or 'advanced')",
    ]


def test_duplicate_ids_across_files_name_both_places(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(HEADER + TRUE_FALSE, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(HEADER + SINGLE + TRUE_FALSE, encoding="utf-8")
    result = load_paths([tmp_path])
    assert [question.id for question in result.questions] == ["q-true-false", "q-single"]
    [problem] = result.problems
    assert problem.path.endswith("b.yaml") and problem.line == 14 and problem.column == 9
    assert problem.message.startswith("duplicate id 'q-true-false': already used at ")
    assert problem.message.endswith("a.yaml:3:9")


COMPUTED = """\
  - id: q-computed
    level: basic
    type: computed
    tags: [layer-norm]
    generator: layer_norm_entry
    params: {rows: 3, cols: 4}
    prompt: "Output at row {{row}}, column {{col}} of {{matrix}}?"
    explanation: x
"""


def test_unknown_generator(load_yaml) -> None:
    message = only_problem(load_yaml(HEADER + COMPUTED.replace("layer_norm_entry", "layer_norm_entri")))
    assert message.startswith("q.yaml:7:16: questions[0].generator: 'layer_norm_entri' is not allowed; "
                              "did you mean 'layer_norm_entry'?")


def test_unknown_generator_param(load_yaml) -> None:
    message = only_problem(load_yaml(HEADER + COMPUTED.replace("rows: 3", "row: 3")))
    assert message == "q.yaml:8:14: questions[0].params.row: unknown field 'row'; did you mean 'rows'?"


def test_bad_generator_param_value(load_yaml) -> None:
    message = only_problem(load_yaml(HEADER + COMPUTED.replace("rows: 3", "rows: 99")))
    assert message == "q.yaml:8:20: questions[0].params.rows: must be at most 6, got 99"


def test_unknown_placeholder(load_yaml) -> None:
    message = only_problem(load_yaml(HEADER + COMPUTED.replace("{{col}}", "{{column}}")))
    assert message.startswith("q.yaml:9:13: questions[0].prompt: unknown placeholder {{column}} for "
                              "generator 'layer_norm_entry' (it offers: beta, col, gamma, matrix, row)")


def test_unknown_demo_name(load_yaml) -> None:
    message = only_problem(load_yaml(HEADER + TRUE_FALSE + "    demo: axis\n"))
    assert message.startswith("q.yaml:10:11: questions[0].demo.name: 'axis' is not allowed; did you mean 'axes'?")


def test_demo_with_params(load_yaml) -> None:
    result = load_yaml(HEADER + TRUE_FALSE + "    demo: {name: axes, params: {norm: batch, n: 4}}\n")
    assert result.ok
    assert result.questions[0].demo.name == "axes"
    message = only_problem(load_yaml(HEADER + TRUE_FALSE + "    demo: {name: axes, params: {nrom: batch}}\n"))
    assert "demo 'axes' has no parameter 'nrom'; did you mean 'norm'?" in message
    assert message.startswith("q.yaml:10:11: questions[0].demo:")


def test_python_tag_is_refused_and_never_run(load_yaml, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    text = HEADER + TRUE_FALSE.replace(
        "prompt: LN is the same in train and eval.",
        f"prompt: !!python/object/apply:os.system ['touch {marker}']")
    message = only_problem(load_yaml(text))
    assert message.startswith("q.yaml:7:13: questions[0]: non-standard YAML tag "
                              "'!!python/object/apply:os.system' is not allowed")
    assert not marker.exists()


def test_custom_local_tag_is_refused(load_yaml) -> None:
    message = only_problem(load_yaml("topic: !include other.yaml\nquestions:\n" + TRUE_FALSE))
    assert message.startswith("q.yaml:1:8: non-standard YAML tag '!include' is not allowed")


def test_not_utf8(load_yaml) -> None:
    text = (HEADER + TRUE_FALSE).encode("utf-8").replace(b"LN is", b"L\xe9 is")
    assert only_problem(load_yaml(text)) == (
        "q.yaml:7:14: the file is not UTF-8 (byte 0xe9 cannot be decoded): save it as UTF-8")


def test_file_over_two_megabytes(load_yaml) -> None:
    text = HEADER + TRUE_FALSE + "# " + "x" * (2 * 1024 * 1024) + "\n"
    message = only_problem(load_yaml(text))
    assert message == "q.yaml:1:1: file is 2.0 MB, over the 2 MB limit: split it into smaller files"


def test_billion_laughs_is_refused(load_yaml) -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 9):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 10)}]")
    message = only_problem(load_yaml("\n".join(lines) + "\n"))
    assert "aliases expand to more than 1,000,000 nodes and characters" in message
    assert message.startswith("q.yaml:")


def test_aliases_within_limits_load(load_yaml) -> None:
    text = HEADER + TRUE_FALSE.replace("tags: [layer-norm]", "tags: &tags [layer-norm]") + SINGLE.replace(
        "tags: [batch-norm]", "tags: *tags")
    result = load_yaml(text)
    assert result.ok
    assert result.questions[1].tags == ["layer-norm"]


def test_recursive_alias_is_refused(load_yaml) -> None:
    assert "recursive structure" in only_problem(load_yaml("topic: &a [*a]\nquestions: []\n"))


@pytest.mark.parametrize("depth", [101, 150, 999, 1_000, 1_001, 200_000])
def test_deep_nesting_is_refused_at_our_limit_whatever_the_yaml_library_does(load_yaml, depth: int) -> None:
    # libyaml (PyYAML 6.0.4) refuses 1,000 levels itself; our limit of 100 must show either way.
    message = only_problem(load_yaml("topic: x\nquestions: " + "[" * depth + "]" * depth + "\n"))
    assert message == "q.yaml:2:111: nested more than 100 levels deep"


@pytest.mark.parametrize("depth", [150, 1_500])
def test_deep_nesting_over_many_lines_is_refused_at_our_limit(load_yaml, depth: int) -> None:
    # Short lines keep the cheap depth bound low: the composer meets libyaml's limit at 1,000.
    message = only_problem(load_yaml("topic: x\nquestions:\n" + " [\n" * depth + " ]\n" * depth))
    assert message == "q.yaml:102:2: nested more than 100 levels deep"


def test_deep_block_nesting_is_refused_where_it_starts(load_yaml) -> None:
    text = "topic: x\nquestions:\n" + "".join(" " * level + "- \n" for level in range(1, 1_200))
    message = only_problem(load_yaml(text))
    assert message == "q.yaml:102:101: nested more than 100 levels deep"


def test_nesting_at_the_limit_is_read(load_yaml) -> None:
    # The root mapping is level 1, so `questions:` can hold 99 nested lists.
    problems = [str(problem) for problem in load_yaml("topic: x\nquestions: " + "[" * 99 + "]" * 99).problems]
    assert not any("nested" in problem for problem in problems)


def test_empty_file_and_wrong_top_level(load_yaml) -> None:
    assert only_problem(load_yaml("# nothing\n")).startswith("q.yaml:1:1: the file is empty")
    assert only_problem(load_yaml("- a\n- b\n")) == (
        "q.yaml:1:1: the top level must be a mapping with 'topic' and 'questions'")
    assert only_problem(load_yaml("topic: x\nquestions: []\n")) == (
        "q.yaml:2:12: questions: needs at least 1 items, got 0")


def test_broken_file_never_hides_the_good_ones(tmp_path: Path) -> None:
    (tmp_path / "a-broken.yaml").write_text("topic: [unclosed\n", encoding="utf-8")
    (tmp_path / "b-good.yaml").write_text(HEADER + SINGLE, encoding="utf-8")
    result = load_paths([tmp_path])
    assert [question.id for question in result.questions] == ["q-single"]
    assert [report.status for report in result.files] == ["skipped", "loaded"]
    assert len(result.problems) == 1


def test_every_dropped_question_is_reported(load_yaml) -> None:
    bad = TRUE_FALSE.replace("q-true-false", "q-bad").replace("answer: true", "answer: maybe")
    result = load_yaml(HEADER + SINGLE + bad + TRUE_FALSE)
    assert [question.id for question in result.questions] == ["q-single", "q-true-false"]
    assert [problem.where for problem in result.problems] == ["questions[1].answer"]


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    result = load_paths([tmp_path / "nope"])
    assert [problem.message for problem in result.problems] == ["no such file or folder"]


@pytest.mark.parametrize("name", [".hidden.yaml", "notes.txt"])
def test_folders_load_only_visible_yaml(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("not: [valid", encoding="utf-8")
    assert load_paths([tmp_path]).files == []


# -- the gaps a hostile review found: each is now a located problem ---------------------------

def test_two_choices_with_the_same_wording_are_refused(load_yaml) -> None:
    text = HEADER + SINGLE.replace("text: Axis 1", "text: '  axis 0 '")
    assert only_problem(load_yaml(text)) == (
        "q.yaml:9:7: questions[0].choices: choices[1] says the same as choices[0] ('Axis 0'): "
        "a learner cannot tell them apart")


def test_identical_multiple_choice_options_are_refused(load_yaml) -> None:
    text = HEADER + SINGLE.replace("single_choice", "multiple_choice").replace(
        "      - text: Axis 1\n        feedback: That is layer norm.\n",
        "      - text: Axis 0\n        correct: true\n")
    assert "choices[1] says the same as choices[0] ('Axis 0')" in only_problem(load_yaml(text))


def test_choices_that_differ_by_an_operator_are_different(load_yaml) -> None:
    text = HEADER + SINGLE.replace("text: Axis 0", "text: x - y").replace("text: Axis 1", "text: x + y")
    assert load_yaml(text).ok


@pytest.mark.parametrize("repeat", ["MEAN", "Mean  ", "mean"])
def test_ordering_items_differing_only_by_case_or_spaces_are_refused(load_yaml, repeat: str) -> None:
    text = HEADER + ORDERING.replace("      - Variance\n", f"      - Variance\n      - '{repeat}'\n")
    assert "items[2] says the same as items[0] ('Mean')" in only_problem(load_yaml(text))


SHORT = """\
  - id: q-short
    level: basic
    type: short_answer
    tags: [layer-norm]
    prompt: Name it.
    answers: [LayerNorm, "?!"]
    explanation: x
"""


def test_short_answers_that_normalise_to_nothing_are_refused(load_yaml) -> None:
    assert only_problem(load_yaml(HEADER + SHORT)) == (
        "q.yaml:8:14: questions[0].answers: answers[1] ('?!') is only punctuation and spaces, which "
        "answer checking ignores: no typed answer can match it")


NUMERIC = """\
  - id: q-num
    level: basic
    type: numeric
    tags: [x]
    prompt: How many?
    answer: 0
    tolerance: {relative: 0.05}
    explanation: x
"""


def test_a_relative_tolerance_on_answer_zero_is_refused(load_yaml) -> None:
    assert only_problem(load_yaml(HEADER + NUMERIC)) == (
        "q.yaml:9:16: questions[0].tolerance: a relative tolerance of an answer of 0 allows nothing but "
        "0 itself: write an absolute one, e.g. `tolerance: 0.01`")
    assert load_yaml(HEADER + NUMERIC.replace("answer: 0", "answer: 2")).ok


@pytest.mark.parametrize("field, line", [("prompt", 7), ("explanation", 9)])
def test_placeholders_outside_computed_questions_are_refused(load_yaml, field: str, line: int) -> None:
    text = HEADER + TRUE_FALSE.replace(f"    {field}: ", f"    {field}: The value {{{{matrix}}}} - ")
    message = only_problem(load_yaml(text))
    assert message.startswith(f"q.yaml:{line}:")
    assert message.endswith(f"questions[0].{field}: {{{{matrix}}}} would show as written: only computed "
                            "questions fill in placeholders (write the value itself, or use type: computed)")


def test_placeholders_in_computed_questions_still_load(load_yaml) -> None:
    assert load_yaml(HEADER + COMPUTED).ok


def test_ids_are_capped_at_80_characters(load_yaml) -> None:
    long_id = "q-" + "a" * 79
    message = only_problem(load_yaml(HEADER + TRUE_FALSE.replace("id: q-true-false", f"id: {long_id}")))
    assert message.startswith("q.yaml:3:9: questions[0].id: 'q-aaaaaaaa")
    assert message.endswith("is 81 characters long: at most 80 (it names the question in your progress "
                            "and on screen)")
    assert load_yaml(HEADER + TRUE_FALSE.replace("id: q-true-false", f"id: {long_id[:80]}")).ok


def test_ids_outside_the_slug_charset_are_refused(load_yaml) -> None:
    message = only_problem(load_yaml(HEADER + TRUE_FALSE.replace("id: q-true-false", "id: q-crème")))
    assert message.startswith("q.yaml:3:9: questions[0].id: 'q-crème' is not a valid id")
