"""The question bank: model, YAML loading and validation, answer checking, quiz sessions.

Imports nothing from textual or rich, and NumPy only when a computed question
is generated, so that ``normquiz validate`` stays fast.
"""

from normquiz.bank.checking import AnswerVerdict, InvalidResponse, check_answer, expected_answer, parse_number
from normquiz.bank.generators import ComputedInstance, generate
from normquiz.bank.loader import FileReport, LoadResult, QuestionSource, load_bank, load_paths
from normquiz.bank.model import LEVELS, QUESTION_TYPES, QuestionBase, QuestionFile, content_hash
from normquiz.bank.problems import Problem
from normquiz.bank.session import QuizSession, SessionOptions, SessionSummary

__all__ = [
    "LEVELS", "QUESTION_TYPES", "AnswerVerdict", "ComputedInstance", "FileReport", "InvalidResponse",
    "LoadResult", "Problem", "QuestionBase", "QuestionFile", "QuestionSource", "QuizSession",
    "SessionOptions", "SessionSummary", "check_answer", "content_hash", "expected_answer", "generate", "load_bank",
    "load_paths", "parse_number",
]
