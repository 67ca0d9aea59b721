"""The question bank: model, YAML loading and validation, answer checking, computed questions.

Imports nothing from textual or rich, and NumPy only when a computed question
is generated, so that ``normquiz validate`` stays fast. The names below are
imported on first use (PEP 562), so that a light submodule such as
``normquiz.bank.demos`` does not pull in pydantic and the loader: the app's
home screen lists the demos before its first frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from normquiz.lazy import lazy_exports

if TYPE_CHECKING:
    from normquiz.bank.checking import AnswerVerdict, InvalidResponse, check_answer, expected_answer, parse_number
    from normquiz.bank.computed import ComputedInstance, generate
    from normquiz.bank.loader import FileReport, LoadResult, QuestionSource, load_bank, load_paths
    from normquiz.bank.model import LEVELS, QUESTION_TYPES, QuestionBase, QuestionFile, content_hash
    from normquiz.bank.problem import Problem

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "checking": ("AnswerVerdict", "InvalidResponse", "check_answer", "expected_answer", "parse_number"),
    "computed": ("ComputedInstance", "generate"),
    "loader": ("FileReport", "LoadResult", "QuestionSource", "load_bank", "load_paths"),
    "model": ("LEVELS", "QUESTION_TYPES", "QuestionBase", "QuestionFile", "content_hash"),
    "problem": ("Problem",),
})
