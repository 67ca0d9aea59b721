"""Numerically stable means and variances along rows: the core's one place for row statistics.

Two layouts share the approach: **rows** ``(M, K)``, one statistic per row
of ``K`` contiguous values (layer, instance, group, RMS norm, spatial batch
norm per sample), here; and **columns** ``(N, C)``, one per column (batch
norm of ``(N, C)``, masked batch norm after gathering the valid positions),
in ``normquiz.core.columns``.

Why not ``x.mean()`` and ``x.var()``: for float32 data on a large offset
(``1e6 + N(0, 1)``) a float32 sum of 4096 values loses the noise (NumPy sums
along axis 0 row after row: partial sums reach ``4e9``, where float32 steps
are 256 apart), and ``E[x^2] - E[x]^2`` cancels. Here sums run on values near
zero: either the data already is (checked), or it is shifted, ``d = x - r``
with ``r`` close to it, which is exact (Sterbenz: two floats within a factor
of two) and keeps the noise at full precision.

* Rows: first one pass over the data as it is, ``x . x / K - mean^2``,
  accepted when every row's mean is within ``ONE_PASS_CENTRED`` standard
  deviations of 0 (``row_block_statistics``: it bounds the cancellation);
  otherwise ``r`` is the row's first value and the mean of ``d`` is removed
  before squaring (two-pass, in cache), so the variance is a sum of squares
  of centred values, which cannot cancel (``row_block_moments``).
* Parts computed separately merge exactly with Chan, Golub and LeVeque's
  update (``combine_moments``).

Statistics are returned in float64 (one value per row or column), so callers
lose nothing when they cast back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from normquiz.core.tiles import ColumnOps

__all__ = [
    "BLOCK_ELEMENTS",
    "SMALL_ELEMENTS",
    "rows_per_block",
    "row_block_moments",
    "row_block_statistics",
    "row_moments",
    "normalize_rows",
    "normalize_small_rows",
    "standardize_small_rows",
    "combine_moments",
    "unbuffered_loops",
]

#: Elements per block (1 MiB of float32; 1 MiB L2 per core). Measured on
#: (4096, 4096) and, for columns, (1024, 1024): 2**16 was 8% and 20% slower
#: (per-block overhead), 2**19 no faster and 1.6x slower.
BLOCK_ELEMENTS = 1 << 18

#: A row or column whose mean is within this many standard deviations of 0
#: gets its variance in one pass from the data itself (``row_block_statistics``).
ONE_PASS_CENTRED = 2.0

#: Below this many elements (one NumPy call costs ~1 us whatever it does),
#: column kernels skip the checks and tiles that pay off on larger blocks.
SMALL_ELEMENTS = 4096


#: NumPy's ufunc buffer inside the kernels, in elements (NumPy's default: 8192).
#: A binary op that broadcasts a per-row value over rows shorter than the
#: buffer is run buffered, the rows copied into longer runs: measured on
#: (m, K) float32 blocks of 2**18 values, ``x - mean[:, None]`` took 2.5x
#: the time of ``x - scalar`` for K from 256 to 4096 with 8192, and the
#: same time with 64. The kernels copy nothing through the buffer (their
#: operands already have the right dtype), so a small one costs nothing.
KERNEL_BUFFER_SIZE = 64

#: From this many elements, resetting the buffer (~2 us) pays for itself.
UNBUFFERED_FROM = 1 << 15


def unbuffered_loops(kernel: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``kernel`` with the ufunc buffer at ``KERNEL_BUFFER_SIZE`` when its first argument is large.

    The size is restored afterwards (NumPy keeps it in a context variable,
    so other threads never see the change).
    """

    @functools.wraps(kernel)
    def run(array: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        if array.size < UNBUFFERED_FROM:
            return kernel(array, *args, **kwargs)
        previous = np.setbufsize(KERNEL_BUFFER_SIZE)
        try:
            return kernel(array, *args, **kwargs)
        finally:
            np.setbufsize(previous)

    return run


def rows_per_block(row_length: int, *, max_rows: int | None = None) -> int:
    """How many rows of ``row_length`` values make one cache-sized block."""
    step = max(1, BLOCK_ELEMENTS // max(1, row_length))
    return step if max_rows is None else min(step, max_rows)


@lru_cache(maxsize=32)
def constant_vector(length: int, dtype: np.dtype, value: float) -> np.ndarray:
    # Dot products with 1/length (or 1) are NumPy's fastest sums: BLAS
    # sdot/sgemv, about 2x np.add.reduce. 1/length is rounded, a relative
    # error of eps/2 on a quantity of the order of sigma: harmless.
    vector = np.full(length, value, dtype=dtype)
    vector.setflags(write=False)
    return vector


def averaging_vector(length: int, dtype: np.dtype) -> np.ndarray:
    return constant_vector(length, dtype, 1.0 / length)


def row_block_moments(
    rows: np.ndarray, centered: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-pass mean and biased variance of each row of a ``(m, K)`` block.

    ``centered`` (same shape and dtype as ``rows``, never ``rows`` itself)
    receives ``rows - mean``, computed as ``(rows - r) - mean(rows - r)``
    with ``r`` the first value of each row; the normalization then scales it
    in place. Returns ``(r, shift, var)`` in the rows' dtype: the mean is
    ``r + shift`` (``r`` of shape ``(m, 1)``, ``shift`` and ``var`` of shape
    ``(m,)``), kept as two terms because their float sum would round.
    """
    reference = rows[:, :1]
    # Exact for values within a factor 2 of the reference (Sterbenz), so the
    # noise riding on a large offset keeps every bit.
    np.subtract(rows, reference, out=centered)
    average = averaging_vector(rows.shape[1], rows.dtype)
    shift = np.vecdot(centered, average)
    centered -= shift[:, None]
    if centered.size <= SMALL_ELEMENTS:  # one call fewer; the temporary is small
        return reference, shift, np.square(centered) @ average
    var = np.vecdot(centered, centered)
    var /= rows.shape[1]
    return reference, shift, var


def row_block_statistics(
    rows: np.ndarray, centered: np.ndarray
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Mean and biased variance of each row of a ``(m, K)`` block, by the cheapest exact route.

    First one pass over the data as it is, ``mean = x . (1/K)`` and
    ``var = x . x / K - mean^2`` (two BLAS dot products, nothing written):
    the subtraction multiplies the rounding error of ``x . x`` by
    ``1 + mean^2 / var``, at most ``1 + ONE_PASS_CENTRED^2`` when every row's
    mean is within ``ONE_PASS_CENTRED`` standard deviations of 0, which is
    checked (and typical of activations). Then ``reference`` is None and
    ``centered`` is untouched. Otherwise (data on an offset, a constant
    row) the two-pass ``row_block_moments`` runs and leaves ``rows - mean``
    in ``centered``. Returns ``(reference, shift, var)``, mean ``= reference + shift``.
    """
    length = rows.shape[1]
    shift = np.vecdot(rows, averaging_vector(length, rows.dtype))
    square = np.multiply(shift, shift)
    var = np.vecdot(rows, rows)
    var *= 1.0 / length
    var -= square
    # (ufunc reduce: ndarray.all() adds ~1 us of Python wrapper)
    if np.logical_and.reduce(square <= ONE_PASS_CENTRED**2 * var):
        return None, shift, var
    return row_block_moments(rows, centered)


def empty_row_moments(count: int, *, center: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Statistics of ``count`` rows of no values: NaN, the mean of nothing, as ``np.mean`` gives.

    (RMS norm's mean stays 0: it is not a statistic there.) With ``count``
    0 both are empty.
    """
    return (np.full(count, np.nan) if center else np.zeros(count)), np.full(count, np.nan)


def _mean64(reference: np.ndarray | None, shift: np.ndarray) -> np.ndarray:
    """The float64 mean ``reference + shift`` of ``row_block_statistics`` (reference None: 0)."""
    return shift.astype(np.float64) if reference is None else reference[:, 0].astype(np.float64) + shift


@unbuffered_loops
def row_moments(rows: np.ndarray, *, center: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Float64 mean and biased variance of each row of ``rows`` ``(M, K)``.

    With ``center=False`` the mean is zero and the "variance" is the mean
    square ``mean(x^2)`` (RMS norm's statistic: a sum of positive terms, no
    cancellation to guard against).
    """
    count, length = rows.shape
    if rows.size == 0:
        return empty_row_moments(count, center=center)
    mean, var = np.zeros(count), np.empty(count)
    step = rows_per_block(length)
    scratch = None
    for start in range(0, count, step):
        block = rows[start : start + step]
        if not center:
            var[start : start + step] = np.vecdot(block, block) / length
            continue
        if scratch is None:  # allocated once, and only if a block needs the two-pass route
            scratch = np.empty((min(count, step), length), rows.dtype)
        reference, shift, var[start : start + step] = row_block_statistics(block, scratch[: block.shape[0]])
        mean[start : start + step] = _mean64(reference, shift)
    return mean, var


def standardize_small_rows(
    rows: np.ndarray, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``xhat = (x - mean) / sqrt(var + eps)`` of each row of one small ``(M, K)`` block, in the fewest calls.

    For at most ``SMALL_ELEMENTS`` values, where each NumPy call costs about
    a microsecond whatever its size: the exact two-pass of
    ``row_block_moments`` written out (the output allocated by the first
    subtraction, no block loop, no check), then a division by the standard
    deviation. Returns ``(xhat, reference, shift, var, std)``, the
    statistics as ``row_block_moments`` gives them and ``std`` of shape ``(M,)``.
    """
    xhat = np.subtract(rows, rows[:, :1])  # exact near the first value (Sterbenz)
    average = averaging_vector(rows.shape[1], rows.dtype)
    shift = np.vecdot(xhat, average)
    xhat -= shift[:, None]
    var = np.square(xhat) @ average
    std = np.add(var, eps)
    np.sqrt(std, out=std)
    xhat /= std[:, None]
    return xhat, rows[:, :1], shift, var, std


def normalize_small_rows(
    rows: np.ndarray, eps: float, weight: np.ndarray | None = None, bias: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``normalize_rows`` for one small block: ``standardize_small_rows``, then weight and bias in place.

    Returns ``(out, reference, shift, var)``.
    """
    out, reference, shift, var, _ = standardize_small_rows(rows, eps)
    if weight is not None:
        out *= weight
    if bias is not None:
        out += bias
    return out, reference, shift, var


@unbuffered_loops
def normalize_rows(
    rows: np.ndarray,
    eps: float,
    *,
    center: bool = True,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    statistics: bool = False,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Normalize each row of ``rows`` ``(M, K)``: ``(x - mean) / sqrt(var + eps) * weight + bias``.

    ``weight`` and ``bias`` have shape ``(K,)``. With ``center=False`` this is
    RMS norm: ``x / sqrt(mean(x^2) + eps) * weight``. Block by block (in
    cache): the statistics of ``row_block_statistics``, then
    ``out = (x - mean) * rstd``, in place ``out *= weight`` and
    ``out += bias``: at most four elementwise passes, one read of ``x`` and
    one write of ``out`` from memory. Returns ``(out, mean, var)``; the
    statistics (float64, ``(M,)``) only when ``statistics`` is true, else None.
    """
    count, length = rows.shape
    if center and 0 < rows.size <= SMALL_ELEMENTS:
        out, reference, shift, var = normalize_small_rows(rows, eps, weight, bias)
        return (out, _mean64(reference, shift), var.astype(np.float64)) if statistics else (out, None, None)
    out = np.empty(rows.shape, dtype=rows.dtype)
    if out.size == 0:  # no rows, or empty rows: nothing to normalize (as in PyTorch)
        return (out, *empty_row_moments(count, center=center)) if statistics else (out, None, None)
    mean = var = None
    if statistics:
        mean, var = np.zeros(count), np.empty(count)
    # Small inputs (one block; RMS norm here, centred ones returned above)
    # divide by the root mean square: the fewest NumPy calls, which dominate there.
    small = out.size <= SMALL_ELEMENTS
    step = count if small else rows_per_block(length)
    ops = None
    for start in range(0, count, step):
        stop = start + step
        block, out_block = (rows, out) if small else (rows[start:stop], out[start:stop])
        if not center:
            block_var = np.vecdot(block, block)
            block_var *= 1.0 / length
            reference = None
        else:
            reference, shift, block_var = row_block_statistics(block, out_block)
        if statistics:
            var[start:stop] = block_var
            if center:
                mean[start:stop] = _mean64(reference, shift)
        block_var += eps  # in place: these are per-row values, already copied out
        np.sqrt(block_var, out=block_var)
        # What to scale: x - mean, already in out (two-pass), or x itself (RMS norm).
        source = block if not center else out_block
        if small:
            np.divide(source, block_var[:, None], out=out_block)
        else:
            rstd = np.reciprocal(block_var, out=block_var)[:, None]
            if center and reference is None:  # one-pass statistics: out = (x - mean) * rstd
                np.subtract(block, shift[:, None], out=out_block)
                source = out_block
            np.multiply(source, rstd, out=out_block)
        if small:
            if weight is not None:
                out_block *= weight
            if bias is not None:
                out_block += bias
            continue
        ops = ColumnOps(out_block, out_block, ops)  # long inner loops for narrow rows
        if weight is not None:
            ops(np.multiply, weight)
        if bias is not None:
            ops(np.add, bias, key=1)
    return out, mean, var


def combine_moments(
    means: np.ndarray, m2s: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Merge per-part statistics along axis 0 (Chan, Golub & LeVeque's pairwise update).

    For parts ``p`` with ``n_p`` values, mean ``m_p`` and sum of squared
    deviations ``M2_p``: ``n = sum n_p``, ``mean = sum n_p m_p / n`` and
    ``M2 = sum M2_p + sum n_p (m_p - mean)^2`` (the law of total variance).
    All in float64; ``counts`` broadcasts against ``means``. Returns ``(mean, M2)``.
    """
    total = np.sum(np.broadcast_to(counts, means.shape), axis=0)
    mean = np.sum(counts * means, axis=0) / total
    m2 = np.sum(m2s, axis=0) + np.sum(counts * np.square(means - mean), axis=0)
    return mean, m2
