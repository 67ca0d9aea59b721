"""The computed-question generators: draw nice numbers, let core compute the answer.

Every answer comes from ``normquiz.core`` (never re-derived here); the worked
solutions show the intermediate statistics core reports. Inputs are small
integers or one-decimal values so that a person can follow by hand. Each
generator also names the slips its questions warn about, and redraws until
none of them would be accepted (see :mod:`normquiz.bank.recipe`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from normquiz import core
from normquiz.bank import generator_catalogue as g
from normquiz.bank import generators_gradients as gradients
from normquiz.bank import generators_inference as inference
from normquiz.bank.numbers import format_number as number
from normquiz.bank.recipe import (
    ENTRY_TOLERANCE,
    EPS,
    RUNNING_TOLERANCE,
    Recipe,
    draw_telling,
    integers,
    pick,
    spread_input,
    table,
    term,
    vector,
)


def _telling_position(rng: np.random.Generator, x: np.ndarray, stats: core.NormStatistics) -> tuple[int, ...]:
    """A random entry whose output is not simply 0 (the entry is not its group's mean)."""
    candidates = np.argwhere(x != np.broadcast_to(stats.mean, x.shape))
    if not len(candidates):  # pragma: no cover - spread_input rules this out
        candidates = np.argwhere(np.ones_like(x, dtype=bool))
    return tuple(int(index) for index in candidates[int(rng.integers(len(candidates)))])


def _affine(rng: np.random.Generator, size: int, enabled: bool) -> tuple[np.ndarray | None, np.ndarray | None]:
    if not enabled:
        return None, None
    gamma = np.array([pick(rng, (0.5, 1.0, 1.5, 2.0)) for _ in range(size)])
    beta = np.array([pick(rng, (-1.0, -0.5, 0.0, 0.5, 1.0)) for _ in range(size)])
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


def _normalized_with(x: np.ndarray, stats: core.NormStatistics, position: tuple[int, ...], *,
                     unbiased: bool = False) -> float:
    """x̂ at ``position`` from ``stats`` (optionally with the unbiased variance, a named slip)."""
    mean = np.broadcast_to(stats.mean, x.shape)[position]
    var = np.broadcast_to(stats.unbiased_var if unbiased else stats.var, x.shape)[position]
    return float((x[position] - mean) / np.sqrt(var + EPS))


def _entry_slips(kind: str, x: np.ndarray, stats: core.NormStatistics, position: tuple[int, int],
                 gamma: np.ndarray | None, beta: np.ndarray | None) -> dict[str, float]:
    """The slips matrix-entry questions warn about: the other axis, N − 1, the row's γ/β, no affine."""
    row, col = position
    other = "layer" if kind == "batch" else "batch"
    other_options = {"normalized_shape": (x.shape[1],)} if other == "layer" else {}
    if kind == "rms":  # the slips are subtracting the mean, or using the column
        layer_stats = core.normalization_statistics(x, "layer", normalized_shape=(x.shape[1],))
        column_square = float(np.mean(x[:, col] ** 2))
        return {"mean subtracted (layer norm)": _normalized_with(x, layer_stats, position),
                "column's mean square": float(x[position] / np.sqrt(column_square + EPS))}
    other_stats = core.normalization_statistics(x, other, **other_options)
    scale = np.ones(x.shape[1]) if gamma is None else gamma
    shift = np.zeros(x.shape[1]) if beta is None else beta
    slips = {
        f"{other}-norm statistics (the other axis)": scale[col] * _normalized_with(x, other_stats, position)
        + shift[col],
        "unbiased variance": scale[col] * _normalized_with(x, stats, position, unbiased=True) + shift[col],
    }
    if gamma is not None:
        normalized = _normalized_with(x, stats, position)
        slips["affine left out"] = normalized
        if row < x.shape[1]:  # on the diagonal this slip cannot be told apart: redraw
            slips["γ and β of the row, not the column"] = gamma[row] * normalized + shift[row]
    return slips


def _matrix_entry(params: Any, seed: int, kind: str) -> Recipe:
    def draw(rng: np.random.Generator) -> Recipe:
        rows, cols = params.rows, params.cols
        options = {"normalized_shape": (cols,)} if kind in ("layer", "rms") else {}
        x, stats = spread_input(rng, (rows, cols), kind, **options)
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
        slips = _entry_slips(kind, x, stats, (row, col), gamma, beta)
        return Recipe(answer, ENTRY_TOLERANCE, solution, placeholders, inputs, slips)

    return draw_telling(draw, np.random.default_rng(seed))


def layer_norm_entry(params: g.MatrixParams, seed: int) -> Recipe:
    return _matrix_entry(params, seed, "layer")


def batch_norm_entry(params: g.BatchMatrixParams, seed: int) -> Recipe:
    return _matrix_entry(params, seed, "batch")


def rms_norm_entry(params: g.RmsParams, seed: int) -> Recipe:
    return _matrix_entry(params, seed, "rms")


def _group_slips(x: np.ndarray, groups: int, position: tuple[int, int, int],
                 stats: core.NormStatistics) -> dict[str, float]:
    """Normalizing over the wrong set of channels, or with N − 1."""
    channels = x.shape[1]
    slips = {"unbiased variance": _normalized_with(x, stats, position, unbiased=True)}
    if groups < channels:
        slips["the channel alone (instance norm)"] = float(core.group_norm(x, channels, eps=EPS)[position])
    if groups > 1:
        slips["all channels (layer norm)"] = float(core.group_norm(x, 1, eps=EPS)[position])
    return slips


def group_norm_entry(params: g.GroupNormParams, seed: int) -> Recipe:
    def draw(rng: np.random.Generator) -> Recipe:
        x, stats = spread_input(rng, (1, params.channels, params.length), "group", num_groups=params.groups)
        output = core.group_norm(x, params.groups, eps=EPS)
        _, channel, position = _telling_position(rng, x, stats)
        size = params.channels // params.groups
        first = channel // size * size
        group_name = (f"group {channel // size}, channels {first}–{first + size - 1}, "
                      f"all {params.length} positions")
        answer, solution = _entry_recipe(x, stats, output, (0, channel, position), group_name)
        placeholders = {"tensor": table(x[0], "channel", "position"), "channel": str(channel),
                        "position": str(position), "groups": str(params.groups)}
        slips = _group_slips(x, params.groups, (0, channel, position), stats)
        return Recipe(answer, ENTRY_TOLERANCE, solution, placeholders, {"x": x}, slips)

    return draw_telling(draw, np.random.default_rng(seed))


def _running_value(batches: np.ndarray, statistic: str, momentum: float | None, *,
                   start: float | None = None, biased: bool = False) -> float:
    """A running buffer after ``batches`` under a given (possibly mistaken) reading of the rule."""
    value = start if start is not None else (0.0 if statistic == "running_mean" else 1.0)
    for step, batch in enumerate(batches, start=1):
        observed = batch.mean() if statistic == "running_mean" else batch.var(ddof=0 if biased else 1)
        factor = momentum if momentum is not None else 1 / step
        value = (1 - factor) * value + factor * observed
    return float(value)


def _running_slips(batches: np.ndarray, statistic: str, momentum: float | None) -> dict[str, float]:
    slips: dict[str, float] = {}
    if momentum is not None and momentum != 0.5:  # at 0.5 both readings agree
        slips["momentum read as the weight of the old value"] = _running_value(batches, statistic, 1 - momentum)
    if momentum is not None:
        first = batches[0].mean() if statistic == "running_mean" else batches[0].var(ddof=1)
        slips["initial value left out"] = _running_value(batches[1:], statistic, momentum, start=float(first))
    else:  # the cumulative average discards the initial value at the first step
        start = 0.0 if statistic == "running_mean" else 1.0
        observed = [batch.mean() if statistic == "running_mean" else batch.var(ddof=1) for batch in batches]
        slips["initial value averaged in"] = float((start + sum(observed)) / (len(batches) + 1))
    if statistic == "running_var":
        slips["biased variance stored"] = _running_value(batches, statistic, momentum, biased=True)
    return slips


def running_stat_after_steps(params: g.RunningStatParams, seed: int) -> Recipe:
    def draw(rng: np.random.Generator) -> Recipe:
        batches = integers(rng, (params.steps, params.batch_size), 0, 6)
        for step in batches:  # a batch of equal values would make a dull, degenerate step
            while np.all(step == step[0]):
                step[:] = integers(rng, (params.batch_size,), 0, 6)
        return _running_recipe(params, batches)

    return draw_telling(draw, np.random.default_rng(seed))


def _running_recipe(params: g.RunningStatParams, batches: np.ndarray) -> Recipe:
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
    return Recipe(answer, RUNNING_TOLERANCE, "\n".join(lines), placeholders, {"batches": batches},
                  _running_slips(batches, buffer_name, params.momentum))


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
    return Recipe(float(answer), 0.0, solution, placeholders, {"shape": shape, "size": size},
                  _count_slips(layer, answer, per_tensor))


def _count_slips(layer: str, answer: int, per_tensor: int) -> dict[str, float]:
    """Half or double the count, buffers counted, or affine parameters assumed where there are none."""
    if answer == 0:
        return {"affine parameters assumed": 2.0 * per_tensor}
    if answer == per_tensor:
        return {"a bias counted too": 2.0 * per_tensor}
    slips = {"only γ counted": float(per_tensor)}
    if layer == "batch_norm":
        slips["running buffers counted"] = answer + 2.0 * per_tensor
    return slips


def _differs_from_default(layer: str, affine: bool) -> bool:
    return affine is (layer == "instance_norm")


RECIPES: dict[str, Callable[[Any, int], Recipe]] = {
    "layer_norm_entry": layer_norm_entry,
    "batch_norm_entry": batch_norm_entry,
    "rms_norm_entry": rms_norm_entry,
    "group_norm_entry": group_norm_entry,
    "running_stat_after_steps": running_stat_after_steps,
    "parameter_count": parameter_count,
    **gradients.RECIPES,
    **inference.RECIPES,
}
