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
    "normalize_columns",
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

#: Inner-loop length from which NumPy's elementwise loops run at full speed.
#: An op that broadcasts a per-column vector over ``(N, C)`` runs one inner
#: loop per row; measured (float32), rows shorter than this cost up to 1.5x
#: per element ((64, 512): 6.3 us, against 4.2 us for the same op on rows of
#: 8192), so per-column ops view ``k`` rows as one long row (``_ColumnOps``).
LONG_LOOP = 8192

#: Up to this many elements, column means are one matrix-vector product with
#: a ``1/N`` vector (BLAS gemv) instead of a reduction and a scaling: at these
#: sizes every NumPy call costs ~1 us, whatever it does. OpenBLAS runs gemv on
#: one thread below 2304 * 4 elements; above, its threads make it erratic on a
#: busy machine (7 ms instead of 40 us for 4 MiB), so larger inputs reduce.
SMALL_ELEMENTS = 4096


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


@lru_cache(maxsize=16)
def _ones(length: int, dtype: np.dtype) -> np.ndarray:
    vector = np.ones(length, dtype=dtype)
    vector.setflags(write=False)
    return vector


class _ColumnOps:
    """Per-column ops ``out = ufunc(a, vector)``, ``a`` being ``source`` or ``out`` (both ``(n, C)``).

    An op that broadcasts a ``(C,)`` vector over the rows of a C-contiguous
    ``(n, C)`` array runs one inner loop per row. Here groups of ``k`` rows
    (``k * C >= LONG_LOOP``) are viewed as single rows and combined with a
    ``k``-row tile of the vector (filled per vector: ~1 us); the ``n % k``
    rows left over broadcast as usual. The views are made once per block.
    Without a tile (narrow data that does not pay for one, wide rows), or for
    a non-contiguous ``source``, the op is a plain broadcast. ``out`` is
    C-contiguous (the caller allocates it).
    """

    __slots__ = ("source", "out", "tile", "flat", "views")

    def __init__(self, source: np.ndarray, out: np.ndarray, tile: np.ndarray | None = None) -> None:
        self.source, self.out, self.tile = source, out, None
        count, width = out.shape
        rows = -(-LONG_LOOP // width)
        # Filling the tile costs about an op on it, so it must cover at least two.
        if width >= LONG_LOOP or count < 2 * rows:
            return
        full, length = count - count % rows, rows * width
        self.tile = np.empty((rows, width), out.dtype) if tile is None else tile
        self.flat = self.tile.reshape(length)

        def split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
            return a[:full].reshape(-1, length), (a[full:] if full < count else None)

        self.views = (split(source) if source.flags.c_contiguous else None, split(out))

    def __call__(self, ufunc: np.ufunc, vector: np.ndarray, *, source: bool = False, filled: bool = False) -> None:
        """``out = ufunc(source if source else out, vector)``.

        ``filled``: the tile (shared between blocks) already holds ``vector``.
        """
        a = self.source if source else self.out
        views = None if self.tile is None else self.views[0 if source else 1]
        if views is None:
            ufunc(a, vector, out=self.out)
            return
        if not filled:
            self.tile[...] = vector  # a broadcast copy: 3x faster than np.repeat or np.tile
        (main, rest), (out_main, out_rest) = views, self.views[1]
        ufunc(main, self.flat, out=out_main)
        if rest is not None:
            ufunc(rest, vector, out=out_rest)


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
    var = np.vecdot(centered, centered)
    var /= rows.shape[1]
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
    count, length = rows.shape
    out = np.empty(rows.shape, dtype=rows.dtype)
    mean = var = None
    if statistics:
        mean, var = np.zeros(count), np.empty(count)
    # Small inputs (one block) divide by the standard deviation: one NumPy
    # call fewer than a reciprocal and a product, where calls dominate.
    small = out.size <= SMALL_ELEMENTS
    step = count if small else rows_per_block(length)
    for start in range(0, count, step):
        stop = start + step
        block, out_block = (rows, out) if small else (rows[start:stop], out[start:stop])
        if center:
            reference, shift, block_var = row_block_moments(block, out_block)
            source = out_block
            if statistics:
                mean[start:stop] = reference[:, 0].astype(np.float64) + shift
        else:
            block_var = np.vecdot(block, block)
            block_var /= length
            source = block
        if statistics:
            var[start:stop] = block_var
        block_var += eps  # in place: these are per-row values, already copied out
        np.sqrt(block_var, out=block_var)
        if small:
            np.divide(source, block_var[:, None], out=out_block)
        else:
            np.multiply(source, np.reciprocal(block_var, out=block_var)[:, None], out=out_block)
        if weight is not None:
            out_block *= weight
        if bias is not None:
            out_block += bias
    return out, mean, var


def _centre_columns(
    columns: np.ndarray, centered: np.ndarray, ops: _ColumnOps | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-pass mean and biased variance of each column of a ``(b, C)`` block, in its dtype.

    The rows' recipe, down the columns: ``centered`` (C-contiguous, same shape
    and dtype, never ``columns`` itself) receives ``columns - mean``, computed
    as ``d - mean(d)`` with ``d = columns - r`` and ``r`` the first row (exact
    for values near it), and ``var = mean((d - mean(d))^2)``. Returns
    ``(r, shift, var)``: the mean is ``r + shift``, kept as two terms because
    their float sum would round. ``ops``: a ``_ColumnOps(columns, centered)``
    to reuse; None for plain broadcasts.

    Column means are products with a ``1/b`` vector (BLAS gemv, on data
    already shifted near 0): about 2x ``np.add.reduce(axis=0)`` (measured
    (64, 512): 2.3 against 4.5 us), and one call instead of a sum and a scaling.
    """
    average = _averaging_vector(columns.shape[0], columns.dtype)
    reference = columns[0]
    if ops is None:
        np.subtract(columns, reference, out=centered)
        shift = average @ centered
        np.subtract(centered, shift, out=centered)
    else:
        ops(np.subtract, reference, source=True)
        shift = average @ centered
        ops(np.subtract, shift)
    return reference, shift, average @ np.square(centered)


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
    means, m2s, sizes = [], [], []
    for start in range(0, count, step):
        block = columns[start : start + step]
        target = scratch[: block.shape[0]]
        reference, shift, var = _centre_columns(block, target, _ColumnOps(block, target))
        means.append(reference.astype(np.float64) + shift)
        m2s.append(var.astype(np.float64) * block.shape[0])
        sizes.append(block.shape[0])
    sizes = np.array(sizes, dtype=np.float64)[:, None]
    mean, m2 = combine_moments(np.stack(means), np.stack(m2s), sizes)
    return mean, m2 / count


def column_moments(
    columns: np.ndarray, centered: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float64 mean and biased variance of each column of ``columns`` ``(N, C)``.

    Returns ``(mean, var, center)``. If ``centered`` (a C-contiguous ``(N, C)``
    array of the same dtype) is given, it receives ``columns - center``, with
    ``center`` (float64, ``(C,)``) close to the mean; batch norm then
    finishes with ``centered * scale + (bias - (mean - center) * scale)``:
    two passes, and no cancellation since ``mean - center`` is small.

    Up to one block of rows this is the exact two-pass of ``_centre_columns``
    (``center`` is then the mean). Beyond, the two-pass mean of the first
    ``REFERENCE_ROWS`` rows is the reference for every block:
    ``d = x - center`` is exact for values near it, and the variance comes
    from the shifted sums ``S1 = sum d``, ``S2 = sum d^2`` as
    ``S2/N - (S1/N)^2``, whose cancellation factor is
    ``1 + (mean - center)^2 / var``. When that exceeds 2 for a channel (the
    first rows were not representative: sorted or drifting data), the
    channel is recomputed by the robust blockwise two-pass method.
    """
    count, width = columns.shape
    dtype = columns.dtype
    step = rows_per_block(width, max_rows=MAX_BLOCK_ROWS)
    scratch = np.empty((min(step, count), width), dtype) if centered is None else None
    target = scratch if centered is None else centered
    if count <= step:
        reference, shift, var = _centre_columns(columns, target, _ColumnOps(columns, target))
        mean = reference.astype(np.float64) + shift
        return mean, var.astype(np.float64), mean
    reference, shift, _ = _centre_columns(columns[:REFERENCE_ROWS], target[:REFERENCE_ROWS])
    center = (reference.astype(np.float64) + shift).astype(dtype)
    ones = _ones(step, dtype)
    sum_d = np.zeros(width)
    sum_d2 = np.zeros(width)
    for start in range(0, count, step):
        block = columns[start : start + step]
        rows = block.shape[0]
        target = scratch[:rows] if centered is None else centered[start : start + rows]
        ops = _ColumnOps(block, target, None if start == 0 else ops.tile)
        ops(np.subtract, center, source=True, filled=start > 0)
        # float32 sums within a block, float64 across. S1 by gemv (as in
        # _centre_columns); S2 by einsum, which needs no squared temporary.
        sum_d += ones[:rows] @ target
        sum_d2 += np.einsum("ij,ij->j", target, target)
    residual = sum_d / count
    var = sum_d2 / count - residual * residual
    center64 = center.astype(np.float64)
    mean = center64 + residual
    unreliable = residual * residual > var
    if np.any(unreliable):
        mean[unreliable], var[unreliable] = _column_moments_chan(columns[:, unreliable])
    return mean, np.maximum(var, 0.0), center64


def normalize_columns(
    columns: np.ndarray,
    eps: float,
    *,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    statistics: bool = False,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Normalize each column of ``columns`` ``(N, C)``: ``(x - mean) / sqrt(var + eps) * weight + bias``.

    Batch norm of an ``(N, C)`` input; ``weight`` and ``bias`` are float64
    ``(C,)`` or None. Up to one block of rows, the exact two-pass of
    ``_centre_columns`` leaves ``x - mean`` in the output buffer, which is then
    scaled in place (and shifted, with a bias). Larger inputs go through
    ``column_moments``, which leaves ``x - center`` there, and each block
    becomes ``(x - center) * scale + shift`` with
    ``shift = bias - (mean - center) * scale``: never ``x * scale + ...``,
    which would cancel at large offsets. Returns ``(out, mean, var)``; the
    float64 statistics only when ``statistics`` is true, else None.
    """
    count, width = columns.shape
    dtype = columns.dtype
    out = np.empty(columns.shape, dtype)
    # Small inputs skip the block and tile planning: ~1 us, at sizes where
    # the whole call takes ~10.
    small = out.size <= SMALL_ELEMENTS and count <= MAX_BLOCK_ROWS
    step = count if small else rows_per_block(width, max_rows=MAX_BLOCK_ROWS)
    if count <= step:
        ops = None if small else _ColumnOps(columns, out)
        reference, shift, var = _centre_columns(columns, out, ops)
        std = var + eps
        np.sqrt(std, out=std)
        # Dividing costs what multiplying does here, and saves a reciprocal.
        scale, ufunc = (std, np.divide) if weight is None else ((weight / std).astype(dtype), np.multiply)
        if ops is None:
            ufunc(out, scale, out=out)
            if bias is not None:
                out += bias.astype(dtype)
        else:
            ops(ufunc, scale)
            if bias is not None:
                ops(np.add, bias.astype(dtype))
        if not statistics:
            return out, None, None
        return out, reference.astype(np.float64) + shift, var.astype(np.float64)
    mean, var, center = column_moments(columns, out)
    scale = 1.0 / np.sqrt(var + eps)
    if weight is not None:
        scale *= weight
    shift = (center - mean) * scale
    if bias is not None:
        shift += bias
    scale, shift = scale.astype(dtype), shift.astype(dtype)
    for start in range(0, count, step):
        block = out[start : start + step]
        ops = _ColumnOps(block, block, None if start == 0 else ops.tile)
        shift_ops = _ColumnOps(block, block, None if start == 0 else shift_ops.tile)
        ops(np.multiply, scale, filled=start > 0)
        shift_ops(np.add, shift, filled=start > 0)
    return (out, mean, var) if statistics else (out, None, None)


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
