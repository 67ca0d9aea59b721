"""Answer checking, one type at a time: verdicts, partial credit, unreadable responses."""

from __future__ import annotations

import pytest

from normquiz.bank.checking import (
    InvalidResponse,
    check_answer,
    edit_distance_at_most_one,
    normalize_text,
    parse_number,
)
from tests.bank.conftest import make_question as make


CHOICES = [
    {"text": "A", "correct": True},
    {"text": "B", "feedback": "B is the layer-norm axis."},
    {"text": "C", "correct": True, "feedback": "Yes, C too."},
    {"text": "D"},
]


def test_single_choice() -> None:
    question = make("single_choice", choices=CHOICES[:2])
    assert check_answer(question, 0).correct
    wrong = check_answer(question, [1])
    assert not wrong.correct and wrong.score == 0
    assert wrong.expected == "A"
    assert wrong.feedback[0] == "“B” is not correct. B is the layer-norm axis."
    with pytest.raises(InvalidResponse, match="exactly one"):
        check_answer(question, [0, 1])
    with pytest.raises(InvalidResponse, match="there is no choice 5"):
        check_answer(question, 5)


def test_multiple_choice_partial_credit() -> None:
    question = make("multiple_choice", choices=CHOICES)
    assert check_answer(question, {0, 2}).score == 1.0
    half = check_answer(question, {0})
    assert (half.correct, half.score) == (False, 0.5)
    assert half.feedback == ("Missed: “C”. Yes, C too.",)
    assert check_answer(question, {0, 1}).score == 0.0  # one right, one wrong
    assert check_answer(question, {1, 3}).score == 0.0  # never below zero


def test_true_false_accepts_words() -> None:
    question = make("true_false", answer=False)
    assert check_answer(question, False).correct
    assert check_answer(question, " No ").correct
    assert not check_answer(question, "t").correct
    with pytest.raises(InvalidResponse):
        check_answer(question, "maybe")


@pytest.mark.parametrize("text, value", [
    ("0.5", 0.5), ("1e-3", 0.001), ("-1.2", -1.2), (" 3/4 ", 0.75), ("1,024", 1024.0),
    ("1 024", 1024.0), ("−2", -2.0), (".5", 0.5), (7, 7.0),
])
def test_parse_number(text, value) -> None:
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["abc", "", "1..2", "nan", "inf", "1/0", "0,5", "--1"])
def test_parse_number_rejects_garbage_with_a_sentence(text) -> None:
    with pytest.raises(InvalidResponse) as error:
        parse_number(text)
    assert str(error.value)


def test_numeric_absolute_and_relative_tolerance() -> None:
    exact = make("numeric", answer=1024, tolerance=0, unit="parameters")
    assert check_answer(exact, "1024").correct
    verdict = check_answer(exact, 1000)
    assert not verdict.correct and verdict.expected == "1024 parameters"
    relative = make("numeric", answer=200, tolerance={"relative": 0.01})
    assert check_answer(relative, 201.9).correct and not check_answer(relative, 202.1).correct
    assert check_answer(make("numeric", answer=0.3, tolerance=0), 0.1 + 0.2).correct


def test_short_answer_forgives_case_punctuation_and_one_typo() -> None:
    question = make("short_answer", answers=["layer normalization", "LN"])
    assert check_answer(question, "  Layer-Normalization! ").correct
    typo = check_answer(question, "layer normalisation")
    assert typo.correct and "typo" in typo.feedback[0]
    assert check_answer(question, "ln").correct
    assert not check_answer(question, "lm").correct  # short answers must be exact
    assert not check_answer(question, "layer normalizashun").correct


def test_normalize_text_and_edit_distance() -> None:
    assert normalize_text("Batch—Norm,  (BN)") == "batch norm bn"
    assert edit_distance_at_most_one("batch", "bacth")  # swapped
    assert edit_distance_at_most_one("batch", "batc")  # missing
    assert edit_distance_at_most_one("batch", "batchh")  # extra
    assert not edit_distance_at_most_one("batch", "btach norm")


def test_ordering_kendall_partial_credit() -> None:
    question = make("ordering", items=["a", "b", "c", "d"])
    assert check_answer(question, [0, 1, 2, 3]).score == 1.0
    swapped = check_answer(question, [1, 0, 2, 3])
    assert not swapped.correct and swapped.score == pytest.approx(5 / 6)
    assert swapped.feedback == ("“b” is step 2, not 1.", "“a” is step 1, not 2.")
    assert check_answer(question, [3, 2, 1, 0]).score == 0.0
    with pytest.raises(InvalidResponse, match="exactly once"):
        check_answer(question, [0, 0, 1, 2])


def test_open_scores_ticked_key_points() -> None:
    question = make("open", model_answer="M", key_points=["k1", "k2", "k3", "k4"])
    verdict = check_answer(question, {0, 2, 3})
    assert (verdict.correct, verdict.score, verdict.expected) == (False, 0.75, "M")
    assert verdict.feedback == ("Not covered: k2",)
    assert check_answer(question, range(4)).correct
    assert check_answer(question, set()).score == 0.0


def test_computed_needs_its_instance() -> None:
    question = make("computed", generator="parameter_count", params={"layer": "layer_norm"})
    with pytest.raises(ValueError, match="instance"):
        check_answer(question, 3)


def test_possessives_apostrophes_and_curly_quotes_match() -> None:
    question = make("short_answer", answers=["Welford", "Welford's algorithm"])
    for response in ("Welford's", "Welford’s", "welfords", "Welford’s algorithm", "WELFORD'S ALGORITHM"):
        assert check_answer(question, response).correct, response
    for response in ("Weldon's", "Chan's", "Welford's two-pass"):
        assert not check_answer(question, response).correct, response


def test_module_paths_and_a_trailing_layer_name_the_same_answer() -> None:
    question = make("short_answer", answers=["RMSNorm", "RMS norm"])
    for response in ("nn.RMSNorm", "torch.nn.RMSNorm", "RMSNorm layer", "nn.RMSNorm module", "rms norm layers"):
        assert check_answer(question, response).correct, response
    for response in ("nn.LayerNorm", "LayerNorm layer", "torch.nn.GroupNorm", "layer", "nn."):
        assert not check_answer(question, response).correct, response


def test_any_model_name_and_train_false_mean_eval() -> None:
    question = make("short_answer", answers=["model.eval()", "eval"])
    for response in ("net.eval()", "self.backbone.eval()", "model.train(False)", "net.train(mode=False)",
                     "model.eval"):
        assert check_answer(question, response).correct, response
    for response in ("model.train()", "net.train(True)", "model.train(mode=True)", "torch.no_grad()",
                     "model.requires_grad_(False)"):
        assert not check_answer(question, response).correct, response
