"""Helpers for the bank tests: write small question files and load them."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from normquiz.bank import LoadResult, load_paths
from normquiz.bank.model import Question, QuestionBase

HEADER = "topic: Test topic\nquestions:\n"

#: A valid question of each simple type, indented as an item of ``questions:``.
SINGLE = """\
  - id: q-single
    level: basic
    type: single_choice
    tags: [batch-norm]
    prompt: Which axis?
    choices:
      - text: Axis 0
        correct: true
      - text: Axis 1
        feedback: That is layer norm.
    explanation: Because.
"""

TRUE_FALSE = """\
  - id: q-true-false
    level: intermediate
    type: true_false
    tags: [layer-norm]
    prompt: LN is the same in train and eval.
    answer: true
    explanation: It has no running statistics.
"""


_QUESTION = TypeAdapter(Question)


def make_question(kind: str, **fields: object) -> QuestionBase:
    """A validated question of type ``kind`` (id ``q-<kind>``, level basic, tag ``t``); ``fields`` override."""
    defaults = {"id": f"q-{kind.replace('_', '-')}", "level": "basic", "tags": ["t"], "prompt": "P", "explanation": "E"}
    return _QUESTION.validate_python({**defaults, "type": kind, **fields})


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


@pytest.fixture
def load_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., LoadResult]:
    """``load_yaml(text, name="q.yaml")``: write ``text`` to a file and load it.

    The working directory is the file's folder, so problems name ``q.yaml``.
    """
    monkeypatch.chdir(tmp_path)

    def load(text: str | bytes, name: str = "q.yaml") -> LoadResult:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return load_paths([path])

    return load


def only_problem(result: LoadResult) -> str:
    assert len(result.problems) == 1, [str(problem) for problem in result.problems]
    return str(result.problems[0])
