"""Generators about gradients and steps: layer norm's dγ, and SGD on weights that feed a batch norm.

The layer-norm gradient comes from ``normquiz.core.layer_norm_backward``; the
scale-invariance step is plain vector geometry (the gradient of a loss that
depends on w only through w / ‖w‖ is orthogonal to w), shown as such.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from normquiz import core
from normquiz.bank import generator_catalogue as g
from normquiz.bank.numbers import format_number as number
from normquiz.bank.recipe import (
    ENTRY_TOLERANCE, EPS, Recipe, draw_telling, integers, pick, spread_input, table, term, vector,
)


def _weight_grad_slips(x: np.ndarray, upstream: np.ndarray, col: int) -> dict[str, float]:
    return {"a guess of 0": 0.0, "∂L/∂β (x̂ left out)": float(upstream[:, col].sum()),
            "x instead of x̂": float((upstream[:, col] * x[:, col]).sum())}


def layer_norm_weight_grad(params: g.WeightGradParams, seed: int) -> Recipe:
    def draw(rng: np.random.Generator) -> Recipe:
        shape = (params.rows, params.cols)
        x, stats = spread_input(rng, shape, "layer", normalized_shape=(params.cols,))
        upstream = integers(rng, shape, -2, 2)
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
        placeholders = {"matrix": table(x, "row", "col"), "upstream": table(upstream, "row", "col"),
                        "col": str(col)}
        return Recipe(answer, ENTRY_TOLERANCE, "\n".join(lines), placeholders, {"x": x, "upstream": upstream},
                      _weight_grad_slips(x, upstream, col))

    return draw_telling(draw, np.random.default_rng(seed))


_INTEGER_NORM_VECTORS = ((3, 4), (6, 8), (5, 12), (1, 2, 2), (2, 3, 6), (1, 4, 8), (4, 4, 7), (2, 6, 9))


def _orthogonal_step(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A weight vector with a whole-number norm and a small integer gradient orthogonal to it."""
    base = np.array(_INTEGER_NORM_VECTORS[int(rng.integers(len(_INTEGER_NORM_VECTORS)))], dtype=float)
    w = rng.permutation(base) * rng.choice((-1.0, 1.0), size=base.size)
    if w.size == 2:
        return w, np.array([-w[1], w[0]]) / pick(rng, (1.0, 2.0))
    for _ in range(50):
        gradient = np.cross(w, integers(rng, (3,), -1, 1))
        if np.any(gradient) and np.abs(gradient).max() <= 12:
            return w, gradient
    return w, np.cross(w, np.array([1.0, 0.0, 0.0]) if w[1] or w[2] else np.array([0.0, 1.0, 0.0]))


def scale_invariant_step(params: g.ScaleStepParams, seed: int) -> Recipe:
    """One SGD step on weights that feed a batch norm: the norm grows, the effective rate falls."""
    def draw(rng: np.random.Generator) -> Recipe:
        w, gradient = _orthogonal_step(rng)
        lr = pick(rng, (0.1, 0.2, 0.5))
        stepped = w - lr * gradient
        norm, new_norm = float(np.linalg.norm(w)), float(np.linalg.norm(stepped))
        lr_factor = norm ** 2 / new_norm ** 2
        answer = new_norm if params.quantity == "norm" else lr_factor
        dot = " + ".join(f"{term(a)} · {term(b)}" for a, b in zip(w, gradient))
        solution = (
            f"The gradient is orthogonal to w ({dot} = 0), as it always is for weights feeding a batch "
            f"norm, so by Pythagoras ‖w − η g‖² = ‖w‖² + η² ‖g‖² = {number(norm ** 2)} + "
            f"{number(lr)}² · {number(float(gradient @ gradient))} = {number(new_norm ** 2)}.\n"
            f"- new norm ‖w′‖ = √{number(new_norm ** 2)} ≈ {number(new_norm)}\n"
            f"- the effective learning rate η / ‖w‖² changes by ‖w‖² / ‖w′‖² = {number(norm ** 2)} / "
            f"{number(new_norm ** 2)} ≈ {number(lr_factor)}\n\nThe answer is **{number(answer)}**.")
        if params.quantity == "norm":
            slips = {"norm unchanged": norm, "norms added": norm + lr * float(np.linalg.norm(gradient)),
                     "square root left out": new_norm ** 2}
        else:
            slips = {"not squared": norm / new_norm, "no change": 1.0, "ratio inverted": 1 / lr_factor}
        placeholders = {"weight": vector(w), "gradient": vector(gradient), "lr": number(lr), "norm": number(norm)}
        return Recipe(answer, ENTRY_TOLERANCE, solution, placeholders,
                      {"weight": w, "gradient": gradient, "lr": lr}, slips)

    return draw_telling(draw, np.random.default_rng(seed))


RECIPES: dict[str, Callable[[Any, int], Recipe]] = {
    "layer_norm_weight_grad": layer_norm_weight_grad,
    "scale_invariant_step": scale_invariant_step,
}
