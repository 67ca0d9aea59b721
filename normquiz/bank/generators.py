"""The computed-question generators: draw nice numbers, let core compute the answer.

Every answer comes from ``normquiz.core`` (never re-derived here); the worked
solutions show the intermediate statistics core reports. Inputs are small
integers or one-decimal values so that a person can follow by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from normquiz import core
from normquiz.bank import generator_catalogue as g
from normquiz.bank.numbers import format_number as number

EPS = 1e-5
ENTRY_TOLERANCE = 0.01  # outputs of order 1, asked to two decimals
RUNNING_TOLERANCE = 0.005


@dataclass(frozen=True)
class Recipe:
    """What a recipe returns; ``generate()`` adds the rendering."""

    answer: float
    tolerance: float
    worked_solution: str
    placeholders: dict[str, str]
    inputs: dict[str, Any]


def term(value: float) -> str:
    """A number inside a formula: negatives in parentheses, ``(-2)``."""
    return number(value) if value >= 0 else f"({number(value)})"


def vector(values: Any) -> str:
    return "[" + ", ".join(number(value) for value in np.ravel(values)) + "]"


def table(matrix: np.ndarray, row_label: str, column_label: str) -> str:
    """A Markdown table with 0-based row and column labels."""
    header = "| | " + " | ".join(f"{column_label} {j}" for j in range(matrix.shape[1])) + " |"
    rule = "|---|" + "---:|" * matrix.shape[1]
    rows = [f"| **{row_label} {i}** | " + " | ".join(number(v) for v in row) + " |"
            for i, row in enumerate(matrix)]
    return "\n".join([header, rule, *rows])


def _integers(rng: np.random.Generator, shape: tuple[int, ...], low: int = -3, high: int = 6) -> np.ndarray:
    return rng.integers(low, high + 1, size=shape).astype(np.float64)


def _pick(rng: np.random.Generator, options: tuple[float, ...]) -> float:
    return float(options[int(rng.integers(len(options)))])


def _spread_input(
    rng: np.random.Generator, shape: tuple[int, ...], kind: str, **options: Any
) -> tuple[np.ndarray, core.NormStatistics]:
    """Small integers whose every normalization group has a visible spread, and their statistics."""
    for _ in range(50):
        x = _integers(rng, shape)
        stats = core.normalization_statistics(x, kind, **options)
        if np.all(stats.var >= 0.5):
            break
    return x, stats  # the last draw, should 50 in a row be flat (they never are)


def _telling_position(rng: np.random.Generator, x: np.ndarray, stats: core.NormStatistics) -> tuple[int, ...]:
    """A random entry whose output is not simply 0 (the entry is not its group's mean)."""
    candidates = np.argwhere(x != np.broadcast_to(stats.mean, x.shape))
    if not len(candidates):  # pragma: no cover - _spread_input rules this out
        candidates = np.argwhere(np.ones_like(x, dtype=bool))
    return tuple(int(index) for index in candidates[int(rng.integers(len(candidates)))])


def _affine(rng: np.random.Generator, size: int, enabled: bool) -> tuple[np.ndarray | None, np.ndarray | None]:
    if not enabled:
        return None, None
    gamma = np.array([_pick(rng, (0.5, 1.0, 1.5, 2.0)) for _ in range(size)])
    beta = np.array([_pick(rng, (-1.0, -0.5, 0.0, 0.5, 1.0)) for _ in range(size)])
    return gamma, beta


def _entry_recipe(
    x: np.ndarray, stats: core.NormStatistics, output: np.ndarray, position: tuple[int, ...], group_name: str,
    gamma: np.ndarray | None = None, beta: np.ndarray | None = None,
) -> tuple[float, str]:
    """The answer at ``position`` and the worked solution, for any normalization."""
    shared = x[stats.group_index == stats.group_index[position]]
    mean = float(np.broadcast_to(stats.mean, x.shape)[position])
    var = float(np.broadcast_to(stats.var, x.shape)[position])
    value, count = float(x[position]), shared.size
    terms = " + ".join(term(v) for v in shared)
    lines = [f"1. The statistic for this entry is computed over {group_name}: {vector(shared)}."]
    if stats.kind == "rms":
        squares = " + ".join(f"{term(v)}²" for v in shared)
        lines.append(f"2. Mean square = ({squares}) / {count} = {number(var)}.")
        lines.append(f"3. Output = x / √(mean square + eps) = {number(value)} / √({number(var)} + 1e-5)"
                     f" = **{number(output[position])}**.")
        return float(output[position]), "\n".join(lines)
    deviations = " + ".join(f"({number(v)} − {term(mean)})²" for v in shared)
    normalized = (value - mean) / np.sqrt(var + EPS)
    lines.append(f"2. Mean = ({terms}) / {count} = {number(mean)}.")
    lines.append(f"3. Biased variance = ({deviations}) / {count} = {number(var)}.")
    lines.append(f"4. Normalized = (x − mean) / √(variance + eps) = ({number(value)} − {term(mean)})"
                 f" / √({number(var)} + 1e-5) = {number(normalized)}.")
    if gamma is not None and beta is not None:
        feature = position[-1]
        lines.append(f"5. Scale and shift: γ · x̂ + β = {number(gamma[feature])} · {term(normalized)}"
                     f" + {term(beta[feature])} = **{number(output[position])}**.")
    else:
        lines[-1] = lines[-1][:-1] + f" ≈ **{number(output[position])}**."
    return float(output[position]), "\n".join(lines)


def _matrix_entry(params: Any, seed: int, kind: str) -> Recipe:
    rng = np.random.default_rng(seed)
    rows, cols = params.rows, params.cols
    options = {"normalized_shape": (cols,)} if kind in ("layer", "rms") else {}
    x, stats = _spread_input(rng, (rows, cols), kind, **options)
    gamma, beta = _affine(rng, cols, getattr(params, "affine", False))
    if kind == "layer":
        output = core.layer_norm(x, (cols,), gamma, beta, eps=EPS)
    elif kind == "rms":
        output = core.rms_norm(x, (cols,), eps=EPS)
    else:
        output = core.batch_norm(x, None, None, gamma, beta, training=True, eps=EPS)
    row, col = _telling_position(rng, x, stats)
    group_name = f"column {col} (all {rows} examples)" if kind == "batch" else f"row {row}"
    answer, solution = _entry_recipe(x, stats, output, (row, col), group_name, gamma, beta)
    placeholders = {"row": str(row), "col": str(col), "matrix": table(x, "row", "col")}
    inputs: dict[str, Any] = {"x": x}
    if kind != "rms":
        placeholders["gamma"] = vector(gamma) if gamma is not None else "[1, …, 1] (no affine)"
        placeholders["beta"] = vector(beta) if beta is not None else "[0, …, 0] (no affine)"
        inputs.update(gamma=gamma, beta=beta)
    return Recipe(answer, ENTRY_TOLERANCE, solution, placeholders, inputs)


def layer_norm_entry(params: g.MatrixParams, seed: int) -> Recipe:
    return _matrix_entry(params, seed, "layer")


def batch_norm_entry(params: g.BatchMatrixParams, seed: int) -> Recipe:
    return _matrix_entry(params, seed, "batch")


def rms_norm_entry(params: g.RmsParams, seed: int) -> Recipe:
    return _matrix_entry(params, seed, "rms")


def group_norm_entry(params: g.GroupNormParams, seed: int) -> Recipe:
    rng = np.random.default_rng(seed)
    x, stats = _spread_input(rng, (1, params.channels, params.length), "group", num_groups=params.groups)
    output = core.group_norm(x, params.groups, eps=EPS)
    _, channel, position = _telling_position(rng, x, stats)
    size = params.channels // params.groups
    first = channel // size * size
    group_name = (f"group {channel // size}, channels {first}–{first + size - 1}, "
                  f"all {params.length} positions")
    answer, solution = _entry_recipe(x, stats, output, (0, channel, position), group_name)
    placeholders = {"tensor": table(x[0], "channel", "position"), "channel": str(channel),
                    "position": str(position), "groups": str(params.groups)}
    return Recipe(answer, ENTRY_TOLERANCE, solution, placeholders, {"x": x})


def running_stat_after_steps(params: g.RunningStatParams, seed: int) -> Recipe:
    rng = np.random.default_rng(seed)
    batches = _integers(rng, (params.steps, params.batch_size), 0, 6)
    for step in batches:  # a batch of equal values would make a dull, degenerate step
        while np.all(step == step[0]):
            step[:] = _integers(rng, (params.batch_size,), 0, 6)
    layer = core.BatchNorm(1, momentum=params.momentum)
    buffer_name = params.statistic
    momentum_text = number(params.momentum) if params.momentum is not None else "None (cumulative average)"
    lines = [f"Start: running_mean = 0, running_var = 1; momentum = {momentum_text}."]
    for step, batch in enumerate(batches, start=1):
        before = float(getattr(layer, buffer_name)[0])
        layer(batch.reshape(-1, 1))
        after = float(getattr(layer, buffer_name)[0])
        stats = core.normalization_statistics(batch.reshape(-1, 1), "batch")
        observed = float(stats.mean.ravel()[0] if buffer_name == "running_mean" else stats.unbiased_var.ravel()[0])
        what = "batch mean" if buffer_name == "running_mean" else "unbiased batch variance"
        factor = params.momentum if params.momentum is not None else 1 / step
        lines.append(f"{step}. Batch {vector(batch)}: {what} = {number(observed)}; "
                     f"{buffer_name} = (1 − {number(factor)}) · {term(before)} + "
                     f"{number(factor)} · {term(observed)} = {number(after)}.")
    answer = float(getattr(layer, buffer_name)[0])
    lines[-1] = lines[-1][:-1].rsplit("= ", 1)[0] + f"= **{number(answer)}**."
    batch_rows = "\n".join(f"- step {i}: {vector(batch)}" for i, batch in enumerate(batches, start=1))
    placeholders = {"batches": batch_rows, "momentum": momentum_text, "steps": str(params.steps),
                    "statistic": buffer_name}
    return Recipe(answer, RUNNING_TOLERANCE, "\n".join(lines), placeholders, {"batches": batches})


def _eval_setting(rng: np.random.Generator) -> dict[str, float]:
    return {
        "running_mean": float(rng.integers(-2, 4)),
        "running_var": _pick(rng, (0.25, 1.0, 4.0, 9.0)),
        "gamma": _pick(rng, (0.5, 1.0, 1.5, 2.0)),
        "beta": _pick(rng, (-1.0, -0.5, 0.0, 0.5, 1.0)),
    }


def batch_norm_eval_output(params: g.NoParams, seed: int) -> Recipe:
    rng = np.random.default_rng(seed)
    setting = _eval_setting(rng)
    x = float(rng.integers(-3, 7))
    arrays = {name: np.array([value]) for name, value in setting.items()}
    output = core.batch_norm(np.array([[x]]), arrays["running_mean"], arrays["running_var"],
                             arrays["gamma"], arrays["beta"], training=False, eps=EPS)
    answer = float(output[0, 0])
    text = {name: number(value) for name, value in setting.items()}
    solution = (f"In eval mode batch norm uses the running statistics, not the batch:\n"
                f"y = γ · (x − running_mean) / √(running_var + eps) + β = "
                f"{text['gamma']} · ({number(x)} − {term(setting['running_mean'])}) / √({text['running_var']} + 1e-5)"
                f" + {term(setting['beta'])} ≈ **{number(answer)}**.")
    return Recipe(answer, ENTRY_TOLERANCE, solution, {"x": number(x), **text}, {"x": x, **setting})


_LAYER_CALLS = {
    "batch_norm": ("nn.BatchNorm2d({c})", "affine=False"),
    "group_norm": ("nn.GroupNorm({g}, {c})", "affine=False"),
    "instance_norm": ("nn.InstanceNorm2d({c})", "affine=True"),
    "layer_norm": ("nn.LayerNorm({d})", "elementwise_affine=False"),
    "rms_norm": ("nn.RMSNorm({d})", "elementwise_affine=False"),
}


def parameter_count(params: g.ParameterCountParams, seed: int) -> Recipe:
    rng = np.random.default_rng(seed)
    layer = params.layer
    n = int(rng.choice((8, 16, 32)))
    c = int(rng.choice((16, 32, 64, 128, 256)))
    if layer in ("layer_norm", "rms_norm"):
        t, d = int(rng.choice((16, 128, 512))), int(rng.choice((64, 256, 512, 768, 1024)))
        size: Any = (t, d) if rng.integers(2) else (d,)
        shape, shown = (n, t, d), (number(d) if len(size) == 1 else str(size))
    else:
        h = int(rng.choice((7, 14, 28, 32)))
        size, shape, shown = c, (n, c, h, h), ""
    call, non_default = _LAYER_CALLS[layer]
    call = call.format(c=c, g=int(rng.choice([k for k in (2, 4, 8, 16) if c % k == 0])), d=shown)
    if params.affine is not None and _differs_from_default(layer, params.affine):
        call = call[:-1] + f", {non_default})"
    answer = core.parameter_count(layer, size, affine=params.affine)
    per_tensor = int(np.prod(size))
    if answer == 0:
        solution = f"`{call}` has no learnable affine parameters (only buffers, if any): **0**."
    elif answer == per_tensor:
        solution = f"`{call}` learns one scale per normalized element: {per_tensor} = **{answer}**."
    else:
        buffers = " Its running statistics are buffers, not parameters." if layer == "batch_norm" else ""
        solution = (f"`{call}` learns a weight (γ) and a bias (β) of {per_tensor} values each: "
                    f"2 × {per_tensor} = **{answer}**.{buffers}")
    placeholders = {"shape": str(shape), "layer_call": f"`{call}`"}
    return Recipe(float(answer), 0.0, solution, placeholders, {"shape": shape, "size": size})


def _differs_from_default(layer: str, affine: bool) -> bool:
    return affine is (layer == "instance_norm")


def folded_batch_norm(params: g.FoldParams, seed: int) -> Recipe:
    rng = np.random.default_rng(seed)
    setting = _eval_setting(rng)
    weight, bias = _pick(rng, (-1.0, 0.5, 1.0, 1.5, 2.0)), float(rng.integers(-2, 3))
    arrays = {name: np.array([value]) for name, value in setting.items()}
    folded_weight, folded_bias = core.fold_batch_norm(
        np.array([[weight]]), np.array([bias]), arrays["running_mean"], arrays["running_var"],
        arrays["gamma"], arrays["beta"], eps=EPS)
    text = {name: number(value) for name, value in setting.items()}
    scale = f"{text['gamma']} / √({text['running_var']} + 1e-5)"
    answer = float(np.ravel(folded_weight if params.quantity == "weight" else folded_bias)[0])
    solution = (f"Eval-mode BN after the linear layer computes γ · (w·x + b − μ) / √(σ² + eps) + β, "
                f"so the scale s = γ / √(σ² + eps) = {scale} ≈ {number(setting['gamma'] / np.sqrt(setting['running_var'] + EPS))}.\n"
                f"- folded weight = s · w = {number(np.ravel(folded_weight)[0])}\n"
                f"- folded bias = s · (b − μ) + β = s · ({number(bias)} − {term(setting['running_mean'])}) + {term(setting['beta'])}"
                f" = {number(np.ravel(folded_bias)[0])}\n\nThe {params.quantity} asked for is **{number(answer)}**.")
    placeholders = {"weight": number(weight), "bias": number(bias), **text}
    return Recipe(answer, ENTRY_TOLERANCE, solution, placeholders, {"weight": weight, "bias": bias, **setting})


def layer_norm_weight_grad(params: g.WeightGradParams, seed: int) -> Recipe:
    rng = np.random.default_rng(seed)
    shape = (params.rows, params.cols)
    x, stats = _spread_input(rng, shape, "layer", normalized_shape=(params.cols,))
    upstream = _integers(rng, shape, -2, 2)
    col = int(rng.integers(params.cols))
    _, dweight, _ = core.layer_norm_backward(upstream, x, (params.cols,), np.ones(params.cols), eps=EPS)
    answer = float(dweight[col])
    normalized = (x - stats.mean) * stats.rstd(EPS)
    lines = ["d loss / d γ[j] = Σ over rows of upstream[i, j] · x̂[i, j], with x̂ the normalized input.", ""]
    for i in range(params.rows):
        lines.append(f"- row {i}: mean {number(stats.mean[i, 0])}, biased variance {number(stats.var[i, 0])}, "
                     f"x̂[{i}, {col}] = {number(normalized[i, col])}, upstream {number(upstream[i, col])}")
    products = " + ".join(f"{term(upstream[i, col])} · {term(normalized[i, col])}" for i in range(params.rows))
    lines.append(f"\nd loss / d γ[{col}] = {products} = **{number(answer)}**.")
    placeholders = {"matrix": table(x, "row", "col"), "upstream": table(upstream, "row", "col"), "col": str(col)}
    return Recipe(answer, ENTRY_TOLERANCE, "\n".join(lines), placeholders, {"x": x, "upstream": upstream})


RECIPES: dict[str, Callable[[Any, int], Recipe]] = {
    "layer_norm_entry": layer_norm_entry,
    "batch_norm_entry": batch_norm_entry,
    "rms_norm_entry": rms_norm_entry,
    "group_norm_entry": group_norm_entry,
    "running_stat_after_steps": running_stat_after_steps,
    "batch_norm_eval_output": batch_norm_eval_output,
    "parameter_count": parameter_count,
    "folded_batch_norm": folded_batch_norm,
    "layer_norm_weight_grad": layer_norm_weight_grad,
}
