"""Reading answer keys from the built-in YAML files, for the tests that recompute them."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

CONTENT = Path(__file__).resolve().parents[2] / "content"


@cache
def _all_questions() -> dict[str, dict[str, Any]]:
    questions: dict[str, dict[str, Any]] = {}
    for path in sorted(CONTENT.glob("*.yaml")):
        with open(path, encoding="utf-8") as handle:
            for item in yaml.safe_load(handle)["questions"]:
                questions[item["id"]] = item
    return questions


@cache
def questions_of(*files: str) -> dict[str, dict[str, Any]]:
    """The questions of the named content files (``"layer-norm.yaml"``), by id, in file order."""
    found: dict[str, dict[str, Any]] = {}
    for name in files:
        with open(CONTENT / name, encoding="utf-8") as handle:
            for item in yaml.safe_load(handle)["questions"]:
                found[item["id"]] = item
    return found


def question(question_id: str) -> dict[str, Any]:
    questions = _all_questions()
    assert question_id in questions, f"{question_id} is not in the bank"
    return questions[question_id]


def assert_numeric(question_id: str, value: float) -> None:
    """``value``, recomputed, is accepted by the question's own answer and tolerance."""
    q = question(question_id)
    assert q["type"] == "numeric", question_id
    tolerance = q["tolerance"]
    allowed = tolerance["relative"] * abs(q["answer"]) if isinstance(tolerance, dict) else tolerance
    assert abs(value - q["answer"]) <= allowed + 1e-12, (question_id, value, q["answer"])


def correct_texts(question_id: str) -> list[str]:
    return [choice["text"] for choice in question(question_id)["choices"] if choice.get("correct")]


def wrong_texts(question_id: str) -> list[str]:
    return [choice["text"] for choice in question(question_id)["choices"] if not choice.get("correct")]
