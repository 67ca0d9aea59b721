"""The shipped bank validates and meets the issue's coverage targets (issue 3)."""

from __future__ import annotations

from functools import cache

import pytest

from normquiz.bank import LoadResult, load_bank
from normquiz.bank.checking import check_answer
from normquiz.bank.computed import generate
from normquiz.bank.model import ComputedQuestion


@cache
def bank() -> LoadResult:
    return load_bank()


def test_builtin_bank_has_no_problems() -> None:
    assert [str(problem) for problem in bank().problems] == []


def test_builtin_bank_size_and_mix() -> None:
    result = bank()
    levels, types = result.counts("level"), result.counts("type")
    assert len(result.questions) >= 100
    assert all(levels[level] >= 30 for level in ("basic", "intermediate", "advanced")), levels
    assert types["computed"] >= 12 and types["ordering"] >= 8 and types["open"] >= 10, types
    ids = [question.id for question in result.questions]
    assert len(ids) == len(set(ids))


def test_builtin_files_carry_the_schema_modeline() -> None:
    for report in bank().files:
        with open(report.path, encoding="utf-8") as handle:
            assert handle.readline().startswith("# yaml-language-server: $schema=question-file.schema.json"), report.path


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_every_computed_question_generates_and_accepts_its_answer(seed: int) -> None:
    for question in bank().questions:
        if isinstance(question, ComputedQuestion):
            instance = generate(question, seed)
            assert "{{" not in instance.prompt, question.id
            assert check_answer(question, instance.answer, instance=instance).correct, question.id
