"""Numerically stable statistics down the columns of ``(N, C)``: batch norm's layout.

One statistic per column (batch norm of ``(N, C)``, masked batch norm after
gathering the valid positions). The reasons and the shift are those of
``normquiz.core.moments``; what differs is that NumPy reduces axis 0 row
after row, not pairwise, so the layout needs its own kernels:

* One cache-sized block: an exact two-pass (``_centre_columns``), first
  trying the sums unshifted when the data is checked to be centred.
* Larger: one pass of ``S1 = sum d``, ``S2 = sum d^2`` per block (float32
  within at most ``MAX_BLOCK_ROWS`` rows, float64 across), a channel whose
  cancellation factor exceeds 2 being recomputed by the blockwise two-pass
  merged with Chan, Golub and LeVeque's update (``column_moments``).
"""

from __future__ import annotations

import numpy as np

from normquiz.core.moments import (
    ONE_PASS_CENTRED,
    SMALL_ELEMENTS,
    averaging_vector,
    constant_vector,
    combine_moments,
    rows_per_block,
)
from normquiz.core.tiles import ColumnOps as _ColumnOps

__all__ = [
    "column_moments",
    "normalize_columns",
    "normalize_small_columns",
    "one_block",
    "one_pass_moments",
    "small_columns",
    "standardize_small_columns",
]

#: Column sums run in float32 down at most this many rows (error grows with it).
MAX_BLOCK_ROWS = 1024

#: Rows whose two-pass mean is the reference for column statistics (within
#: about sigma/4 of the mean, for independent rows).
REFERENCE_ROWS = 16

#: Column data whose mean is within this many standard deviations of 0 is
#: summed without a reference shift (one pass fewer; see ``_centre_columns``).
CENTRED = 4.0


def one_block(columns: np.ndarray) -> bool:
    """Whether ``normalize_columns`` treats ``(N, C)`` as one block (its weight and bias then in x's dtype)."""
    return columns.shape[0] <= rows_per_block(columns.shape[1], max_rows=MAX_BLOCK_ROWS)


def small_columns(columns: np.ndarray) -> bool:
    """Whether ``(N, C)`` takes ``normalize_small_columns``: one small block, where calls cost more than passes."""
    return columns.size <= SMALL_ELEMENTS and columns.shape[0] <= MAX_BLOCK_ROWS


