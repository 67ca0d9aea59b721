"""Numerically stable means and variances: the one place where the core computes statistics.

Every normalization reduces over one of two layouts:

* **rows**: a 2-D ``(M, K)`` view; one statistic per row, over its ``K``
  contiguous values (layer, instance, group and RMS norm, and batch norm over
  the spatial positions of one sample);
* **columns**: a 2-D ``(N, C)`` array; one statistic per column, over the ``N``
  rows (batch norm of ``(N, C)`` inputs, and masked batch norm after gathering
  the valid positions).

Why not ``x.mean()`` and ``x.var()``: for float32 data sitting on a large
offset (``1e6 + N(0, 1)``), a plain float32 sum of 4096 values loses the
noise (NumPy sums along axis 0 one row after the other, so the partial sums
reach ``4e9``, where float32 steps are 256 apart), and ``E[x^2] - E[x]^2``
cancels catastrophically. Here every statistic is computed on *shifted*
values ``d = x - r`` with ``r`` close to the data: subtracting two floats
within a factor of two of each other is exact (Sterbenz), so ``d`` carries
the noise at full precision and its sums stay small.

* Rows: ``r`` is the row's first value; the mean of ``d`` is removed (a
  second pass, in cache) before squaring, so the variance is a sum of squares
  of centred values, which cannot cancel (``row_block_moments``).
* Columns: ``r`` is the two-pass mean of the first rows; one pass then
  gathers ``sum d`` and ``sum d^2`` per block (float32 within a block of at
  most 1024 rows, float64 across blocks), and a channel whose reference
  turned out more than one standard deviation from its mean (sorted or
  drifting rows) is recomputed by the blockwise two-pass method, whose
  blocks are merged with the update of Chan, Golub and LeVeque
  (``combine_moments``).

Blocks of rows keep the passes over the data in the CPU cache.

All statistics are returned as float64 arrays (they are small: one value per
row or column), so callers never lose precision when they cast back.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = [
    "BLOCK_ELEMENTS",
    "rows_per_block",
    "row_block_moments",
    "row_moments",
    "normalize_rows",
    "column_moments",
    "broadcast_tile",
    "combine_moments",
    "channel_moments",
]

#: Elements per block (1 MiB of float32). Measured for layer_norm on a
#: (4096, 4096) float32 input (1 MiB L2 per core): 2**16 elements per block
#: was about 8% slower (per-block overhead), 2**19 no faster.
BLOCK_ELEMENTS = 1 << 18

#: Column statistics accumulate float32 sums down a block; capping the block
#: height bounds the length of those running sums (error grows with it).
MAX_BLOCK_ROWS = 1024

#: Rows whose two-pass mean becomes the reference (shift) for column statistics.
#: For independent rows it lands within about sigma/4 of the true mean.
REFERENCE_ROWS = 16


def rows_per_block(row_length: int, *, max_rows: int | None = None) -> int:
    """How many rows of ``row_length`` values make one cache-sized block."""
    step = max(1, BLOCK_ELEMENTS // max(1, row_length))
    return step if max_rows is None else min(step, max_rows)


@lru_cache(maxsize=16)
def _averaging_vector(length: int, dtype: np.dtype) -> np.ndarray:
    # A dot product with 1/length is NumPy's fastest row mean: it runs BLAS
    # sdot/ddot (single-threaded at these sizes), about 2x np.add.reduce along
    # a contiguous axis. 1/length is rounded, a relative error of eps/2 on a
    # quantity of the order of sigma: harmless.
    vector = np.full(length, 1.0 / length, dtype=dtype)
    vector.setflags(write=False)
    return vector


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
    shift = np.vecdot(centered, _averaging_vector(rows.shape[1], rows.dtype))
    centered -= shift[:, None]
    var = np.vecdot(centered, centered) / rows.shape[1]
    return reference, shift, var


def _row_blocks(rows: np.ndarray):
    """Yield ``(start, stop)`` of cache-sized blocks of rows."""
    count, length = rows.shape
    step = rows_per_block(length)
    for start in range(0, count, step):
        yield start, min(start + step, count)


def row_moments(rows: np.ndarray, *, center: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Float64 mean and biased variance of each row of ``rows`` ``(M, K)``.

    With ``center=False`` the mean is zero and the "variance" is the mean
    square ``mean(x^2)`` (RMS norm's statistic: a sum of positive terms, no
    cancellation to guard against).
    """
    mean = np.zeros(rows.shape[0])
    var = np.empty(rows.shape[0])
    scratch = np.empty((min(rows.shape[0], rows_per_block(rows.shape[1])), rows.shape[1]), rows.dtype)
    for start, stop in _row_blocks(rows):
        block = rows[start:stop]
        if center:
            reference, shift, var[start:stop] = row_block_moments(block, scratch[: stop - start])
            mean[start:stop] = reference[:, 0].astype(np.float64) + shift
        else:
            var[start:stop] = np.vecdot(block, block) / block.shape[1]
    return mean, var


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
    RMS norm: ``x / sqrt(mean(x^2) + eps) * weight``. The statistics come
    from the same block kernel as ``row_moments``, and each block is
    normalized while it is still in cache. Returns ``(out, mean, var)``; the
    statistics (float64, ``(M,)``) only when ``statistics`` is true, else None.
    """
    out = np.empty(rows.shape, dtype=rows.dtype)
    mean = var = None
    if statistics:
        mean, var = np.zeros(rows.shape[0]), np.empty(rows.shape[0])
    for start, stop in _row_blocks(rows):
        block, out_block = rows[start:stop], out[start:stop]
        if center:
            reference, shift, block_var = row_block_moments(block, out_block)
            source = out_block
            if statistics:
                mean[start:stop] = reference[:, 0].astype(np.float64) + shift
        else:
            block_var = np.vecdot(block, block) / block.shape[1]
            source = block
        rstd = 1.0 / np.sqrt(block_var + eps)
        np.multiply(source, rstd[:, None], out=out_block)
        if statistics:
            var[start:stop] = block_var
        if weight is not None:
            out_block *= weight
        if bias is not None:
            out_block += bias
    return out, mean, var


def column_block_moments(columns: np.ndarray, centered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sum of squared deviations (``M2``) of each column of a ``(b, C)`` block.

    Same recipe as the rows: shift by the block's first row (exact), remove the
    shifted mean (two-pass), sum the squares. ``centered`` receives the
    centred block. Returns float64 ``mean`` and ``m2`` of shape ``(C,)``.
    """
    reference = columns[0]
    np.subtract(columns, reference, out=centered)
    shift = np.add.reduce(centered, axis=0) / columns.shape[0]
    centered -= shift
    # einsum forms the column sums of squares without a squared temporary.
    m2 = np.einsum("ij,ij->j", centered, centered)
    return reference.astype(np.float64) + shift, m2.astype(np.float64)


