"""How a question's answer reads in Markdown: one wording for the study guide and the app's verdicts,
and the precision a number must have, stated before the learner answers."""

from __future__ import annotations

import math
from dataclasses import dataclass

from normquiz.bank import model as m
from normquiz.bank.checking import expected_answer
from normquiz.bank.computed import ComputedInstance


@dataclass(frozen=True)
class AnswerText:
    """The Markdown blocks that explain an answer, each without blank lines around it;
    the caller sets them in its own order. ``None``: the question has no such block."""

    answer: str | None  # **Answer:** on one line, or above a multi-line answer; None when not asked for
    why: str
    worked_solution: str | None  # computed questions only
    references: str | None


def answer_text(question: m.QuestionBase, instance: ComputedInstance | None = None, *,
                expected: str | None = None, inline_why: bool = False, with_answer: bool = True) -> AnswerText:
    """The answer blocks of ``question`` (a computed one's from its generated ``instance``).

    ``expected`` replaces the expected answer (a verdict's); ``inline_why``
    puts the explanation on the ``**Why:**`` line instead of below it;
    ``with_answer=False`` leaves the answer out (and does not work it out).
    """
    answer = None
    if with_answer:
        expected = (expected if expected is not None else expected_answer(question, instance)).strip()
        answer = _labelled("Answer", expected, inline="\n" not in expected)
    explanation = (instance.explanation if instance else question.explanation).strip()
    worked = instance.worked_solution.strip() if instance is not None and instance.worked_solution else ""
    references = "\n".join(f"- {reference}" for reference in question.references)
    return AnswerText(
        answer=answer,
        why=_labelled("Why", explanation, inline=inline_why),
        worked_solution=_labelled("Worked solution", worked) if worked else None,
        references=_labelled("References", references) if references else None,
    )


def _labelled(label: str, body: str, *, inline: bool = False) -> str:
    return f"**{label}:** {body}" if inline else f"**{label}:**\n\n{body}"


_DECIMALS = {1: "one decimal is", 2: "two decimals are", 3: "three decimals are", 4: "four decimals are"}


def answer_precision(question: m.QuestionBase, instance: ComputedInstance | None = None) -> str | None:
    """How precise a numeric or computed answer must be, e.g. "Answer to within ±0.01 (two
    decimals are enough)."; None for the other types (and for a computed one without its instance)."""
    if isinstance(question, m.NumericQuestion):
        tolerance = question.tolerance
    elif isinstance(question, m.ComputedQuestion) and instance is not None:
        tolerance = m.Tolerance(absolute=instance.tolerance)
    else:
        return None
    if tolerance.relative is not None:
        return f"Answer to within ±{tolerance.relative * 100:g}% of the exact value."
    if not tolerance.absolute:
        return "Give the exact value."
    return f"Answer to within ±{tolerance.absolute:g} ({_enough_digits(tolerance.absolute)})."


def _enough_digits(tolerance: float) -> str:
    """The fewest decimals whose rounding error (half a unit of the last one) stays within ``tolerance``."""
    if tolerance >= 0.5:
        return "a whole number is enough"
    decimals = max(1, math.ceil(-math.log10(2 * tolerance) - 1e-9))
    return f"{_DECIMALS.get(decimals, f'{decimals} decimals are')} enough"
