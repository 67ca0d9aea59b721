"""Answer checking: one function per question type, each returning an :class:`AnswerVerdict`.

Responses, by type (indices always refer to the order *as written* in the
file, never to the shuffled display order):

- ``single_choice``: one choice index (an ``int``, or a one-element collection);
- ``multiple_choice``: a collection of choice indices;
- ``true_false``: a ``bool`` (or the text ``true``/``false``/``yes``/``no``/``t``/``f``);
- ``numeric`` and ``computed``: a number, or text such as ``"0.5"``, ``"-1.2"``,
  ``"1e-3"``, ``"3/4"``, ``"1,024"``;
- ``short_answer``: text;
- ``ordering``: the item indices in the order the learner put them;
- ``open``: the indices of the key points the learner ticked.

A response that cannot be read (``"abc"`` for a number, an index out of
range) raises :class:`InvalidResponse`, whose message the UI shows before
asking again: a typo in the input is not a wrong answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from normquiz.bank import model as m
from normquiz.bank.computed import ComputedInstance
from normquiz.bank.numbers import format_number as number
from normquiz.bank.wording import normalize_text

SHORT_ANSWER_TYPO_MIN_LENGTH = 5


class InvalidResponse(ValueError):
    """A response that cannot be read as an answer to this question."""


@dataclass(frozen=True)
class AnswerVerdict:
    """The outcome of one answer: ``score`` in [0, 1] and what was wrong.

    ``feedback`` holds Markdown sentences (per-choice feedback of chosen wrong
    choices, missed choices, misplaced steps...); ``expected`` the correct
    answer in a displayable form.
    """

    correct: bool
    score: float
    expected: str
    feedback: tuple[str, ...] = ()


def check_answer(question: m.QuestionBase, response: Any, *, instance: ComputedInstance | None = None) -> AnswerVerdict:
    """Check ``response`` to ``question`` (a computed one needs the ``instance`` shown)."""
    if isinstance(question, m.ComputedQuestion):
        if instance is None or instance.question_id != question.id:
            raise ValueError(f"computed question {question.id!r} is checked against the instance shown: "
                             "pass instance=generate(question, seed)")
        return check_computed(instance, response)
    checker = _CHECKERS.get(type(question))
    if checker is None:
        raise TypeError(f"no checker for {type(question).__name__}")
    return checker(question, response)


def _choice_indices(response: Any, count: int) -> set[int]:
    items = [response] if isinstance(response, int) else response
    if isinstance(items, (str, bytes)) or not isinstance(items, Collection):
        raise InvalidResponse("choose by choice number")
    indices = set()
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item < count:
            raise InvalidResponse(f"there is no choice {item!r} (choices are 0 to {count - 1})")
        indices.add(item)
    return indices


def _choices_verdict(question: m.SingleChoiceQuestion | m.MultipleChoiceQuestion, chosen: set[int]) -> AnswerVerdict:
    right = {index for index, choice in enumerate(question.choices) if choice.correct}
    feedback = []
    for index in sorted(chosen - right):
        choice = question.choices[index]
        feedback.append(f"“{choice.text}” is not correct." + (f" {choice.feedback}" if choice.feedback else ""))
    for index in sorted(right - chosen):
        choice = question.choices[index]
        feedback.append(f"Missed: “{choice.text}”." + (f" {choice.feedback}" if choice.feedback else ""))
    for index in sorted(chosen & right):
        if question.choices[index].feedback:
            feedback.append(question.choices[index].feedback)  # type: ignore[arg-type]
    hits, false_picks = len(chosen & right), len(chosen - right)
    score = max(0.0, (hits - false_picks) / len(right))
    return AnswerVerdict(chosen == right, score, expected_answer(question), tuple(feedback))


def check_single_choice(question: m.SingleChoiceQuestion, response: Any) -> AnswerVerdict:
    chosen = _choice_indices(response, len(question.choices))
    if len(chosen) != 1:
        raise InvalidResponse("choose exactly one answer")
    return _choices_verdict(question, chosen)


def check_multiple_choice(question: m.MultipleChoiceQuestion, response: Any) -> AnswerVerdict:
    """Partial credit: (right picks − wrong picks) / number of right choices, at least 0."""
    return _choices_verdict(question, _choice_indices(response, len(question.choices)))


_TRUTH = {"true": True, "t": True, "yes": True, "y": True, "false": False, "f": False, "no": False, "n": False}


def check_true_false(question: m.TrueFalseQuestion, response: Any) -> AnswerVerdict:
    if isinstance(response, str):
        if response.strip().lower() not in _TRUTH:
            raise InvalidResponse(f"answer true or false, not {response!r}")
        response = _TRUTH[response.strip().lower()]
    if not isinstance(response, bool):
        raise InvalidResponse("answer true or false")
    correct = response == question.answer
    return AnswerVerdict(correct, float(correct), expected_answer(question))


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def parse_number(text: str | float | int) -> float:
    """A typed number: ``0.5``, ``-1.2``, ``1e-3``, ``3/4``, ``1,024``, ``1 024``, ``−2``."""
    if isinstance(text, bool):
        raise InvalidResponse("type a number")
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        cleaned = text.strip().replace("−", "-").replace("\u2009", "").replace("_", "")
        cleaned = re.sub(r"(?<=\d) (?=\d{3}\b)", "", cleaned)
        if _THOUSANDS.fullmatch(cleaned):
            cleaned = cleaned.replace(",", "")
        numerator, slash, denominator = cleaned.partition("/")
        parts = [numerator.strip(), denominator.strip()] if slash else [cleaned]
        if not all(_NUMBER.fullmatch(part) for part in parts):
            raise InvalidResponse(f"{text.strip()!r} is not a number: type e.g. 0.5, -1.2, 1e-3 or 3/4"
                                  + (" (use a dot for decimals)" if "," in cleaned else ""))
        if slash and not float(parts[1]):
            raise InvalidResponse("a fraction cannot divide by zero")
        value = float(parts[0]) / float(parts[1]) if slash else float(parts[0])
    if not math.isfinite(value):
        raise InvalidResponse("type a finite number")
    return value


def _with_unit(value: float, unit: str | None) -> str:
    return f"{number(value)} {unit}" if unit else number(value)


def _numeric_text(answer: float, tolerance: m.Tolerance, unit: str | None = None) -> str:
    return _with_unit(answer, unit) + (f" ({tolerance.describe()})" if tolerance.absolute != 0 else "")


def _numeric_verdict(value: float, answer: float, tolerance: m.Tolerance, unit: str | None = None) -> AnswerVerdict:
    correct = tolerance.allows(value, answer)
    feedback = () if correct else (
        f"You answered {_with_unit(value, unit)}; the answer is {_with_unit(answer, unit)}.",)
    return AnswerVerdict(correct, float(correct), _numeric_text(answer, tolerance, unit), feedback)


def check_numeric(question: m.NumericQuestion, response: Any) -> AnswerVerdict:
    return _numeric_verdict(parse_number(response), question.answer, question.tolerance, question.unit)


def check_computed(instance: ComputedInstance, response: Any) -> AnswerVerdict:
    return _numeric_verdict(parse_number(response), instance.answer, m.Tolerance(absolute=instance.tolerance))


# Code a learner may type for an answer: the module path and the name of the model are not the point.
_MODULE_PATH = re.compile(r"\b(?:torch\.nn\.|nn\.)(?=[A-Za-z])")
_RECEIVER = r"\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\."
_EVAL_CALL = re.compile(_RECEIVER + r"(?:eval\(\s*\)|train\(\s*(?:mode\s*=\s*)?False\s*\))")
_TRAIN_CALL = re.compile(_RECEIVER + r"train\(\s*(?:(?:mode\s*=\s*)?True)?\s*\)")
_TRAILING_KIND = re.compile(r"(?<=\S) (?:layers?|modules?)$")  # "RMSNorm layer": RMSNorm


def answer_form(text: str) -> str:
    """``normalize_text`` after the spellings that name the same answer are made one:
    ``nn.RMSNorm`` and ``torch.nn.RMSNorm`` are ``RMSNorm``; ``net.eval()`` and
    ``model.train(False)`` are ``model.eval()``; a trailing "layer" or "module" is dropped."""
    text = _MODULE_PATH.sub("", text.strip())
    text = _TRAIN_CALL.sub("model.train()", _EVAL_CALL.sub("model.eval()", text))
    return _TRAILING_KIND.sub("", normalize_text(text))


def edit_distance_at_most_one(a: str, b: str) -> bool:
    """True when ``b`` is ``a`` with at most one wrong, missing, extra or swapped character."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    shorter, longer = sorted((a, b), key=len)
    i = next((k for k in range(len(shorter)) if shorter[k] != longer[k]), len(shorter))
    return shorter[i:] == longer[i + 1:]