def broadcast_tile(vector: np.ndarray, rows: int) -> np.ndarray:
    """``vector`` repeated as ``rows`` rows, materialized.

    NumPy runs a same-shape binary op about 1.6x faster than one that
    broadcasts a row vector over a 2-D block; a block-sized tile, built once
    and reused for every block, pays for itself from the second block on.
    """
    tile = np.empty((rows, vector.shape[0]), dtype=vector.dtype)
    tile[...] = vector
    return tile


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


def _column_moments_chan(columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Robust column statistics: two-pass within each block, blocks merged by ``combine_moments``.

    Immune to any offset or ordering of the rows; about 1.5x the work of the
    single-reference pass in ``column_moments``, which falls back to it.
    """
    count, width = columns.shape
    step = rows_per_block(width, max_rows=MAX_BLOCK_ROWS)
    scratch = np.empty((min(step, count), width), dtype=columns.dtype)
    starts = range(0, count, step)
    parts = [
        column_block_moments(columns[s : s + step], scratch[: min(step, count - s)]) for s in starts
    ]
    sizes = np.array([min(step, count - s) for s in starts], dtype=np.float64)[:, None]
    mean, m2 = combine_moments(np.stack([p[0] for p in parts]), np.stack([p[1] for p in parts]), sizes)
    return mean, m2 / count


def column_moments(
    columns: np.ndarray, centered: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float64 mean and biased variance of each column of ``columns`` ``(N, C)``.

    Returns ``(mean, var, center)``. If ``centered`` (an ``(N, C)`` array of
    the same dtype) is given, it receives ``columns - center``, with
    ``center`` (float64, ``(C,)``) close to the mean; batch norm then
    finishes with ``centered * scale + (bias - (mean - center) * scale)``:
    two passes, and no cancellation since ``mean - center`` is small.

    The two-pass mean of the first ``REFERENCE_ROWS`` rows is the reference
    for every block: ``d = x - center`` is exact for values near it, and the
    variance comes from the shifted sums ``S1 = sum d``, ``S2 = sum d^2`` as
    ``S2/N - (S1/N)^2``, whose cancellation factor is
    ``1 + (mean - center)^2 / var``. When that exceeds 2 for a channel (the
    first rows were not representative: sorted or drifting data), the
    channel is recomputed by the robust blockwise two-pass method.
    """
    count, width = columns.shape
    step = rows_per_block(width, max_rows=MAX_BLOCK_ROWS)
    # A single block is cheapest as a plain two-pass; larger inputs take their
    # reference from the first rows.
    head = count if count <= step else REFERENCE_ROWS
    buffer = np.empty((min(step, count), width), columns.dtype) if centered is None else None
    mean, m2 = column_block_moments(columns[:head], (buffer if centered is None else centered)[:head])
    if count == head:
        # That two-pass covered every row, and the target holds columns - mean
        # (to rounding).
        return mean, m2 / count, mean
    center = mean.astype(columns.dtype)
    center_tile = broadcast_tile(center, min(step, count))
    sum_d = np.zeros(width)
    sum_d2 = np.zeros(width)
    for start in range(0, count, step):
        block = columns[start : start + step]
        rows = block.shape[0]
        target = buffer[:rows] if centered is None else centered[start : start + rows]
        np.subtract(block, center_tile[:rows], out=target)
        sum_d += np.add.reduce(target, axis=0)
        sum_d2 += np.einsum("ij,ij->j", target, target)
    residual = sum_d / count
    var = sum_d2 / count - residual * residual
    center64 = center.astype(np.float64)
    mean = center64 + residual
    unreliable = residual * residual > var
    if np.any(unreliable):
        mean[unreliable], var[unreliable] = _column_moments_chan(columns[:, unreliable])
    return mean, np.maximum(var, 0.0), center64


def channel_moments(x: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Batch-norm statistics: per channel (axis 1) over all other axes of ``x`` ``(N, C, *S)``.

    With a boolean ``mask`` of shape ``(N, *S)`` only the valid (True)
    positions count. Returns float64 ``mean`` and biased ``var`` of shape
    ``(C,)`` and the number of values each was computed over.
    """
    num_channels = x.shape[1]
    if mask is not None:
        # Gather the valid positions into a (count, C) matrix: one column per channel.
        valid = np.moveaxis(x, 1, -1)[mask]
        mean, var, _ = column_moments(valid)
        return mean, var, valid.shape[0]
    if x.ndim == 2:
        mean, var, _ = column_moments(x)
        return mean, var, x.shape[0]
    # Spatial inputs: statistics of each (sample, channel) row of S values, then
    # merged across samples, so the big reduction runs over contiguous memory.
    samples, spatial = x.shape[0], x[0, 0].size
    row_mean, row_var = row_moments(x.reshape(samples * num_channels, spatial))
    mean, m2 = combine_moments(
        row_mean.reshape(samples, num_channels),
        row_var.reshape(samples, num_channels) * spatial,
        np.float64(spatial),
    )
    return mean, m2 / (samples * spatial), samples * spatial
