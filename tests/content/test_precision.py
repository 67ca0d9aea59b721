"""Every numeric and computed question states, before the answer, how precise the number must be."""

from __future__ import annotations

import pytest

from normquiz.bank import load_bank
from normquiz.bank.answer_text import answer_precision
from normquiz.bank.checking import check_answer
from normquiz.bank.computed import generate
from normquiz.bank.model import ComputedQuestion, NumericQuestion
from tests.bank.conftest import make_question


def _number_questions() -> list:
    return [q for q in load_bank().questions if isinstance(q, (NumericQuestion, ComputedQuestion))]


def test_every_numeric_and_computed_question_of_the_bank_gets_a_precision_line() -> None:
    questions = _number_questions()
    assert len(questions) > 40
    for question in questions:
        instance = generate(question, 0) if isinstance(question, ComputedQuestion) else None
        line = answer_precision(question, instance)
        assert line, question.id
        tolerance = instance.tolerance if instance else question.tolerance.absolute
        if tolerance:
            assert f"±{tolerance:g}" in line, (question.id, line)
        elif tolerance == 0:
            assert line == "Give the exact value.", question.id


@pytest.mark.parametrize("seed", range(20))
def test_an_answer_rounded_as_the_line_says_is_accepted(seed: int) -> None:
    """'Two decimals are enough' must be true: the key rounded so is right for every computed draw."""
    for question in _number_questions():
        if not isinstance(question, ComputedQuestion):
            continue
        instance = generate(question, seed)
        line = answer_precision(question, instance)
        decimals = {"exact": 0, "whole": 0, "one": 1, "two": 2, "three": 3, "four": 4}
        words = next((d for word, d in decimals.items() if f"{word} " in line), None)
        assert words is not None, line
        assert check_answer(question, f"{instance.answer:.{words}f}", instance=instance).correct, (question.id, line)


def test_wording_of_each_kind_of_tolerance() -> None:
    exact = make_question("numeric", answer=64, tolerance=0)
    absolute = make_question("numeric", answer=0.7071, tolerance=0.001)
    relative = make_question("numeric", answer=5e7, tolerance={"relative": 0.02})
    loose = make_question("numeric", answer=44, tolerance=1)
    assert answer_precision(exact) == "Give the exact value."
    assert answer_precision(absolute) == "Answer to within ±0.001 (three decimals are enough)."
    assert answer_precision(relative) == "Answer to within ±2% of the exact value."
    assert answer_precision(loose) == "Answer to within ±1 (a whole number is enough)."
    assert answer_precision(make_question("true_false", answer=True)) is None
