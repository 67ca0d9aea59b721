"""Deployment arithmetic: folding an eval-mode batch norm into the layer before it, and parameter counts."""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any

import numpy as np

from normquiz.core import _checks

__all__ = ["fold_batch_norm", "parameter_count", "LAYERS"]

#: For each layer: (PyTorch's default for affine, learnable values per feature when affine).
#: InstanceNorm defaults to affine=False; RMSNorm has a weight and no bias.
LAYERS = {
    "batch_norm": (True, 2),
    "layer_norm": (True, 2),
    "group_norm": (True, 2),
    "instance_norm": (False, 2),
    "rms_norm": (True, 1),
}


def fold_batch_norm(
    weight: Any,
    bias: Any,
    running_mean: Any,
    running_var: Any,
    gamma: Any,
    beta: Any,
    eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Fold an eval-mode batch norm into the linear or conv layer that feeds it.

    In eval mode ``BN(z) = gamma * (z - running_mean) / sqrt(running_var + eps) + beta``
    is affine per output channel, so with ``s = gamma / sqrt(running_var + eps)``
    and ``z = W x + b``:

    .. math:: W' = s \odot W \ \text{(row } o \text{ scaled by } s_o\text{)}, \qquad b' = s \odot (b - \mathrm{running\_mean}) + \beta

    and ``W' x + b'`` equals ``BN(W x + b)``: one layer less at inference.

    Args:
        weight: ``(out, in)`` linear or ``(out, in, *kernel)`` conv weight.
        bias: ``(out,)`` or None (no bias, as for a conv followed by BN).
        running_mean, running_var: ``(out,)`` BN buffers.
        gamma, beta: ``(out,)`` BN affine parameters, or None (affine=False).
        eps: the BN's eps.

    Returns:
        ``(folded_weight, folded_bias)`` in weight's dtype; the bias is always an array.
    """
    weight, out_dtype = _checks.float_input(weight, "weight")
    if weight.ndim < 2:
        raise ValueError(
            "fold_batch_norm: weight must be a linear weight (out, in) or a conv weight "
            f"(out, in, *kernel), got a {weight.ndim}-D array of shape {weight.shape}."
        )
    outputs = weight.shape[0]
    meaning = f"output channel (axis 0 of the weight, shape {weight.shape})"
    running_mean, running_var = _checks.running_buffers(
        running_mean, running_var, outputs, updated=False, function="fold_batch_norm", meaning=meaning
    )
    if running_mean is None:
        raise ValueError("fold_batch_norm needs the batch norm's running_mean and running_var.")
    float64 = np.dtype(np.float64)
    bias = _checks.optional_parameter(bias, (outputs,), "bias", meaning, float64)
    gamma = _checks.optional_parameter(gamma, (outputs,), "gamma", meaning, float64)
    beta = _checks.optional_parameter(beta, (outputs,), "beta", meaning, float64)
    eps = _checks.positive_eps(eps, "fold_batch_norm", allow_zero=True)
    scale = 1.0 / np.sqrt(running_var.astype(np.float64) + eps)
    if gamma is not None:
        scale = scale * gamma
    folded_weight = weight * scale.reshape((outputs,) + (1,) * (weight.ndim - 1))
    folded_bias = ((0.0 if bias is None else bias) - running_mean) * scale
    if beta is not None:
        folded_bias = folded_bias + beta
    return folded_weight.astype(out_dtype, copy=False), folded_bias.astype(out_dtype, copy=False)


def parameter_count(layer: str, size: Any, *, affine: bool | None = None) -> int:
    """Learnable parameters of a normalization layer (buffers such as running stats excluded).

    ============== ============================ ================ ==========================
    layer          ``size``                     default affine   parameters when affine
    ============== ============================ ================ ==========================
    batch_norm     num_features C               True             2C (gamma, beta)
    group_norm     num_channels C               True             2C
    instance_norm  num_features C               False            2C
    layer_norm     normalized_shape (int/tuple) True             2 * prod(shape)
    rms_norm       normalized_shape (int/tuple) True             prod(shape) (weight only)
    ============== ============================ ================ ==========================

    ``affine=None`` means the PyTorch module's default; ``affine=False`` gives 0.
    """
    if layer not in LAYERS:
        raise _checks.unknown_choice("layer", layer, LAYERS)
    default_affine, per_feature = LAYERS[layer]
    takes_shape = layer in ("layer_norm", "rms_norm")
    shape = tuple(size) if takes_shape and isinstance(size, (tuple, list)) else (size,)
    if not shape or not all(isinstance(d, Integral) and not isinstance(d, bool) and d > 0 for d in shape):
        what = (
            "normalized_shape (a positive int or a tuple of them)"
            if takes_shape
            else "the number of channels (a positive int)"
        )
        raise ValueError(f"parameter_count({layer!r}): size must be {what}, got {size!r}.")
    if affine is not None and not isinstance(affine, (bool, np.bool_)):
        raise ValueError(f"parameter_count: affine must be True, False or None, got {affine!r}.")
    use_affine = default_affine if affine is None else bool(affine)
    return per_feature * math.prod(shape) if use_affine else 0