def _centre_columns(
    columns: np.ndarray, centered: np.ndarray, ops: _ColumnOps | None = None
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Two-pass mean and biased variance of each column of a ``(b, C)`` block, in its dtype.

    ``centered`` (C-contiguous, never ``columns``) receives ``c = x - mean``;
    ``var = mean(c^2)``. Returns ``(r, shift, var)``: mean ``= r + shift``
    (two terms, whose float sum would round), ``r`` None for 0. Means are
    products with a ``1/b`` vector (BLAS gemv): 2x ``np.add.reduce(axis=0)``.

    With ``ops`` (``_ColumnOps(columns, centered)``: blocks past
    ``SMALL_ELEMENTS``) the columns are first summed as they are: the two-pass
    variance only gains ``(error of the mean)^2``, and a float32 sum of ``b``
    values errs by at most ``b u mean|x|``, tiny while
    ``|mean| <= CENTRED * std``, which is checked (a constant column fails it,
    so it still gives exact zeros). Otherwise ``r`` is the first row:
    ``d = x - r`` is exact near it (Sterbenz), ``c = d - mean(d)``.
    """
    average = averaging_vector(columns.shape[0], columns.dtype)
    if ops is not None:
        shift = average @ columns
        ops(np.subtract, shift, source=True)
        var = _mean_squares(centered)
        # (ufunc reduce: ndarray.all() adds ~1 us of Python wrapper)
        if np.logical_and.reduce(shift * shift <= CENTRED * CENTRED * var):
            return None, shift, var
    reference = columns[0]
    if ops is None:
        np.subtract(columns, reference, out=centered)
        shift = average @ centered
        np.subtract(centered, shift, out=centered)
    else:
        ops(np.subtract, reference, source=True)
        shift = average @ centered
        ops(np.subtract, shift)
        return reference, shift, _mean_squares(centered)
    return reference, shift, average @ np.square(centered)


def _mean_squares(block: np.ndarray) -> np.ndarray:
    """``mean(c^2)`` of each column of a block, by ``einsum``: no squared temporary.

    A fresh block-sized temporary costs its page faults on every call
    (NumPy returns large buffers to the system): batch norm of (64, 4096)
    took 3.3x the time with ``(1/n) @ np.square(c)``.
    """
    squares = np.einsum("ij,ij->j", block, block)
    squares *= 1.0 / block.shape[0]
    return squares


def _mean(reference: np.ndarray | None, shift: np.ndarray) -> np.ndarray:
    """The float64 mean ``reference + shift`` from ``_centre_columns``."""
    return shift.astype(np.float64) if reference is None else reference.astype(np.float64) + shift


def _column_moments_chan(columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Robust column statistics: two-pass within each block, blocks merged by ``combine_moments``.

    Immune to any offset or ordering of the rows; about 1.5x the work of the
    single-reference pass in ``column_moments``, which falls back to it.
    """
    count, width = columns.shape
    step = rows_per_block(width, max_rows=MAX_BLOCK_ROWS)
    scratch = np.empty((min(step, count), width), dtype=columns.dtype)
    means, m2s, sizes = [], [], []
    for start in range(0, count, step):
        block = columns[start : start + step]
        target = scratch[: block.shape[0]]
        reference, shift, var = _centre_columns(block, target, _ColumnOps(block, target))
        means.append(_mean(reference, shift))
        m2s.append(var.astype(np.float64) * block.shape[0])
        sizes.append(block.shape[0])
    sizes = np.array(sizes, dtype=np.float64)[:, None]
    mean, m2 = combine_moments(np.stack(means), np.stack(m2s), sizes)
    return mean, m2 / count


def column_moments(
    columns: np.ndarray, centered: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Float64 mean and biased variance of each column of ``columns`` ``(N, C)``.

    Returns ``(mean, var, center)``. A given ``centered`` (C-contiguous, x's
    shape and dtype) receives ``x - center``, ``center`` (float64) being close
    to the mean, for batch norm to finish with ``centered * scale + (bias -
    (mean - center) * scale)``; ``center`` None: nothing was written.

    One block: the exact two-pass of ``_centre_columns`` (center = mean).
    Beyond, ``_column_sums`` takes ``var = S2/N - (S1/N)^2`` of
    ``d = x - center``, cancellation factor ``1 + (mean - center)^2 / var``,
    with the center 0 if the first ``REFERENCE_ROWS`` rows and then the sums
    say the data is centred (mean within one std: nothing to subtract or
    write), else the two-pass mean of those rows (or the mean just summed).
    A channel whose factor still exceeds 2 (sorted or drifting rows) is
    recomputed by the robust blockwise two-pass method.
    """
    count, width = columns.shape
    dtype = columns.dtype
    step = rows_per_block(width, max_rows=MAX_BLOCK_ROWS)
    scratch = np.empty((min(step, count), width), dtype) if centered is None else None
    target = scratch if centered is None else centered
    if count <= step:
        reference, shift, var = _centre_columns(columns, target, _ColumnOps(columns, target))
        mean = _mean(reference, shift)
        return mean, var.astype(np.float64), mean
    head = columns[:REFERENCE_ROWS]
    reference, shift, head_var = _centre_columns(head, target[: head.shape[0]])
    center = (reference.astype(np.float64) + shift).astype(dtype)
    # Centred data needs no shift. The head's mean of zero-mean data is off by
    # ~sigma/4 (16 rows), so this test is loose; the sums decide below.
    if columns.flags.c_contiguous and (center * center <= 4 * head_var).all():
        residual, var = _column_sums(columns, None, None, step)
        if (residual * residual <= var).all():
            center = None
        else:  # not centred after all: shift by the mean just found
            center = residual.astype(dtype)
    if center is not None:
        residual, var = _column_sums(columns, center, scratch if centered is None else centered, step)
    center64 = np.zeros(width) if center is None else center.astype(np.float64)
    mean = center64 + residual
    unreliable = residual * residual > var
    if unreliable.any():
        mean[unreliable], var[unreliable] = _column_moments_chan(columns[:, unreliable])
    return mean, np.maximum(var, 0.0, out=var), None if center is None else center64


def _column_sums(
    columns: np.ndarray, center: np.ndarray | None, target: np.ndarray | None, step: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(S1/N, S2/N - (S1/N)^2)`` of ``d = columns - center`` (center None: 0), float64.

    Blocks of ``step`` rows, float32 sums within, float64 across; ``d`` goes
    to ``target`` (all rows, or one block's worth reused), unless center is
    None. S1 by gemv; S2 by einsum, which needs no squared temporary.
    """
    count, width = columns.shape
    ones = constant_vector(step, columns.dtype, 1.0)
    sum_d, sum_d2 = np.zeros(width), np.zeros(width)
    ops = None
    for start in range(0, count, step):
        block = columns[start : start + step]
        rows = block.shape[0]
        if center is not None:
            out = target[:rows] if target.shape[0] < count else target[start : start + rows]
            ops = _ColumnOps(block, out, ops)
            ops(np.subtract, center, source=True)
            block = out
        sum_d += ones[:rows] @ block
        sum_d2 += np.einsum("ij,ij->j", block, block)
    residual = sum_d / count
    return residual, sum_d2 / count - residual * residual


def one_pass_moments(columns: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Mean and biased variance of the columns of one block (at most ``MAX_BLOCK_ROWS`` rows), in their dtype.

    One pass over the data as it is, nothing written: ``mean = (1/n) @ x``
    (gemv) and ``var = sum(x^2)/n - mean^2`` (``einsum``, no squared
    temporary). Accepted when every column's mean is within
    ``ONE_PASS_CENTRED`` standard deviations of 0, which bounds the
    cancellation (see ``moments.row_block_statistics``); None otherwise.
    One block's coefficients are computed in its dtype, so no float64 here.
    """
    mean = averaging_vector(columns.shape[0], columns.dtype) @ columns
    square = mean * mean
    var = np.einsum("ij,ij->j", columns, columns)
    var *= 1.0 / columns.shape[0]
    var -= square
    if not np.logical_and.reduce(square <= ONE_PASS_CENTRED**2 * var):
        return None
    return mean, var


def _fold_one_block(
    columns: np.ndarray, ops: _ColumnOps, eps: float, weight: np.ndarray | None, bias: np.ndarray | None, statistics: bool
) -> tuple[np.ndarray | None, np.ndarray | None] | None:
    """Batch norm of one block of centred columns: ``out = x * s + t``, with or without an affine.

    The statistics of ``one_pass_moments``, then ``s = weight / std`` and
    ``t = bias - mean * s`` fold the whole layer into two passes. The
    coefficients are computed in x's dtype, like ``weight`` and ``bias``
    (``batch_norm`` passes them so for one block): a few calls fewer, and
    ``|mean * s| <= 2 |weight|`` here, so ``t`` cannot cancel. Returns the
    float64 ``(mean, var)`` (None, None unless ``statistics``), or None when
    the check fails and nothing was written.
    """
    moments = one_pass_moments(columns)
    if moments is None:
        return None
    mean, var = moments
    std = np.add(var, eps)
    np.sqrt(std, out=std)
    scale = np.divide(1.0 if weight is None else weight, std, dtype=columns.dtype)
    shift = mean * scale
    shift = np.negative(shift, out=shift) if bias is None else np.subtract(bias, shift, dtype=columns.dtype)
    ops(np.multiply, scale, source=True)
    ops(np.add, shift, key=2)
    return (mean.astype(np.float64), var.astype(np.float64)) if statistics else (None, None)


def standardize_small_columns(
    columns: np.ndarray, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``xhat = (x - mean) / sqrt(var + eps)`` of each column of one small block (``small_columns``), in the fewest calls.

    Each NumPy call costs about a microsecond there, whatever its size: the
    exact two-pass of ``_centre_columns`` written out, the output allocated
    by the first subtraction, then a division by the standard deviation.
    Returns ``(xhat, reference, shift, var, std)``: mean ``= reference + shift``.
    """
    average = averaging_vector(columns.shape[0], columns.dtype)
    reference = columns[0]
    xhat = np.subtract(columns, reference)  # exact near the first row (Sterbenz)
    shift = average @ xhat
    xhat -= shift
    var = average @ np.square(xhat)
    std = np.add(var, eps)
    np.sqrt(std, out=std)
    xhat /= std
    return xhat, reference, shift, var, std


def normalize_small_columns(
    columns: np.ndarray, eps: float, weight: np.ndarray | None, bias: np.ndarray | None, statistics: bool
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """``normalize_columns`` for one small block: ``standardize_small_columns``, then weight and bias in place.

    ``weight`` and ``bias`` should have x's dtype (``batch_norm`` passes them
    so), else every op mixes types.
    """
    out, reference, shift, var, _ = standardize_small_columns(columns, eps)
    if weight is not None:
        out *= weight
    if bias is not None:
        out += bias
    return (out, _mean(reference, shift), var.astype(np.float64)) if statistics else (out, None, None)


def normalize_columns(
    columns: np.ndarray,
    eps: float,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    statistics: bool = False,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Normalize each column of ``columns`` ``(N, C)``: ``(x - mean) / sqrt(var + eps) * weight + bias``.

    Batch norm of ``(N, C)``; ``weight``, ``bias``: ``(C,)`` or None, in x's
    dtype for one block (``one_block``), float64 beyond.
    One block: ``_centre_columns`` leaves ``x - mean`` in the output, scaled
    (and shifted) in place. Larger: ``(x - center) * scale + shift`` per block,
    ``shift = bias - (mean - center) * scale`` (never ``x * scale + ...``,
    which cancels at large offsets). Returns ``(out, mean, var)``, the
    float64 statistics only if ``statistics``, else None.
    """
    count, width = columns.shape
    dtype = columns.dtype
    if small_columns(columns):
        # Skips the block and tile planning: ~1 us, at sizes where the whole call takes ~10.
        return normalize_small_columns(columns, eps, weight, bias, statistics)
    out = np.empty(columns.shape, dtype)
    step = rows_per_block(width, max_rows=MAX_BLOCK_ROWS)
    if count <= step:
        ops = _ColumnOps(columns, out)
        folded = _fold_one_block(columns, ops, eps, weight, bias, statistics)
        if folded is not None:
            return out, *folded
        reference, shift, var = _centre_columns(columns, out, ops)
        stats = (_mean(reference, shift), var.astype(np.float64)) if statistics else (None, None)
        std = np.add(var, eps, out=var)  # var is no longer needed
        np.sqrt(std, out=std)
        # Dividing costs what multiplying does here, and saves a reciprocal.
        scale, ufunc = (std, np.divide) if weight is None else (np.divide(weight, std, dtype=dtype), np.multiply)
        ops(ufunc, scale)
        if bias is not None:
            ops(np.add, bias.astype(dtype, copy=False))
        return out, *stats
    mean, var, center = column_moments(columns, out)
    scale = 1.0 / np.sqrt(var + eps)
    if weight is not None:
        scale *= weight
    hi = None
    fold = center is None and bias is not None
    if fold:
        # Centred data (out not written) with a bias: the affine fold,
        # out = x * scale + (bias - mean * scale), two passes (see channels.py).
        center = np.zeros(width)
    elif center is None:
        # Without a bias, (x - hi) * scale is as cheap and needs no shift: hi is
        # the mean in x's dtype (x - hi is exact near it), mean - hi goes in the shift.
        hi = mean.astype(dtype)
        center = hi.astype(np.float64)
    shift = (center - mean) * scale
    if bias is not None:
        shift += bias
    # Without a bias, a shift below half an ulp of 1 is the rounding of the
    # mean, not a value: skip its pass (the usual case for centred data).
    add = bias is not None or np.abs(shift).max() > np.finfo(dtype).eps / 2
    scale, shift = scale.astype(dtype), shift.astype(dtype)
    ops = None
    for start in range(0, count, step):
        block = out[start : start + step]
        source = columns[start : start + step] if (fold or hi is not None) else block
        ops = _ColumnOps(source, block, ops)
        if hi is not None:
            ops(np.subtract, hi, source=True, key=1)
            ops(np.multiply, scale)
        else:
            ops(np.multiply, scale, source=fold)
        if add:
            ops(np.add, shift, key=2)
    return (out, mean, var) if statistics else (out, None, None)
