"""The question bank: model, YAML loading and validation, answer checking, computed questions.

Imports nothing from textual or rich, and NumPy only when a computed question
is generated, so that ``normquiz validate`` stays fast. The names below are
imported on first use (PEP 562), so that a light submodule such as
``normquiz.bank.demos`` does not pull in pydantic and the loader: the app's
home screen lists the demos before its first frame.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from normquiz.bank.checking import AnswerVerdict, InvalidResponse, check_answer, expected_answer, parse_number
    from normquiz.bank.computed import ComputedInstance, generate
    from normquiz.bank.loader import FileReport, LoadResult, QuestionSource, load_bank, load_paths
    from normquiz.bank.model import LEVELS, QUESTION_TYPES, QuestionBase, QuestionFile, content_hash
    from normquiz.bank.problem import Problem

_HOMES = {
    "checking": ("AnswerVerdict", "InvalidResponse", "check_answer", "expected_answer", "parse_number"),
    "computed": ("ComputedInstance", "generate"),
    "loader": ("FileReport", "LoadResult", "QuestionSource", "load_bank", "load_paths"),
    "model": ("LEVELS", "QUESTION_TYPES", "QuestionBase", "QuestionFile", "content_hash"),
    "problem": ("Problem",),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'normquiz.bank' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"normquiz.bank.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
