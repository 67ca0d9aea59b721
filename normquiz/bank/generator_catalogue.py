"""The catalogue of computed-question generators: names, parameter models, placeholders.

This is what validation needs about a generator, without NumPy: the
generators themselves live in :mod:`normquiz.bank.generators` and
:mod:`normquiz.bank.computed` draws an instance with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class FoldBeforeParams(GeneratorParams):
    quantity: Literal["weight", "bias"] = "bias"


class ScaleStepParams(GeneratorParams):
    quantity: Literal["norm", "lr_factor"] = "norm"


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
        _spec("folded_batch_norm_before", FoldBeforeParams,
              "weights bias feature running_mean running_var gamma beta",
              "a weight or the bias of a linear layer after folding the eval-mode batch norm before it"),
        _spec("scale_invariant_step", ScaleStepParams, "weight gradient lr norm",
              "weight norm, or effective-learning-rate factor, after one SGD step on BN-fed weights"),
        _spec("ported_eps_output", NoParams, "x running_mean running_var gamma beta",
              "output of Keras-trained batch norm (eps 1e-3) run by PyTorch with eps 1e-5"),
    )
}

GENERATOR_NAMES: tuple[str, ...] = tuple(GENERATORS)


def generator_params_summary() -> str:
    """Each generator's parameters on one line, for the schema's description."""
    return "; ".join(f"{spec.name}: {', '.join(spec.params.model_fields) or 'none'}"
                     for spec in GENERATORS.values())


def render_placeholders(text: str, values: dict[str, str]) -> str:
    """``text`` with every ``{{name}}`` replaced; unknown names are left as written."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def unknown_placeholders(text: str, known: frozenset[str]) -> list[str]:
    return [name for name in PLACEHOLDER.findall(text) if name not in known]
