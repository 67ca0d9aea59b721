"""Forward passes of the normalization layers, mirroring ``torch.nn.functional``.

Same names, argument order, defaults and numbers as PyTorch; NumPy arrays in
and out (float32 stays float32, float64 stays float64). Statistics come from
``normquiz.core.statistics`` / ``moments``; this module only validates,
normalizes and applies the affine parameters.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from normquiz.core import _checks
from normquiz.core.channels import foldable, per_channel_affine
from normquiz.core.columns import normalize_columns, one_block
from normquiz.core.moments import SMALL_ELEMENTS, normalize_rows, normalize_small_rows
from normquiz.core.statistics import batch_count, channel_moments, group_rows, instance_rows, layer_rows

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm"]

# per_channel_affine moved to normquiz.core.channels; the import above keeps
# ``from normquiz.core.functional import per_channel_affine`` working.

_FLOAT64 = np.dtype(np.float64)


def _normalize_channels(
    x: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    eps: float,
    weight: np.ndarray | None,
    bias: np.ndarray | None,
) -> np.ndarray:
    """``(x - mean) / sqrt(var + eps) * weight + bias`` per channel: ``x * s + t`` where the mean allows.

    ``s = weight / sqrt(var + eps)``, ``t = bias - mean * s``: two passes
    over x when every channel's mean is within a few standard deviations of
    0; otherwise ``(x - mean) * s + bias``, centring first (see ``channels``).
    """
    scale = 1.0 / np.sqrt(var + eps)
    if weight is not None:
        scale = scale * weight
    return per_channel_affine(x, scale, bias, center=mean, fold=foldable(mean, var))


def _update_running(
    running_mean: np.ndarray, running_var: np.ndarray, momentum: float, mean: np.ndarray, var: np.ndarray, count: int
) -> None:
    """PyTorch's rule, in place: ``running = (1 - momentum) * running + momentum * batch_stat``.

    The batch statistics are ``mean`` and the *unbiased* variance
    ``var * count / (count - 1)``, ``var`` being the biased variance over ``count`` values.
    """
    for buffer, batch_value in ((running_mean, mean), (running_var, var * (count / (count - 1)))):
        np.copyto(buffer, (1.0 - momentum) * buffer + momentum * batch_value, casting="same_kind")


def batch_norm(
    x: Any,
    running_mean: np.ndarray | None = None,
    running_var: np.ndarray | None = None,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
    *,
    mask: Any = None,
) -> np.ndarray:
    r"""Batch normalization over the channel axis (axis 1), as ``torch.nn.functional.batch_norm``.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \mathrm{weight} + \mathrm{bias}

    Statistics are per channel, over axes ``(0, 2, 3, ...)``: the batch and
    every spatial position. With ``training=True`` they are the batch's own
    mean and *biased* variance, and, if running buffers are given, those are
    updated in place with the *unbiased* variance:
    ``running = (1 - momentum) * running + momentum * batch_stat``. With
    ``training=False`` the running buffers are used instead (they are required).

    Args:
        x: ``(N, C)`` or ``(N, C, *spatial)``.
        running_mean, running_var: ``(C,)`` float arrays, or both None.
        weight, bias: ``(C,)`` affine parameters (gamma, beta), or None.
        training: use (and record) batch statistics rather than the running ones.
        momentum: weight of the new batch in the running averages, in [0, 1].
        eps: added to the variance; must be > 0 in training.
        mask: boolean, x's shape without axis 1 (``(N,)``, ``(N, L)``, ...);
            True marks a valid position. Statistics (and the unbiased
            correction) use the valid positions only, and padded positions of
            the output are 0, whatever the padding held, so padding stays
            padding and never leaks into the next layer. (Not in PyTorch.)

    Returns:
        An array of x's shape and dtype.

    Raises:
        ValueError: wrong ndim; weight, bias or running-buffer shape; a
            training batch with one value per channel; eps <= 0 in training;
            a mask of the wrong shape or dtype, or one with no valid position.
    """
    x, out_dtype = _checks.channel_input(x, "batch_norm")
    channels = x.shape[1]
    meaning = _checks.per_channel(x.shape)
    # The `is None` tests skip calls that would return None anyway: at (8, 16)
    # the whole layer takes ~9 us, so each ~0.1 us call shows.
    valid = None if mask is None else _checks.boolean_mask(mask, x.shape, "batch_norm")
    if running_mean is not None or running_var is not None:
        running_mean, running_var = _checks.running_buffers(
            running_mean, running_var, channels, updated=bool(training), function="batch_norm", meaning=meaning
        )
    # One block of (N, C) is computed in x's dtype (a cast of a coefficient
    # vector is a call, and calls are the cost there); the others fold the
    # parameters into float64 coefficients.
    parameter_dtype = _FLOAT64
    if (weight is not None or bias is not None) and training and valid is None and x.ndim == 2 and one_block(x):
        parameter_dtype = x.dtype
    if weight is not None:
        weight = _checks.optional_parameter(weight, (channels,), "weight", meaning, parameter_dtype)
    if bias is not None:
        bias = _checks.optional_parameter(bias, (channels,), "bias", meaning, parameter_dtype)
    eps = _checks.positive_eps(eps, "batch_norm", allow_zero=not training)
    if training:
        if running_mean is not None:
            momentum = _checks.momentum_value(momentum, "batch_norm")
        count = batch_count(x, valid, "batch_norm")
        if x.size == 0:
            # An empty batch has no statistics to normalize with or to record:
            # PyTorch returns an empty output and leaves the running buffers alone.
            return np.empty(x.shape, out_dtype)
        if valid is None and x.ndim == 2:
            # (N, C): statistics and normalization in one kernel, which leaves the
            # centred values in the output buffer and scales them in place.
            out, mean, var = normalize_columns(x, eps, weight, bias, running_mean is not None)
            if running_mean is not None:
                _update_running(running_mean, running_var, momentum, mean, var, count)
            return out if out.dtype == out_dtype else out.astype(out_dtype)
        mean, var, count = channel_moments(x, valid)
        if running_mean is not None:
            _update_running(running_mean, running_var, momentum, mean, var, count)
    else:
        if running_mean is None:
            raise ValueError(
                "batch_norm with training=False normalizes with running_mean and running_var, "
                "but neither was given; pass both, or training=True to use the batch's statistics."
            )
        mean, var = running_mean.astype(np.float64), running_var.astype(np.float64)
    if valid is None:
        return _normalize_channels(x, mean, var, eps, weight, bias).astype(out_dtype, copy=False)
    with np.errstate(invalid="ignore", over="ignore"):  # padding may hold inf/nan; it is zeroed below
        out = _normalize_channels(x, mean, var, eps, weight, bias)
    np.copyto(out, 0, where=~np.expand_dims(valid, 1))
    return out.astype(out_dtype, copy=False)


def layer_norm(
    x: Any, normalized_shape: Any, weight: Any = None, bias: Any = None, eps: float = 1e-5
) -> np.ndarray:
    r"""Layer normalization over the trailing ``normalized_shape`` dims, as ``torch.nn.functional.layer_norm``.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \mathrm{weight} + \mathrm{bias}

    Mean and biased variance are taken over the last ``len(normalized_shape)``
    axes, separately for every leading index (each token, each sample): no
    statistic crosses the batch, so train and eval behave the same.

    Args:
        x: ``(*, *normalized_shape)``.
        normalized_shape: int or tuple, equal to the trailing dims of x.
        weight, bias: arrays of shape ``normalized_shape`` (elementwise affine), or None.
        eps: added to the variance, > 0.

    Returns:
        An array of x's shape and dtype.
    """
    x, out_dtype = _checks.float_input(x)
    shape = _checks.normalized_shape_tuple(normalized_shape, x, "layer_norm")
    meaning = _checks.per_element(shape)
    weight = _checks.optional_parameter(weight, shape, "weight", meaning, x.dtype)
    bias = _checks.optional_parameter(bias, shape, "bias", meaning, x.dtype)
    eps = _checks.positive_eps(eps, "layer_norm")
    if len(shape) == 1 and x.ndim == 2:  # already (rows, K): skip the reshapes (~0.5 us of ~10 at (8, 16))
        if 0 < x.size <= SMALL_ELEMENTS:  # straight to the one-block kernel: no keywords, no wrapper
            out = normalize_small_rows(x, eps, weight, bias)[0]
        else:
            out, _, _ = normalize_rows(x, eps, weight=weight, bias=bias)
        return out if out.dtype == out_dtype else out.astype(out_dtype)
    size = math.prod(shape)
    out, _, _ = normalize_rows(
        layer_rows(x, shape),
        eps,
        weight=None if weight is None else weight.reshape(size),
        bias=None if bias is None else bias.reshape(size),
    )
    return out.reshape(x.shape).astype(out_dtype, copy=False)


def rms_norm(x: Any, normalized_shape: Any, weight: Any = None, eps: float | None = None) -> np.ndarray:
    r"""Root-mean-square normalization over the trailing dims, as ``torch.nn.functional.rms_norm``.

    .. math:: y = \frac{x}{\sqrt{\mathrm{E}[x^2] + \epsilon}} * \mathrm{weight}

    The mean square is taken over the last ``len(normalized_shape)`` axes;
    nothing is subtracted (no re-centring) and there is no bias.

    Args:
        x: ``(*, *normalized_shape)``.
        normalized_shape: int or tuple, equal to the trailing dims of x.
        weight: array of shape ``normalized_shape``, or None.
        eps: added to the mean square; None means the machine epsilon of the computation type, as in
            PyTorch 2.13: float32's for float16 and float32 input, float64's for float64.

    Returns:
        An array of x's shape and dtype.
    """
    x, out_dtype = _checks.float_input(x)
    shape = _checks.normalized_shape_tuple(normalized_shape, x, "rms_norm")
    weight = _checks.optional_parameter(
        weight, shape, "weight", _checks.per_element(shape), x.dtype
    )
    eps = _checks.default_rms_eps(out_dtype) if eps is None else _checks.positive_eps(eps, "rms_norm")
    size = math.prod(shape)
    out, _, _ = normalize_rows(
        layer_rows(x, shape), eps, center=False, weight=None if weight is None else weight.reshape(size)
    )
    return out.reshape(x.shape).astype(out_dtype, copy=False)


def group_norm(
    x: Any, num_groups: int, weight: Any = None, bias: Any = None, eps: float = 1e-5
) -> np.ndarray:
    r"""Group normalization, as ``torch.nn.functional.group_norm``.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \mathrm{weight} + \mathrm{bias}

    The C channels are split into ``num_groups`` consecutive groups; mean and
    biased variance are taken, for each sample, over the ``C / num_groups``
    channels of a group and all their spatial positions. One group is layer
    norm over ``(C, *spatial)``; C groups is instance norm. ``weight`` and
    ``bias`` are per channel.

    Args:
        x: ``(N, C)`` or ``(N, C, *spatial)``; C divisible by ``num_groups``.
        num_groups: number of groups.
        weight, bias: ``(C,)``, or None.
        eps: added to the variance, > 0.

    Returns:
        An array of x's shape and dtype.
    """
    x, out_dtype = _checks.channel_input(x, "group_norm")
    meaning = _checks.per_channel(x.shape)
    weight = _checks.optional_parameter(weight, (x.shape[1],), "weight", meaning, _FLOAT64)
    bias = _checks.optional_parameter(bias, (x.shape[1],), "bias", meaning, _FLOAT64)
    eps = _checks.positive_eps(eps, "group_norm")
    out, _, _ = normalize_rows(group_rows(x, num_groups, "group_norm"), eps)
    return _channel_affine_inplace(out.reshape(x.shape), weight, bias).astype(out_dtype, copy=False)


def _channel_affine_inplace(out: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None) -> np.ndarray:
    """Apply per-channel weight and bias to an already normalized array, in place."""
    if weight is None and bias is None:
        return out
    scale = np.ones(out.shape[1]) if weight is None else weight
    return per_channel_affine(out, scale, bias, out=out)


def instance_norm(
    x: Any,
    running_mean: np.ndarray | None = None,
    running_var: np.ndarray | None = None,
    weight: Any = None,
    bias: Any = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> np.ndarray:
    r"""Instance normalization, as ``torch.nn.functional.instance_norm``.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \mathrm{weight} + \mathrm{bias}

    With ``use_input_stats=True`` mean and biased variance are taken per
    sample and channel over the spatial axes ``(2, 3, ...)``; given running
    buffers are then updated in place, as PyTorch does, with the batch average
    of the per-instance mean and unbiased variance. With
    ``use_input_stats=False`` the running buffers normalize instead, like
    ``batch_norm`` in eval mode.

    Args:
        x: ``(N, C, *spatial)``, at least one spatial axis.
        running_mean, running_var: ``(C,)`` float arrays, or both None.
        weight, bias: ``(C,)``, or None.
        use_input_stats: normalize with each instance's statistics.
        momentum: weight of the new batch in the running averages, in [0, 1].
        eps: added to the variance; > 0 when using input statistics.

    Returns:
        An array of x's shape and dtype.
    """
    x, out_dtype = _checks.channel_input(x, "instance_norm", min_ndim=3)
    samples, channels = x.shape[:2]
    meaning = _checks.per_channel(x.shape)
    running_mean, running_var = _checks.running_buffers(
        running_mean, running_var, channels, updated=bool(use_input_stats),
        function="instance_norm", meaning=meaning,
    )
    weight = _checks.optional_parameter(weight, (channels,), "weight", meaning, _FLOAT64)
    bias = _checks.optional_parameter(bias, (channels,), "bias", meaning, _FLOAT64)
    eps = _checks.positive_eps(eps, "instance_norm", allow_zero=not use_input_stats)
    if not use_input_stats:
        if running_mean is None:
            raise ValueError(
                "instance_norm with use_input_stats=False normalizes with running_mean and "
                "running_var, but neither was given; pass both, or use_input_stats=True."
            )
        out = _normalize_channels(
            x, running_mean.astype(np.float64), running_var.astype(np.float64), eps, weight, bias
        )
        return out.astype(out_dtype, copy=False)
    rows = instance_rows(x, "instance_norm")
    if running_mean is not None:
        momentum = _checks.momentum_value(momentum, "instance_norm")
    # An empty input (no samples, channels or positions) has no statistics to
    # record; PyTorch leaves the buffers as they are when positions are missing.
    updating = running_mean is not None and rows.size > 0
    out, mean, var = normalize_rows(rows, eps, statistics=updating)
    if updating:
        # PyTorch records the batch average of the per-instance mean and unbiased variance.
        batch_mean = mean.reshape(samples, channels).mean(axis=0)
        batch_var = var.reshape(samples, channels).mean(axis=0)
        _update_running(running_mean, running_var, momentum, batch_mean, batch_var, rows.shape[1])
    return _channel_affine_inplace(out.reshape(x.shape), weight, bias).astype(out_dtype, copy=False)
