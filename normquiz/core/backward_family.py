r"""Backward passes of group norm, instance norm (input statistics) and RMS norm.

Group and instance norm normalize rows exactly as layer norm does, only the
rows are different: one row per (sample, group) of ``C / G * S`` values for
group norm, one per (sample, channel) of ``S`` values for instance norm
(group norm with ``G = C``). Along a row of ``n`` values (see
``normquiz.core.backward`` for the derivation)::

    dxhat = dy * weight                       (weight per channel)
    dx    = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))

while the affine parameters, shared per channel, sum over the batch and the
spatial axes: ``dweight = sum(dy * xhat)``, ``dbias = sum(dy)``.

RMS norm does not centre: ``y = x * r * weight`` with
``r = 1 / sqrt(mean(x^2) + eps)`` over the trailing ``normalized_shape``
axes. With ``xhat = x * r`` and ``d r / d x_j = -r^3 x_j / n``::

    d xhat_i / d x_j = r * (delta_ij - xhat_i * xhat_j / n)
    dx = r * (dxhat - xhat * mean(dxhat * xhat))

There is no mean term: shifting x changes the output, so ``dx`` need not sum
to zero; it is orthogonal to ``xhat`` only when eps is negligible.

``dbias`` is returned whether or not ``weight`` is given (a bias can exist
without a weight in ``torch.nn.functional``); ``dweight`` is None without a
weight. The statistics are recomputed from ``x`` with the forward's stable
row kernel, as in ``normquiz.core.backward``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from normquiz.core import _checks
from normquiz.core.backward import _dx_from_dxhat, _gradient
from normquiz.core.moments import normalize_rows
from normquiz.core.statistics import group_rows, instance_rows, layer_rows

__all__ = ["group_norm_backward", "instance_norm_backward", "rms_norm_backward"]


def _row_norm_backward(
    grad: np.ndarray, x: np.ndarray, rows: np.ndarray, weight: np.ndarray | None, eps: float, out_dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Gradients of a per-row normalization with per-channel affine parameters.

    ``rows`` is a ``(M, K)`` view of the ``(N, C, *S)`` input ``x`` in which
    each row holds whole channels of one sample (a group, or one channel).
    """
    xhat_rows, _, var = normalize_rows(rows, eps, statistics=True)
    rstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype)[:, None]
    xhat = xhat_rows.reshape(x.shape)
    axes = (0,) + tuple(range(2, x.ndim))
    dbias = grad.sum(axis=axes).astype(out_dtype, copy=False)
    dweight = None
    dxhat = grad
    if weight is not None:
        dweight = (grad * xhat).sum(axis=axes).astype(out_dtype, copy=False)
        dxhat = grad * weight.reshape((1, -1) + (1,) * (x.ndim - 2))
    dx = _dx_from_dxhat(dxhat.reshape(rows.shape), xhat_rows, rstd, 1, rows.shape[1])
    return dx.reshape(x.shape).astype(out_dtype, copy=False), dweight, dbias


