r"""The blocked kernels behind ``layer_norm_backward`` and the unmasked ``batch_norm_backward``.

Both evaluate, for ``n`` values per statistic (see ``backward.py`` for the derivation),

.. math:: dx = \mathrm{rstd}\,(\hat{dx} - a - \hat{x}\, b), \quad
          a = \overline{\hat{dx}}, \quad b = \overline{\hat{dx}\,\hat{x}}, \quad \hat{dx} = dy \cdot w

without materializing ``xhat`` or any full-size temporary. Writing
``xhat = (x - mean) rstd`` and ``c = mean(dxhat (x - mean))`` (so ``b = rstd c``)::

    dx = rstd * dxhat + p * (x - mean) + q,   p = -rstd^3 c,   q = -rstd a

Every term is a row (layer norm) or channel (batch norm) coefficient times
``dy`` or ``x``. The sums come from BLAS dot products (``vecdot``, gemv),
which read without writing; the elementwise work is four passes per block
(five with a weight), in cache.

``x - mean`` is only formed where it must be: data whose mean is within a
few standard deviations of 0 uses ``x`` itself, the mean being subtracted
from the sums (``sum(g (x - m)) = sum(g x) - m sum(g)``, which cannot
cancel there); data on an offset is centred first, exactly, as in the
forward pass.
"""

from __future__ import annotations

import numpy as np

from normquiz.core.channels import foldable, per_channel_combination
from normquiz.core.columns import MAX_BLOCK_ROWS, one_pass_moments, small_columns, standardize_small_columns
from normquiz.core.moments import (
    BLOCK_ELEMENTS,
    SMALL_ELEMENTS,
    averaging_vector,
    constant_vector,
    row_block_statistics,
    standardize_small_rows,
    unbuffered_loops,
)
from normquiz.core.statistics import channel_moments

__all__ = [
    "layer_norm_backward_rows",
    "batch_norm_backward_channels",
    "small_columns_backward",
    "small_rows_backward",
    "small_spatial_backward",
]

#: Elements per block: a quarter of the forward's, as five block-sized
#: arrays (x, dy, dx and two scratch buffers) must share the cache.
BACKWARD_BLOCK_ELEMENTS = BLOCK_ELEMENTS // 4


