r"""Backward passes of batch norm (training mode) and layer norm.

Derivation (as in karpathy/llm.c, ``doc/layernorm``). Along the normalized
axis, with ``n`` values per statistic::

    mean = sum(x) / n
    var  = sum((x - mean)^2) / n
    rstd = 1 / sqrt(var + eps)
    xhat = (x - mean) * rstd
    y    = weight * xhat + bias

Backwards, given ``dy = dL/dy``:

* ``dbias = sum(dy)`` and ``dweight = sum(dy * xhat)``, summed over every axis
  the parameter is shared across (the rows for layer norm; the batch and
  spatial axes for batch norm).
* ``dxhat = dy * weight``.
* ``xhat_i`` depends on ``x_j`` three ways: directly, through ``mean`` and
  through ``rstd``. With ``d mean / d x_j = 1/n`` and
  ``d rstd / d x_j = -rstd^3 (x_j - mean) / n = -rstd^2 xhat_j / n``::

      d xhat_i / d x_j = rstd * (delta_ij - 1/n - xhat_i * xhat_j / n)

  so, summing ``dxhat_i`` times that over ``i``::

      dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))

  the means taken along the normalized axis. The two means are the
  projections of ``dxhat`` on the constant direction and on ``xhat``, which
  the forward pass removed, so ``dx`` sums to zero along the normalized axis
  (and is orthogonal to ``xhat``).

For a masked batch norm the sums and means run over the valid positions only
(``n`` is their count); padded outputs are constant zeros, so their ``dy``
is ignored and their ``dx`` is 0.

Unlike llm.c, which caches ``mean`` and ``rstd`` from the forward pass,
these functions are stateless and recompute them from ``x`` with the same
kernels as the forward (see docs/core.md for the trade-off).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from normquiz.core import _checks
from normquiz.core.backward_kernels import batch_norm_backward_channels, layer_norm_backward_rows
from normquiz.core.statistics import batch_count, layer_rows

__all__ = ["batch_norm_backward", "layer_norm_backward"]


def _gradient(dy: Any, x: np.ndarray, function: str) -> np.ndarray:
    """Validate the upstream gradient: x's shape, cast to x's computation dtype."""
    grad = np.asarray(dy)
    if grad.dtype.kind not in "fiub":
        raise ValueError(f"{function}: dy must hold real numbers, got an array of dtype {grad.dtype}.")
    if grad.shape != x.shape:
        raise ValueError(
            f"{function}: dy has shape {grad.shape} but x has shape {x.shape}; dy is the "
            "gradient of the loss with respect to the layer's output, so the shapes must match."
        )
    return grad.astype(x.dtype, copy=False)


def _dx_from_dxhat(
    dxhat: np.ndarray, xhat: np.ndarray, rstd: np.ndarray, axes: int | tuple[int, ...], count: int
) -> np.ndarray:
    """``dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))``, means over ``axes``."""
    mean_dxhat = np.sum(dxhat, axis=axes, keepdims=True) / count
    mean_dxhat_xhat = np.sum(dxhat * xhat, axis=axes, keepdims=True) / count
    return rstd * (dxhat - mean_dxhat - xhat * mean_dxhat_xhat)


def _empty_gradients(
    x: np.ndarray, parameter_shape: tuple[int, ...], has_weight: bool, out_dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Gradients for an empty input: dx empty; the parameter gradients are sums of nothing, 0."""
    zeros = np.zeros(parameter_shape, out_dtype)
    return np.empty(x.shape, out_dtype), (zeros.copy() if has_weight else None), zeros