def group_norm_backward(
    dy: Any, x: Any, num_groups: int, weight: Any = None, eps: float = 1e-5
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    r"""Gradients of ``group_norm(x, num_groups, weight, bias, eps)``.

    .. math:: dx = \mathrm{rstd} \left(\hat{dx} - \overline{\hat{dx}}
              - \hat{x}\, \overline{\hat{dx}\,\hat{x}}\right), \quad \hat{dx} = dy \cdot \mathrm{weight}_c

    with the means, for each sample, over the ``C / num_groups`` channels of a
    group and all their spatial positions; ``dweight`` and ``dbias`` sum over
    axes ``(0, 2, 3, ...)``.

    Args:
        dy: gradient of the loss w.r.t. the output, x's shape.
        x: the forward input ``(N, C, *spatial)``, C divisible by ``num_groups``.
        num_groups, weight, eps: as passed to the forward.

    Returns:
        ``(dx, dweight, dbias)``: dx of x's shape and dtype; dweight ``(C,)``,
        or None when ``weight`` is None; dbias ``(C,)``.
    """
    x, out_dtype = _checks.channel_input(x, "group_norm_backward")
    grad = _gradient(dy, x, "group_norm_backward")
    weight = _checks.optional_parameter(
        weight, (x.shape[1],), "weight", _checks.per_channel(x.shape), x.dtype
    )
    eps = _checks.positive_eps(eps, "group_norm_backward")
    rows = group_rows(x, num_groups, "group_norm_backward")
    return _row_norm_backward(grad, x, rows, weight, eps, out_dtype)


def instance_norm_backward(
    dy: Any, x: Any, weight: Any = None, eps: float = 1e-5
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    r"""Gradients of ``instance_norm(x, weight=weight, bias=..., use_input_stats=True, eps=eps)``.

    .. math:: dx = \mathrm{rstd} \left(\hat{dx} - \overline{\hat{dx}}
              - \hat{x}\, \overline{\hat{dx}\,\hat{x}}\right), \quad \hat{dx} = dy \cdot \mathrm{weight}_c

    with the means per sample and channel over the spatial axes ``(2, 3, ...)``;
    ``dweight`` and ``dbias`` sum over axes ``(0, 2, 3, ...)``. Running
    buffers play no part: with input statistics they are only updated.

    Args:
        dy: gradient of the loss w.r.t. the output, x's shape.
        x: the forward input ``(N, C, *spatial)``, at least one spatial axis.
        weight, eps: as passed to the forward.

    Returns:
        ``(dx, dweight, dbias)``: dx of x's shape and dtype; dweight ``(C,)``,
        or None when ``weight`` is None; dbias ``(C,)``.
    """
    x, out_dtype = _checks.channel_input(x, "instance_norm_backward", min_ndim=3)
    grad = _gradient(dy, x, "instance_norm_backward")
    weight = _checks.optional_parameter(
        weight, (x.shape[1],), "weight", _checks.per_channel(x.shape), x.dtype
    )
    eps = _checks.positive_eps(eps, "instance_norm_backward")
    rows = instance_rows(x, "instance_norm_backward")
    return _row_norm_backward(grad, x, rows, weight, eps, out_dtype)


def rms_norm_backward(
    dy: Any, x: Any, normalized_shape: Any, weight: Any = None, eps: float | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    r"""Gradients of ``rms_norm(x, normalized_shape, weight, eps)``.

    .. math:: dx = r \left(\hat{dx} - \hat{x}\, \overline{\hat{dx}\,\hat{x}}\right),
              \quad r = \frac{1}{\sqrt{\overline{x^2} + \epsilon}},
              \quad \hat{x} = x\, r, \quad \hat{dx} = dy \cdot \mathrm{weight}

    with the means over the trailing ``normalized_shape`` axes; ``dweight``
    sums ``dy * xhat`` over the leading axes.

    Args:
        dy: gradient of the loss w.r.t. the output, x's shape.
        x: the forward input ``(*, *normalized_shape)``.
        normalized_shape, weight: as passed to the forward.
        eps: as passed to the forward; None means what :func:`rms_norm` uses.

    Returns:
        ``(dx, dweight)``: dx of x's shape and dtype; dweight of shape
        ``normalized_shape``, or None when ``weight`` is None.
    """
    x, out_dtype = _checks.float_input(x)
    shape = _checks.normalized_shape_tuple(normalized_shape, x, "rms_norm_backward")
    grad = _gradient(dy, x, "rms_norm_backward")
    weight = _checks.optional_parameter(
        weight, shape, "weight", _checks.per_element(shape), x.dtype
    )
    eps = _checks.default_rms_eps(out_dtype) if eps is None else _checks.positive_eps(eps, "rms_norm_backward")
    size = math.prod(shape)
    grad = layer_rows(grad, shape)
    xhat, _, mean_square = normalize_rows(layer_rows(x, shape), eps, center=False, statistics=True)
    rstd = (1.0 / np.sqrt(mean_square + eps)).astype(x.dtype)[:, None]
    dweight = None
    dxhat = grad
    if weight is not None:
        dweight = (grad * xhat).sum(axis=0).reshape(shape).astype(out_dtype, copy=False)
        dxhat = grad * weight.reshape(size)
    projection = np.sum(dxhat * xhat, axis=1, keepdims=True) / size
    dx = rstd * (dxhat - xhat * projection)
    return dx.reshape(x.shape).astype(out_dtype, copy=False), dweight