def small_spatial_backward(
    grad: np.ndarray, x: np.ndarray, weight: np.ndarray | None, eps: float
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Batch norm's backward formula as written, in float64, for an ``(N, C, *S)`` of at most ``SMALL_ELEMENTS`` values.

    There the NumPy calls, not the passes, are the cost, and float64 makes
    the plain two-pass formula exact. Means and sums run over axes
    ``(0, 2, ...)``; ``dweight`` and ``dbias`` are float64 ``(C,)``.
    """
    axes = (0,) + tuple(range(2, x.ndim))
    n = x.size // x.shape[1]
    x64, dy = x.astype(np.float64), grad.astype(np.float64)
    xhat = x64 - np.add.reduce(x64, axis=axes, keepdims=True) / n
    rstd = 1.0 / np.sqrt(np.add.reduce(xhat * xhat, axis=axes, keepdims=True) / n + eps)
    xhat *= rstd
    dbias = np.add.reduce(dy, axis=axes)
    dweight = None if weight is None else np.add.reduce(dy * xhat, axis=axes)
    dxhat = dy if weight is None else dy * weight.reshape((1, -1) + (1,) * (x.ndim - 2))
    dx = dxhat - np.add.reduce(dxhat, axis=axes, keepdims=True) / n
    dx -= xhat * (np.add.reduce(dxhat * xhat, axis=axes, keepdims=True) / n)
    dx *= rstd
    return dx.astype(x.dtype), dweight, dbias


def _small_dx(
    dxhat: np.ndarray, xhat: np.ndarray, mean_dxhat: np.ndarray, mean_product: np.ndarray, std: np.ndarray
) -> np.ndarray:
    """``dx = (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) / std``, the statistics broadcasting as given.

    ``xhat`` is overwritten; ``dxhat`` is only read.
    """
    dx = np.subtract(dxhat, mean_dxhat)
    xhat *= mean_product
    dx -= xhat
    dx /= std
    return dx


def small_rows_backward(
    grad: np.ndarray, rows: np.ndarray, weight: np.ndarray | None, eps: float
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Layer norm's gradients for one small ``(M, K)`` block (``SMALL_ELEMENTS`` values), in the fewest calls.

    In x's dtype: ``xhat`` from the forward's exact two-pass
    (``standardize_small_rows``), every sum a BLAS product; the two means
    of dx share one vector, ``mean(dxhat) = dy . (w / K)`` and
    ``mean(dxhat xhat) = (dy xhat) . (w / K)``, so the weight costs two calls.
    ``dweight`` and ``dbias`` are ``(K,)`` in x's dtype.
    """
    count, length = rows.shape
    xhat, _, _, _, std = standardize_small_rows(rows, eps)
    ones = constant_vector(count, rows.dtype, 1.0)
    average = averaging_vector(length, rows.dtype)
    dbias = ones @ grad
    product = grad * xhat
    dweight = None if weight is None else ones @ product
    dxhat, weighted = (grad, average) if weight is None else (grad * weight, weight * average)
    dx = _small_dx(dxhat, xhat, (grad @ weighted)[:, None], (product @ weighted)[:, None], std[:, None])
    return dx, dweight, dbias


def small_columns_backward(
    grad: np.ndarray, columns: np.ndarray, weight: np.ndarray | None, eps: float
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Batch norm's gradients for one small ``(N, C)`` block (``columns.small_columns``), in the fewest calls.

    As ``small_rows_backward`` with the statistics down the columns: here
    the parameters are per statistic, so ``mean(dxhat) = w dbias / N`` and
    ``mean(dxhat xhat) = w dweight / N`` are products of ``(C,)`` vectors.
    """
    xhat, _, _, _, std = standardize_small_columns(columns, eps)
    ones = constant_vector(columns.shape[0], columns.dtype, 1.0)
    dbias = ones @ grad
    product = grad * xhat
    dweight = ones @ product
    scale = 1.0 / columns.shape[0] if weight is None else weight * (1.0 / columns.shape[0])
    dxhat = grad if weight is None else grad * weight
    dx = _small_dx(dxhat, xhat, dbias * scale, dweight * scale, std)
    return dx, (None if weight is None else dweight), dbias


@unbuffered_loops
def layer_norm_backward_rows(
    grad: np.ndarray, rows: np.ndarray, weight: np.ndarray | None, eps: float
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Layer norm's gradients for ``(M, K)`` rows: ``(dx, dweight, dbias)``, the last two ``(K,)``.

    The parameter gradients are float64, or x's dtype for one small block (``small_rows_backward``).

    ``dweight = sum_i dy (x - mean) rstd`` and ``dbias = sum_i dy`` are
    gemv products, accumulated in float64 across blocks; dweight is None
    without a weight.
    """
    if rows.size <= SMALL_ELEMENTS:
        return small_rows_backward(grad, rows, weight, eps)
    count, length = rows.shape
    dtype = rows.dtype
    dx = np.empty(rows.shape, dtype)
    dbias = np.zeros(length)
    dweight = None if weight is None else np.zeros(length)
    step = max(1, BACKWARD_BLOCK_ELEMENTS // length)
    first = min(step, count)
    dxhat_scratch = np.empty((first, length), dtype)
    product_scratch = None if weight is None else np.empty((first, length), dtype)
    average, ones = averaging_vector(length, dtype), constant_vector(first, dtype, 1.0)
    for start in range(0, count, step):
        x_block, dy_block, dx_block = rows[start : start + step], grad[start : start + step], dx[start : start + step]
        m = x_block.shape[0]
        reference, shift, rstd = row_block_statistics(x_block, dx_block)
        # The values the sums run over: x itself, whose mean `shift` is then
        # taken out of each sum, or x - mean, left in dx by the two-pass route.
        values, mean = (x_block, shift) if reference is None else (dx_block, None)
        rstd += eps
        np.sqrt(rstd, out=rstd)
        np.reciprocal(rstd, out=rstd)
        dbias += ones[:m] @ dy_block
        if weight is None:
            dxhat = dy_block  # only read: it is the caller's gradient
        else:
            product = np.multiply(dy_block, values, out=product_scratch[:m])
            block_dweight = rstd @ product
            if mean is not None:
                block_dweight -= (mean * rstd) @ dy_block
            dweight += block_dweight
            dxhat = np.multiply(dy_block, weight, out=dxhat_scratch[:m])
        a = np.vecdot(dxhat, average)
        c = np.vecdot(dxhat, values)
        c *= 1.0 / length
        if mean is not None:
            c -= mean * a
        p = -(rstd * rstd * rstd * c)
        q = -(rstd * a)
        if mean is not None:
            q -= p * mean
        np.multiply(values, p[:, None], out=dx_block)  # (in place on x - mean, two-pass route)
        dx_block += q[:, None]
        scaled = np.multiply(dxhat, rstd[:, None], out=dxhat_scratch[:m])
        dx_block += scaled
    return dx, dweight, dbias


def _channel_sums(
    grad: np.ndarray, x: np.ndarray, center: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per channel (axis 1), in float64: ``sum(dy)`` and ``sum(dy * (x - center))`` (center None: 0).

    ``(N, C)``: gemv and ``einsum`` per block of rows; ``(N, C, S)``: a dot
    product per (sample, channel) row of ``S`` values, summed over samples.
    ``x - center`` is written to a block-sized scratch only when a center is given.
    """
    if x.ndim > 2:
        return _spatial_channel_sums(grad, x, center)
    samples, channels = x.shape
    dtype = x.dtype
    step = max(1, min(1024, BLOCK_ELEMENTS // channels))
    ones = constant_vector(min(step, samples), dtype, 1.0)
    sum_dy, sum_product = np.zeros(channels), np.zeros(channels)
    centered = None if center is None else np.empty((min(step, samples), channels), dtype)
    for start in range(0, samples, step):
        x_block, dy_block = x[start : start + step], grad[start : start + step]
        if center is not None:
            x_block = np.subtract(x_block, center, out=centered[: x_block.shape[0]])
        sum_dy += ones[: x_block.shape[0]] @ dy_block
        sum_product += np.einsum("ij,ij->j", dy_block, x_block)
    return sum_dy, sum_product


@unbuffered_loops  # (the per-row center broadcasts over rows of S values)
def _spatial_channel_sums(
    grad: np.ndarray, x: np.ndarray, center: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """``_channel_sums`` of ``(N, C, *S)``."""
    samples, channels = x.shape[:2]
    dtype = x.dtype
    spatial = x[0, 0].size
    rows, grad_rows = x.reshape(samples * channels, spatial), grad.reshape(samples * channels, spatial)
    row_center = None if center is None else np.tile(center, samples)[:, None]
    ones = constant_vector(spatial, dtype, 1.0)
    row_dy, row_product = np.empty(samples * channels), np.empty(samples * channels)
    step = max(1, BLOCK_ELEMENTS // spatial)
    centered = None if center is None else np.empty((min(step, rows.shape[0]), spatial), dtype)
    for start in range(0, rows.shape[0], step):
        x_block, dy_block = rows[start : start + step], grad_rows[start : start + step]
        if center is not None:
            x_block = np.subtract(x_block, row_center[start : start + step], out=centered[: x_block.shape[0]])
        row_dy[start : start + step] = np.vecdot(dy_block, ones)
        row_product[start : start + step] = np.vecdot(dy_block, x_block)
    return row_dy.reshape(samples, channels).sum(axis=0), row_product.reshape(samples, channels).sum(axis=0)


def _centred_block_backward(
    grad: np.ndarray, x: np.ndarray, weight: np.ndarray | None, eps: float, mean: np.ndarray, var: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """``batch_norm_backward_channels`` for one block of centred ``(N, C)`` columns, coefficients in x's dtype.

    ``mean`` and ``var`` come from ``columns.one_pass_moments`` (every mean
    within ``ONE_PASS_CENTRED`` standard deviations of 0, so
    ``sum(dy (x - mean)) = sum(dy x) - mean sum(dy)`` cannot cancel). At
    this size the ~20 calls on ``(C,)`` vectors cost as much as a pass, so
    they stay in x's dtype (no float64 casts), the sums being float32 anyway.
    """
    count = x.shape[0]
    rstd = np.add(var, eps)
    np.sqrt(rstd, out=rstd)
    np.divide(1.0, rstd, out=rstd)
    sum_dy = constant_vector(count, x.dtype, 1.0) @ grad
    product = np.einsum("ij,ij->j", grad, x)
    product -= mean * sum_dy  # sum(dy (x - mean))
    scale = rstd if weight is None else rstd * weight
    a = scale * sum_dy
    a *= 1.0 / count  # rstd * mean(dxhat)
    p = scale * rstd
    p *= rstd
    p *= -1.0 / count
    p *= product  # -rstd^3 mean(dxhat (x - mean))
    gamma = p * mean
    gamma += a
    dx = per_channel_combination(grad, scale, x, p, np.negative(gamma, out=gamma))
    return dx, (None if weight is None else np.multiply(rstd, product, out=product)), sum_dy


def batch_norm_backward_channels(
    grad: np.ndarray, x: np.ndarray, weight: np.ndarray | None, eps: float
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Training batch norm's gradients for an unmasked ``(N, C, *S)``: ``(dx, dweight, dbias)``.

    Three sweeps over the data: the statistics (``channel_moments``), the
    per-channel sums ``sum(dy)`` and ``sum(dy (x - mean))``, and
    ``dx = alpha dy + beta (x - center) + gamma`` (``per_channel_combination``).
    dweight and dbias are ``(C,)``, float64 (x's dtype for one block of centred columns or a small
    input); dweight is None without a weight.
    """
    if x.ndim == 2 and small_columns(x):
        return small_columns_backward(grad, x, weight, eps)
    if x.size <= SMALL_ELEMENTS:
        return small_spatial_backward(grad, x, weight, eps)
    if x.ndim == 2 and x.shape[0] <= MAX_BLOCK_ROWS and x.size <= BLOCK_ELEMENTS:
        moments = one_pass_moments(x)  # one block of centred columns: nothing written
        if moments is not None:
            return _centred_block_backward(grad, x, weight, eps, *moments)
    mean, var, count = channel_moments(x)
    rstd = 1.0 / np.sqrt(var + eps)
    # Centred channels use x itself; otherwise x - hi, hi the mean in x's dtype (exact near it).
    center = None if foldable(mean, var) else mean.astype(x.dtype).astype(np.float64)
    sum_dy, sum_product = _channel_sums(grad, x, None if center is None else center.astype(x.dtype))
    offset = mean if center is None else mean - center  # the mean, measured from the center
    centred_product = sum_product - offset * sum_dy  # sum(dy (x - mean))
    dbias = sum_dy
    dweight = None if weight is None else rstd * centred_product
    scale = rstd if weight is None else rstd * weight
    a = scale * sum_dy / count  # rstd * mean(dxhat)
    c = scale * centred_product / count  # rstd * mean(dxhat (x - mean))
    p = -(rstd * rstd * c)
    dx = per_channel_combination(grad, scale, x, p, -a - p * offset, center=center)
    return dx, dweight, dbias