def check_short_answer(question: m.ShortAnswerQuestion, response: Any) -> AnswerVerdict:
    if not isinstance(response, str):
        raise InvalidResponse("type an answer")
    given = answer_form(response)
    if not given:
        raise InvalidResponse("type an answer")
    expected = expected_answer(question)
    for accepted in question.answers:
        target = answer_form(accepted)
        if given == target:
            return AnswerVerdict(True, 1.0, expected)
    for accepted in question.answers:
        target = answer_form(accepted)
        if len(target) >= SHORT_ANSWER_TYPO_MIN_LENGTH and edit_distance_at_most_one(given, target):
            return AnswerVerdict(True, 1.0, expected, (f"Accepted with a typo: it is spelled “{accepted}”.",))
    others = ", ".join(f"“{answer}”" for answer in question.answers[1:])
    return AnswerVerdict(False, 0.0, expected, (f"Also accepted: {others}.",) if others else ())


def _permutation(response: Any, count: int, what: str) -> list[int]:
    if isinstance(response, (str, bytes)) or not isinstance(response, Collection):
        raise InvalidResponse(f"give the {what} numbers in order")
    order = list(response)
    if sorted(order) != list(range(count)) or any(isinstance(i, bool) for i in order):
        raise InvalidResponse(f"use each {what} number from 0 to {count - 1} exactly once")
    return order


