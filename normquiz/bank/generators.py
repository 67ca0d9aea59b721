"""Computed questions: the registry of named generators and ``generate()``.

A generator draws a small fresh input from a seed and has ``normquiz.core``
compute the expected answer. This module holds what the validator needs
(names, parameter models, placeholders) without importing NumPy; the recipes
themselves live in :mod:`normquiz.bank.recipes`, imported on first use.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from normquiz.bank.model import ComputedQuestion

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class GeneratorParams(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class MatrixParams(GeneratorParams):
    rows: int = Field(3, ge=2, le=6)
    cols: int = Field(4, ge=2, le=8)
    affine: bool = False


class BatchMatrixParams(MatrixParams):
    rows: int = Field(4, ge=2, le=8)
    cols: int = Field(3, ge=1, le=6)


class RmsParams(GeneratorParams):
    rows: int = Field(2, ge=1, le=6)
    cols: int = Field(4, ge=2, le=8)


class GroupNormParams(GeneratorParams):
    channels: int = Field(4, ge=2, le=8)
    groups: int = Field(2, ge=1, le=8)
    length: int = Field(2, ge=1, le=6)

    @model_validator(mode="after")
    def _groups_divide_channels(self) -> GroupNormParams:
        if self.channels % self.groups:
            raise ValueError(f"groups ({self.groups}) must divide channels ({self.channels})")
        return self


class RunningStatParams(GeneratorParams):
    steps: int = Field(2, ge=1, le=5)
    momentum: float | None = Field(0.1, gt=0, le=1)
    batch_size: int = Field(3, ge=2, le=6)
    statistic: Literal["running_mean", "running_var"] = "running_mean"


class NoParams(GeneratorParams):
    pass


class ParameterCountParams(GeneratorParams):
    layer: Literal["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm"]
    affine: bool | None = None  # None: PyTorch's default for that module


class FoldParams(GeneratorParams):
    quantity: Literal["weight", "bias"] = "weight"


class WeightGradParams(GeneratorParams):
    rows: int = Field(2, ge=1, le=5)
    cols: int = Field(3, ge=2, le=6)


@dataclass(frozen=True)
class GeneratorSpec:
    name: str
    params: type[GeneratorParams]
    placeholders: frozenset[str]
    description: str


def _spec(name: str, params: type[GeneratorParams], placeholders: str, description: str) -> GeneratorSpec:
    return GeneratorSpec(name, params, frozenset(placeholders.split()), description)


GENERATORS: dict[str, GeneratorSpec] = {
    spec.name: spec
    for spec in (
        _spec("layer_norm_entry", MatrixParams, "row col matrix gamma beta",
              "layer-norm output at (row, col), eps 1e-5"),
        _spec("batch_norm_entry", BatchMatrixParams, "row col matrix gamma beta",
              "training-mode batch-norm output at (row, col), biased variance, eps 1e-5"),
        _spec("rms_norm_entry", RmsParams, "row col matrix",
              "RMS-norm output at (row, col), eps 1e-5"),
        _spec("group_norm_entry", GroupNormParams, "tensor channel position groups",
              "group-norm output of one (1, C, L) sample at (channel, position), eps 1e-5"),
        _spec("running_stat_after_steps", RunningStatParams, "batches momentum steps statistic",
              "a PyTorch running buffer of one feature after some training steps"),
        _spec("batch_norm_eval_output", NoParams, "x running_mean running_var gamma beta",
              "eval-mode batch-norm output of one value"),
        _spec("parameter_count", ParameterCountParams, "shape layer_call",
              "number of learnable parameters of a normalization layer"),
        _spec("folded_batch_norm", FoldParams,
              "weight bias running_mean running_var gamma beta",
              "a weight or bias after folding eval-mode batch norm into the linear layer"),
        _spec("layer_norm_weight_grad", WeightGradParams, "matrix upstream col",
              "d loss / d gamma[col] of a layer norm given the upstream gradient"),
    )
}

GENERATOR_NAMES: tuple[str, ...] = tuple(GENERATORS)


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


@dataclass(frozen=True)
class Recipe:
    """What a recipe returns; ``generate()`` adds the rendering."""

    answer: float
    tolerance: float
    worked_solution: str
    placeholders: dict[str, str]
    inputs: dict[str, Any]


def format_number(value: float) -> str:
    """A number as a person writes it: ``3``, ``0.5``, ``-1.2247``, ``1e-05``."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) < 1e-3:
        return f"{value:.3g}"
    return f"{value:.4f}".rstrip("0").rstrip(".")


def instance_seed(question_id: str, seed: int) -> int:
    """A per-question seed, so that one session seed gives each question its own draw."""
    return (zlib.crc32(question_id.encode()) << 32) ^ (seed & 0xFFFFFFFF)


def render_placeholders(text: str, values: dict[str, str]) -> str:
    """``text`` with every ``{{name}}`` replaced; unknown names are left as written."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def unknown_placeholders(text: str, known: frozenset[str]) -> list[str]:
    return [name for name in PLACEHOLDER.findall(text) if name not in known]


def generate(question: ComputedQuestion, seed: int) -> ComputedInstance:
    """Draw the instance of ``question`` for ``seed`` (deterministic).

    Raises ``ValueError`` when the question's params do not suit its generator
    (the loader reports that at load time, so a loaded question never does).
    """
    from normquiz.bank import recipes  # NumPy and normquiz.core: only when needed

    spec = GENERATORS[question.generator]
    params = spec.params.model_validate(question.params)
    recipe = recipes.RECIPES[spec.name](params, instance_seed(question.id, seed))
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
