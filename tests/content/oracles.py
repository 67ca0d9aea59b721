"""Independent answers for computed questions: plain NumPy written from the formulas, not from core.

``expected(generator, params, instance)`` recomputes the answer of a drawn
instance from its inputs alone, and the value of each slip its question names
(the wrong answers a learner gets by making that mistake). Nothing here calls
``normquiz.core`` or the generators, so a bug there cannot hide itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

EPS = 1e-5


def _standardize(values: np.ndarray, value: float, *, ddof: int = 0) -> float:
    return float((value - values.mean()) / np.sqrt(values.var(ddof=ddof) + EPS))


def _matrix_entry(kind: str, params: dict, inst: Any) -> tuple[float, dict[str, float]]:
    x = inst.inputs["x"]
    row, col = int(inst.placeholders["row"]), int(inst.placeholders["col"])
    if kind == "rms":
        answer = float(x[row, col] / np.sqrt(np.mean(x[row] ** 2) + EPS))
        return answer, {"mean subtracted": _standardize(x[row], x[row, col]),
                        "column's mean square": float(x[row, col] / np.sqrt(np.mean(x[:, col] ** 2) + EPS))}
    gamma = inst.inputs.get("gamma")
    beta = inst.inputs.get("beta")
    scale = np.ones(x.shape[1]) if gamma is None else gamma
    shift = np.zeros(x.shape[1]) if beta is None else beta
    own, other = (x[:, col], x[row]) if kind == "batch" else (x[row], x[:, col])
    normalized = _standardize(own, x[row, col])
    answer = scale[col] * normalized + shift[col]
    slips = {"other axis": scale[col] * _standardize(other, x[row, col]) + shift[col],
             "unbiased variance": scale[col] * _standardize(own, x[row, col], ddof=1) + shift[col]}
    if gamma is not None:
        slips["affine left out"] = normalized
        if row < x.shape[1]:
            slips["row's gamma and beta"] = gamma[row] * normalized + beta[row]
    return float(answer), slips


def _group_entry(params: dict, inst: Any) -> tuple[float, dict[str, float]]:
    x = inst.inputs["x"][0]
    channel, position = int(inst.placeholders["channel"]), int(inst.placeholders["position"])
    groups = int(inst.placeholders["groups"])
    size = x.shape[0] // groups
    members = x[channel // size * size:(channel // size + 1) * size].ravel()
    value = x[channel, position]
    slips = {"unbiased variance": _standardize(members, value, ddof=1)}
    if groups < x.shape[0]:
        slips["channel alone"] = _standardize(x[channel], value)
    if groups > 1:
        slips["all channels"] = _standardize(x.ravel(), value)
    return _standardize(members, value), slips


def _running(batches: np.ndarray, statistic: str, momentum: float | None, *, biased: bool = False,
             start: float | None = None) -> float:
    value = (0.0 if statistic == "running_mean" else 1.0) if start is None else start
    for step, batch in enumerate(batches, start=1):
        observed = batch.mean() if statistic == "running_mean" else batch.var(ddof=0 if biased else 1)
        weight = momentum if momentum is not None else 1.0 / step
        value = (1 - weight) * value + weight * observed
    return float(value)


def _running_stat(params: dict, inst: Any) -> tuple[float, dict[str, float]]:
    batches, statistic = inst.inputs["batches"], params.get("statistic", "running_mean")
    momentum = params.get("momentum", 0.1)
    slips: dict[str, float] = {}
    if momentum is not None and momentum != 0.5:
        slips["reversed momentum"] = _running(batches, statistic, 1 - momentum)
    if momentum is not None:
        first = batches[0].mean() if statistic == "running_mean" else batches[0].var(ddof=1)
        slips["initial value left out"] = _running(batches[1:], statistic, momentum, start=float(first))
    else:
        stats = [b.mean() if statistic == "running_mean" else b.var(ddof=1) for b in batches]
        slips["initial value averaged in"] = ((0.0 if statistic == "running_mean" else 1.0) + sum(stats)) / (
            len(batches) + 1)
    if statistic == "running_var":
        slips["biased variance stored"] = _running(batches, statistic, momentum, biased=True)
    return _running(batches, statistic, momentum), slips


def _eval_output(params: dict, inst: Any, eps: float = EPS) -> tuple[float, dict[str, float]]:
    i = inst.inputs
    std = np.sqrt(i["running_var"] + eps)
    answer = i["gamma"] * (i["x"] - i["running_mean"]) / std + i["beta"]
    slips = {"variance, not std": i["gamma"] * (i["x"] - i["running_mean"]) / (i["running_var"] + eps) + i["beta"],
             "mean not subtracted": i["gamma"] * i["x"] / std + i["beta"],
             "no gamma": (i["x"] - i["running_mean"]) / std + i["beta"],
             "no beta": i["gamma"] * (i["x"] - i["running_mean"]) / std}
    return float(answer), slips


def _ported(params: dict, inst: Any) -> tuple[float, dict[str, float]]:
    answer, slips = _eval_output(params, inst)
    slips["Keras output"] = _eval_output(params, inst, eps=1e-3)[0]
    return answer, slips


def _fold_after(params: dict, inst: Any) -> tuple[float, dict[str, float]]:
    i = inst.inputs
    s = i["gamma"] / np.sqrt(i["running_var"] + EPS)
    if params.get("quantity", "weight") == "weight":
        return float(s * i["weight"]), {
            "unscaled": i["weight"], "no sqrt": i["weight"] * i["gamma"] / (i["running_var"] + EPS),
            "no gamma": i["weight"] / np.sqrt(i["running_var"] + EPS)}
    return float(s * (i["bias"] - i["running_mean"]) + i["beta"]), {
        "mean not subtracted": s * i["bias"] + i["beta"],
        "no sqrt": i["gamma"] * (i["bias"] - i["running_mean"]) / (i["running_var"] + EPS) + i["beta"],
        "no beta": s * (i["bias"] - i["running_mean"]),
        "unscaled": i["bias"] - i["running_mean"] + i["beta"]}


def _fold_before(params: dict, inst: Any) -> tuple[float, dict[str, float]]:
    i = inst.inputs
    w, b, j = i["weights"], i["bias"], i["feature"]
    s = i["gamma"] / np.sqrt(i["running_var"] + EPS)
    if params.get("quantity", "bias") == "weight":
        return float(w[j] * s[j]), {"unscaled": w[j], "no sqrt": w[j] * i["gamma"][j] / (i["running_var"][j] + EPS),
                                    "other input's scale": w[j] * s[1 - j]}
    answer = b + sum(w[k] * (i["beta"][k] - s[k] * i["running_mean"][k]) for k in range(2))
    return float(answer), {"unchanged": b, "no means": b + float(w @ i["beta"]),
                           "unscaled means": b + float(w @ (i["beta"] - i["running_mean"])),
                           "no beta": b - float(w @ (s * i["running_mean"]))}


def _weight_grad(params: dict, inst: Any) -> tuple[float, dict[str, float]]:
    x, dy = inst.inputs["x"], inst.inputs["upstream"]
    col = int(inst.placeholders["col"])
    xhat = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + EPS)
    return float((dy[:, col] * xhat[:, col]).sum()), {
        "zero": 0.0, "dbeta": float(dy[:, col].sum()), "x not normalized": float((dy[:, col] * x[:, col]).sum())}


def _scale_step(params: dict, inst: Any) -> tuple[float, dict[str, float]]:
    w, g, lr = inst.inputs["weight"], inst.inputs["gradient"], inst.inputs["lr"]
    assert abs(float(w @ g)) < 1e-9, "the gradient of a scale-invariant loss is orthogonal to w"
    before, after = np.sqrt((w ** 2).sum()), np.sqrt(((w - lr * g) ** 2).sum())
    if params.get("quantity", "norm") == "norm":
        return float(after), {"unchanged": before, "added": before + lr * np.sqrt((g ** 2).sum()),
                              "no sqrt": after ** 2}
    return float(before ** 2 / after ** 2), {"not squared": before / after, "no change": 1.0,
                                             "inverted": after ** 2 / before ** 2}


_PER_ELEMENT = {"batch_norm": 2, "group_norm": 2, "instance_norm": 2, "layer_norm": 2, "rms_norm": 1}


def _parameter_count(params: dict, inst: Any) -> tuple[float, dict[str, float]]:
    layer, size = params["layer"], inst.inputs["size"]
    elements = int(np.prod(size))
    affine = params.get("affine")
    affine = (layer != "instance_norm") if affine is None else affine
    answer = _PER_ELEMENT[layer] * elements if affine else 0
    if not answer:
        return 0.0, {"affine assumed": 2.0 * elements}
    slips = {"half": answer / 2, "double": answer * 2.0}
    if layer == "batch_norm":
        slips["buffers counted"] = answer + 2.0 * elements
    return float(answer), slips


_ORACLES = {
    "layer_norm_entry": lambda p, i: _matrix_entry("layer", p, i),
    "batch_norm_entry": lambda p, i: _matrix_entry("batch", p, i),
    "rms_norm_entry": lambda p, i: _matrix_entry("rms", p, i),
    "group_norm_entry": _group_entry,
    "running_stat_after_steps": _running_stat,
    "batch_norm_eval_output": _eval_output,
    "parameter_count": _parameter_count,
    "folded_batch_norm": _fold_after,
    "folded_batch_norm_before": _fold_before,
    "layer_norm_weight_grad": _weight_grad,
    "scale_invariant_step": _scale_step,
    "ported_eps_output": _ported,
}


def expected(generator: str, params: dict, instance: Any) -> tuple[float, dict[str, float]]:
    """The answer of ``instance`` and the value of each named slip, from its inputs."""
    return _ORACLES[generator](params, instance)