def check_ordering(question: m.OrderingQuestion, response: Any) -> AnswerVerdict:
    """Partial credit: the fraction of item pairs in the right relative order (Kendall tau)."""
    order = _permutation(response, len(question.items), "step")
    n = len(order)
    pairs_in_order = sum(order[i] < order[j] for i in range(n) for j in range(i + 1, n))
    score = pairs_in_order / (n * (n - 1) // 2)
    expected = expected_answer(question)
    feedback = tuple(
        f"“{question.items[item]}” is step {item + 1}, not {position}."
        for position, item in enumerate(order, start=1) if item != position - 1
    )
    return AnswerVerdict(order == list(range(n)), score, expected, feedback)


def check_open(question: m.OpenQuestion, response: Any) -> AnswerVerdict:
    """The score is the fraction of key points ticked; correct when all are."""
    ticked = set() if response is None else _choice_indices(response, len(question.key_points))
    score = len(ticked) / len(question.key_points)
    missed = tuple(f"Not covered: {point}" for index, point in enumerate(question.key_points) if index not in ticked)
    return AnswerVerdict(score == 1.0, score, expected_answer(question), missed)


def expected_answer(question: m.QuestionBase, instance: ComputedInstance | None = None) -> str:
    """The correct answer as Markdown, for verdicts and the study guide."""
    if isinstance(question, (m.SingleChoiceQuestion, m.MultipleChoiceQuestion)):
        return "; ".join(choice.text for choice in question.choices if choice.correct)
    if isinstance(question, m.TrueFalseQuestion):
        return "True" if question.answer else "False"
    if isinstance(question, m.NumericQuestion):
        return _numeric_text(question.answer, question.tolerance, question.unit)
    if isinstance(question, m.ShortAnswerQuestion):
        return question.answers[0]
    if isinstance(question, m.OrderingQuestion):
        return "\n".join(f"{position}. {item}" for position, item in enumerate(question.items, start=1))
    if isinstance(question, m.OpenQuestion):
        return question.model_answer
    if isinstance(question, m.ComputedQuestion) and instance is not None:
        return _numeric_text(instance.answer, m.Tolerance(absolute=instance.tolerance))
    if isinstance(question, m.CodeQuestion):
        return f"```python\n{question.reference.rstrip()}\n```"
    raise ValueError(f"no expected answer for {question.id!r} without its instance")


_CHECKERS: dict[type, Callable[[Any, Any], AnswerVerdict]] = {
    m.SingleChoiceQuestion: check_single_choice,
    m.MultipleChoiceQuestion: check_multiple_choice,
    m.TrueFalseQuestion: check_true_false,
    m.NumericQuestion: check_numeric,
    m.ShortAnswerQuestion: check_short_answer,
    m.OrderingQuestion: check_ordering,
    m.OpenQuestion: check_open,
}
