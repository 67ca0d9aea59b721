"""Computed questions: draw one instance of a question from a seed with its named generator.

A generator draws a small fresh input and has ``normquiz.core`` compute the
expected answer; NumPy and the core are imported on the first draw, so that
validating a bank stays fast.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from normquiz.bank.generator_catalogue import GENERATORS, render_placeholders

if TYPE_CHECKING:
    from normquiz.bank.model import ComputedQuestion


@dataclass(frozen=True)
class ComputedInstance:
    """One drawn instance of a computed question, ready to show and check.

    ``placeholders`` are the Markdown texts substituted for ``{{name}}``;
    ``inputs`` the raw values (NumPy arrays or numbers) for the UI to show.
    The answer is checked like a numeric one: ``|response - answer| <= tolerance``.
    """

    question_id: str
    seed: int
    prompt: str
    explanation: str
    answer: float
    tolerance: float
    worked_solution: str
    placeholders: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)


def instance_seed(question_id: str, seed: int) -> int:
    """A per-question seed, so that one session seed gives each question its own draw."""
    return (zlib.crc32(question_id.encode()) << 32) ^ (seed & 0xFFFFFFFF)


def generate(question: ComputedQuestion, seed: int) -> ComputedInstance:
    """Draw the instance of ``question`` for ``seed`` (deterministic).

    Raises ``ValueError`` when the question's params do not suit its generator
    (the loader reports that at load time, so a loaded question never does).
    """
    from normquiz.bank import generators  # NumPy and normquiz.core: only when needed

    spec = GENERATORS[question.generator]
    params = spec.params.model_validate(question.params)
    recipe = generators.RECIPES[spec.name](params, instance_seed(question.id, seed))
    return ComputedInstance(
        question_id=question.id,
        seed=seed,
        prompt=render_placeholders(question.prompt, recipe.placeholders),
        explanation=render_placeholders(question.explanation, recipe.placeholders),
        answer=float(recipe.answer),
        tolerance=recipe.tolerance,
        worked_solution=recipe.worked_solution,
        placeholders=recipe.placeholders,
        inputs=recipe.inputs,
    )
