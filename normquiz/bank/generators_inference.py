"""Generators about inference-time batch norm: eval output, folding it into a neighbour, ported eps.

In eval mode batch norm is a fixed affine map per feature, so every answer
here is ``normquiz.core.batch_norm`` (or ``fold_batch_norm``) applied to the
drawn running statistics; folding a batch norm that sits *before* a linear
layer is read off the composed map itself (its value at 0 and at each unit
input), so no folding formula is re-derived to get the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from normquiz import core
from normquiz.bank import generator_catalogue as g
from normquiz.bank.numbers import format_number as number
from normquiz.bank.recipe import ENTRY_TOLERANCE, EPS, Recipe, draw_telling, eval_setting, pick, term, vector

KERAS_EPS = 1e-3  # tf.keras.layers.BatchNormalization's default epsilon


def _eval_output(x: float, setting: dict[str, float], eps: float = EPS) -> float:
    arrays = {name: np.array([value]) for name, value in setting.items()}
    output = core.batch_norm(np.array([[x]]), arrays["running_mean"], arrays["running_var"],
                             arrays["gamma"], arrays["beta"], training=False, eps=eps)
    return float(output[0, 0])


def _eval_slips(x: float, s: dict[str, float]) -> dict[str, float]:
    """Dividing by the variance, not subtracting the mean, leaving out γ or β."""
    std = np.sqrt(s["running_var"] + EPS)
    centred = x - s["running_mean"]
    return {"variance instead of its square root": s["gamma"] * centred / (s["running_var"] + EPS) + s["beta"],
            "running mean not subtracted": s["gamma"] * x / std + s["beta"],
            "γ left out": centred / std + s["beta"],
            "β left out": s["gamma"] * centred / std}


def batch_norm_eval_output(params: g.NoParams, seed: int) -> Recipe:
    def draw(rng: np.random.Generator) -> Recipe:
        setting = eval_setting(rng)
        x = float(rng.integers(-3, 7))
        answer = _eval_output(x, setting)
        text = {name: number(value) for name, value in setting.items()}
        solution = (f"In eval mode batch norm uses the running statistics, not the batch:\n"
                    f"y = γ · (x − running_mean) / √(running_var + eps) + β = "
                    f"{text['gamma']} · ({number(x)} − {term(setting['running_mean'])}) / "
                    f"√({text['running_var']} + 1e-5) + {term(setting['beta'])} ≈ **{number(answer)}**.")
        return Recipe(answer, ENTRY_TOLERANCE, solution, {"x": number(x), **text}, {"x": x, **setting},
                      _eval_slips(x, setting))

    return draw_telling(draw, np.random.default_rng(seed))


def _fold_after_slips(quantity: str, weight: float, bias: float, s: dict[str, float]) -> dict[str, float]:
    scale = s["gamma"] / np.sqrt(s["running_var"] + EPS)
    if quantity == "weight":
        return {"weight left unscaled": weight,
                "variance instead of its square root": weight * s["gamma"] / (s["running_var"] + EPS),
                "γ left out": weight / np.sqrt(s["running_var"] + EPS)}
    return {"running mean not subtracted from the old bias": scale * bias + s["beta"],
            "variance instead of its square root":
                s["gamma"] * (bias - s["running_mean"]) / (s["running_var"] + EPS) + s["beta"],
            "β left out": scale * (bias - s["running_mean"]),
            "bias left unscaled": bias - s["running_mean"] + s["beta"]}


def folded_batch_norm(params: g.FoldParams, seed: int) -> Recipe:
    def draw(rng: np.random.Generator) -> Recipe:
        setting = eval_setting(rng)
        weight, bias = pick(rng, (-1.0, 0.5, 1.0, 1.5, 2.0)), float(rng.integers(-2, 3))
        arrays = {name: np.array([value]) for name, value in setting.items()}
        folded_weight, folded_bias = core.fold_batch_norm(
            np.array([[weight]]), np.array([bias]), arrays["running_mean"], arrays["running_var"],
            arrays["gamma"], arrays["beta"], eps=EPS)
        text = {name: number(value) for name, value in setting.items()}
        scale = f"{text['gamma']} / √({text['running_var']} + 1e-5)"
        answer = float(np.ravel(folded_weight if params.quantity == "weight" else folded_bias)[0])
        s_value = setting["gamma"] / np.sqrt(setting["running_var"] + EPS)
        solution = (f"Eval-mode BN after the linear layer computes γ · (w·x + b − μ) / √(σ² + eps) + β, "
                    f"so the scale s = γ / √(σ² + eps) = {scale} ≈ {number(s_value)}.\n"
                    f"- folded weight = s · w = {number(np.ravel(folded_weight)[0])}\n"
                    f"- folded bias = s · (b − μ) + β = s · ({number(bias)} − {term(setting['running_mean'])})"
                    f" + {term(setting['beta'])} = {number(np.ravel(folded_bias)[0])}\n\n"
                    f"The {params.quantity} asked for is **{number(answer)}**.")
        placeholders = {"weight": number(weight), "bias": number(bias), **text}
        return Recipe(answer, ENTRY_TOLERANCE, solution, placeholders, {"weight": weight, "bias": bias, **setting},
                      _fold_after_slips(params.quantity, weight, bias, setting))

    return draw_telling(draw, np.random.default_rng(seed))


def _two_feature_setting(rng: np.random.Generator) -> dict[str, np.ndarray]:
    settings = [eval_setting(rng) for _ in range(2)]
    return {name: np.array([setting[name] for setting in settings]) for name in settings[0]}


def _fold_before_slips(quantity: str, feature: int, w: np.ndarray, b: float,
                       s: dict[str, np.ndarray]) -> dict[str, float]:
    scale = s["gamma"] / np.sqrt(s["running_var"] + EPS)
    if quantity == "weight":
        return {"weight left unscaled": float(w[feature]),
                "variance instead of its square root":
                    float(w[feature] * s["gamma"][feature] / (s["running_var"][feature] + EPS)),
                "scaled by the other input's factor": float(w[feature] * scale[1 - feature])}
    return {"bias left unchanged": b,
            "running means left out": float(b + w @ s["beta"]),
            "running means not scaled": float(b + w @ (s["beta"] - s["running_mean"])),
            "β left out": float(b - w @ (scale * s["running_mean"]))}


def folded_batch_norm_before(params: g.FoldBeforeParams, seed: int) -> Recipe:
    """A batch norm over 2 input features feeding a linear layer with one output: fold it forward."""
    def draw(rng: np.random.Generator) -> Recipe:
        setting = _two_feature_setting(rng)
        w = np.array([pick(rng, (-1.0, 0.5, 1.0, 2.0)) for _ in range(2)])
        b = float(rng.integers(-2, 3))
        feature = int(rng.integers(2))

        def composed(x: np.ndarray) -> float:  # linear(BN(x)) with core's eval-mode batch norm
            normalized = core.batch_norm(x[None, :], setting["running_mean"], setting["running_var"],
                                         setting["gamma"], setting["beta"], training=False, eps=EPS)
            return float(normalized[0] @ w + b)

        folded_bias = composed(np.zeros(2))
        folded_weight = np.array([composed(np.eye(2)[j]) - folded_bias for j in range(2)])
        answer = float(folded_weight[feature] if params.quantity == "weight" else folded_bias)
        scale = setting["gamma"] / np.sqrt(setting["running_var"] + EPS)
        solution = (
            "BN comes first: its output is zⱼ = sⱼ · (xⱼ − μⱼ) + βⱼ with sⱼ = γⱼ / √(σ²ⱼ + eps), so "
            "y = Σⱼ wⱼ zⱼ + b = Σⱼ (wⱼ sⱼ) xⱼ + [b + Σⱼ wⱼ (βⱼ − sⱼ μⱼ)]: each *input column* of the "
            "weight is scaled, and the shift goes through the weights into the bias.\n"
            f"- s = {vector(np.round(scale, 4))}\n"
            f"- folded weights w · s = {vector(np.round(folded_weight, 4))}\n"
            f"- folded bias = {number(b)} + {term(w[0])} · ({number(setting['beta'][0])} − "
            f"{number(scale[0])} · {term(setting['running_mean'][0])}) + {term(w[1])} · "
            f"({number(setting['beta'][1])} − {number(scale[1])} · {term(setting['running_mean'][1])})"
            f" = {number(folded_bias)}\n\nThe {params.quantity} asked for is **{number(answer)}**.")
        placeholders = {"weights": vector(w), "bias": number(b), "feature": str(feature),
                        **{name: vector(values) for name, values in setting.items()}}
        return Recipe(answer, ENTRY_TOLERANCE, solution, placeholders,
                      {"weights": w, "bias": b, "feature": feature, **setting},
                      _fold_before_slips(params.quantity, feature, w, b, setting))

    return draw_telling(draw, np.random.default_rng(seed))


def ported_eps_output(params: g.NoParams, seed: int) -> Recipe:
    """Keras-trained BN weights (eps 1e-3) run by a PyTorch layer left at eps 1e-5."""
    def draw(rng: np.random.Generator) -> Recipe:
        setting = {"running_mean": float(rng.integers(-2, 3)),
                   "running_var": pick(rng, (0.0005, 0.001, 0.002, 0.004)),
                   "gamma": pick(rng, (0.5, 1.0, 2.0)), "beta": pick(rng, (-0.5, 0.0, 0.5))}
        x = setting["running_mean"] + pick(rng, (-0.1, -0.05, -0.02, 0.02, 0.05, 0.1))
        answer = _eval_output(x, setting, EPS)
        intended = _eval_output(x, setting, KERAS_EPS)
        text = {name: number(value) for name, value in setting.items()}
        solution = (
            f"PyTorch computes γ · (x − μ) / √(σ² + 1e-5) + β = {text['gamma']} · ({number(x)} − "
            f"{term(setting['running_mean'])}) / √({text['running_var']} + 0.00001) + {term(setting['beta'])}"
            f" ≈ **{number(answer)}**.\nThe Keras model computed the same with eps = 0.001: "
            f"{number(intended)}. With a variance this small, eps is a large part of the denominator.")
        return Recipe(answer, ENTRY_TOLERANCE, solution, {"x": number(x), **text}, {"x": x, **setting},
                      {"the Keras output (eps 1e-3)": intended, **_eval_slips(x, setting)})

    return draw_telling(draw, np.random.default_rng(seed))


RECIPES: dict[str, Callable[[Any, int], Recipe]] = {
    "batch_norm_eval_output": batch_norm_eval_output,
    "folded_batch_norm": folded_batch_norm,
    "folded_batch_norm_before": folded_batch_norm_before,
    "ported_eps_output": ported_eps_output,
}