def layer_norm_backward(
    dy: Any, x: Any, normalized_shape: Any, weight: Any = None, eps: float = 1e-5
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    r"""Gradients of ``layer_norm(x, normalized_shape, weight, bias, eps)``.

    .. math:: dx = \mathrm{rstd} \left(\hat{dx} - \overline{\hat{dx}}
              - \hat{x}\, \overline{\hat{dx}\,\hat{x}}\right), \quad \hat{dx} = dy \cdot \mathrm{weight}

    with the means over the trailing ``normalized_shape`` axes (see the module
    docstring for the derivation). The bias does not change ``dx``, so it is
    not an argument.

    Args:
        dy: gradient of the loss w.r.t. the output, x's shape.
        x: the forward input ``(*, *normalized_shape)``.
        normalized_shape, weight, eps: as passed to the forward.

    Returns:
        ``(dx, dweight, dbias)``: dx of x's shape and dtype; dweight
        ``sum(dy * xhat)`` and dbias ``sum(dy)``, of shape
        ``normalized_shape``, summed over the leading axes. dweight is None
        when ``weight`` is None (there is no weight to train); dbias is always
        returned, because it does not depend on the weight: PyTorch allows a
        bias without a weight and gives it this gradient. An empty input gives
        an empty dx and zero parameter gradients, as PyTorch's autograd does.
    """
    x, out_dtype = _checks.float_input(x)
    shape = _checks.normalized_shape_tuple(normalized_shape, x, "layer_norm_backward")
    grad = _gradient(dy, x, "layer_norm_backward")
    weight = _checks.optional_parameter(
        weight, shape, "weight", _checks.per_element(shape), x.dtype
    )
    eps = _checks.positive_eps(eps, "layer_norm_backward")
    if x.size == 0:
        return _empty_gradients(x, shape, weight is not None, out_dtype)
    if x.ndim == 2 and len(shape) == 1:  # already (rows, K): skip the reshapes
        dx, dweight, dbias = layer_norm_backward_rows(grad, x, weight, eps)
    else:
        dx, dweight, dbias = layer_norm_backward_rows(
            layer_rows(grad, shape), layer_rows(x, shape), None if weight is None else weight.reshape(-1), eps
        )
    # (copy=False: the gradients are fresh arrays, perhaps already of out_dtype)
    return (
        dx.reshape(x.shape).astype(out_dtype, copy=False),
        None if dweight is None else dweight.reshape(shape).astype(out_dtype, copy=False),
        dbias.reshape(shape).astype(out_dtype, copy=False),
    )


def batch_norm_backward(
    dy: Any, x: Any, weight: Any = None, eps: float = 1e-5, *, mask: Any = None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    r"""Gradients of training-mode ``batch_norm(x, weight=weight, bias=..., training=True, eps=eps, mask=mask)``.

    .. math:: dx = \mathrm{rstd} \left(\hat{dx} - \overline{\hat{dx}}
              - \hat{x}\, \overline{\hat{dx}\,\hat{x}}\right), \quad \hat{dx} = dy \cdot \mathrm{weight}

    with the means per channel over axes ``(0, 2, 3, ...)`` (the valid
    positions only, when masked). Running buffers do not take part in the
    gradient: in training the output depends on x through the batch statistics.

    Args:
        dy: gradient of the loss w.r.t. the output, x's shape.
        x: the forward input ``(N, C, *spatial)``.
        weight, eps, mask: as passed to the forward.

    Returns:
        ``(dx, dweight, dbias)``: dx of x's shape and dtype (0 at padded
        positions); dweight ``sum(dy * xhat)`` and dbias ``sum(dy)`` of shape
        ``(C,)``, over the batch and spatial axes (valid positions only).
        dweight is None when ``weight`` is None; dbias is always returned, as
        for ``layer_norm_backward``. An empty batch gives an empty dx and
        zero parameter gradients, as PyTorch's autograd does.
    """
    x, out_dtype = _checks.channel_input(x, "batch_norm_backward")
    grad = _gradient(dy, x, "batch_norm_backward")
    channels = x.shape[1]
    valid = _checks.boolean_mask(mask, x.shape, "batch_norm_backward")
    weight = _checks.optional_parameter(
        weight, (channels,), "weight", _checks.per_channel(x.shape), x.dtype
    )
    eps = _checks.positive_eps(eps, "batch_norm_backward")
    batch_count(x, valid, "batch_norm_backward")  # raises PyTorch's error for one value per channel
    if x.size == 0:
        return _empty_gradients(x, (channels,), weight is not None, out_dtype)
    if valid is None:
        dx, dweight, dbias = batch_norm_backward_channels(grad, x, weight, eps)
    else:
        # The valid positions, gathered as (count, C): an unmasked batch of
        # their own. Padded outputs are constants, so their dx is 0 and their dy unused.
        gathered = np.moveaxis(x, 1, -1)[valid]
        dx_valid, dweight, dbias = batch_norm_backward_channels(np.moveaxis(grad, 1, -1)[valid], gathered, weight, eps)
        dx = np.zeros(x.shape, x.dtype)
        np.moveaxis(dx, 1, -1)[valid] = dx_valid
    return (
        dx.astype(out_dtype, copy=False),
        None if dweight is None else dweight.astype(out_dtype, copy=False),
        dbias.astype(out_dtype, copy=False),
    )
