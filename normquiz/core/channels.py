"""Per-channel elementwise kernels over ``(N, C, *S)``, block by block: batch norm's output and its dx.

Batch norm, in both directions, ends with an elementwise formula whose
coefficients are one number per channel (axis 1):

* forward: ``y = (x - center) * scale + shift`` (``per_channel_affine``);
* backward: ``dx = alpha * dy + beta * (x - center) + gamma``
  (``per_channel_combination``).

Both run over cache-sized blocks of samples, so every pass over a block
reads the cache, and main memory sees one read of each input and one write
of the output. For ``(N, C)`` the coefficient vectors lie along the
contiguous axis (narrow rows are grouped into long ones, with a small tile
of each vector: ``tiles.ColumnOps``); for ``(N, C, S)`` a ``(C, 1)``
column broadcasts over each channel's run of ``S`` positions, and with many
blocks the coefficients are materialized once as a block-shaped tile:
same-shape operands run faster than broadcast ones.

**The affine fold.** When the center is within a few standard deviations
of 0 (``foldable``), ``(x - center) * scale + shift`` is computed as
``x * scale + (shift - center * scale)``: one pass fewer, and the rounding
of ``x * scale`` (``u |x| |scale|``) stays of the order of the result's own
rounding. Far from 0 (data on an offset) that product would cancel, so
``x - center`` comes first, exactly (``center`` split into a part
representable in x's dtype, whose subtraction from nearby values is exact,
and a remainder carried by ``shift``).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from normquiz.core.moments import ONE_PASS_CENTRED, rows_per_block, unbuffered_loops
from normquiz.core.tiles import ColumnOps as _ColumnOps

__all__ = ["TILE_MIN_BLOCKS", "foldable", "per_channel_affine", "per_channel_combination"]

#: Use materialized coefficient tiles once there are at least this many blocks.
TILE_MIN_BLOCKS = 4


def foldable(center: np.ndarray, var: np.ndarray) -> bool:
    """Whether every channel's ``center`` is within ``ONE_PASS_CENTRED`` standard deviations of 0."""
    return bool(np.all(np.square(center) <= ONE_PASS_CENTRED**2 * var))


class _Blocks:
    """The ``(N, C, S)`` view of a spatial input, its blocks of samples and coefficient tiles."""

    def __init__(self, x: np.ndarray) -> None:
        samples, channels = x.shape[:2]
        self.view_shape = (samples, channels, x[0, 0].size)
        self.param_shape = (channels, 1)  # broadcast over each channel's run of S positions
        self.step = rows_per_block(x[0].size)
        self.samples = samples
        self.tiled = samples >= TILE_MIN_BLOCKS * self.step

    def view(self, array: np.ndarray) -> np.ndarray:
        return array.reshape(self.view_shape)

    def coefficients(self, *vectors: np.ndarray, dtype: np.dtype) -> list[np.ndarray]:
        """Per-channel vectors in ``dtype``, shaped to broadcast against a block (or tiled to one)."""
        params = [np.asarray(v).astype(dtype).reshape(self.param_shape) for v in vectors]
        if self.tiled:
            rows = min(self.step, self.samples)
            params = [np.broadcast_to(p, (rows,) + self.view_shape[1:]).copy() for p in params]
        return params

    def ranges(self) -> Iterator[tuple[int, int, int]]:
        """``(start, stop, rows)`` of each block of samples."""
        for start in range(0, self.samples, self.step):
            stop = min(start + self.step, self.samples)
            yield start, stop, stop - start

    def cut(self, params: list[np.ndarray], rows: int) -> list[np.ndarray]:
        """The coefficients for a block of ``rows`` samples (a tile's first rows)."""
        return [p[:rows] for p in params] if self.tiled else params


def _split_center(center: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """``center = hi + lo``: ``hi`` in x's dtype (``x - hi`` is exact near it), ``lo`` the float64 rest."""
    hi = center.astype(dtype)
    return hi, center - hi


def _column_blocks(x: np.ndarray) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of the cache-sized blocks of rows of an ``(N, C)`` input."""
    step = rows_per_block(x.shape[1])
    for start in range(0, x.shape[0], step):
        yield start, min(start + step, x.shape[0])


def _affine_columns(
    x: np.ndarray, hi: np.ndarray | None, scale: np.ndarray, shift: np.ndarray | None, out: np.ndarray | None
) -> np.ndarray:
    """``per_channel_affine`` for ``(N, C)``, through ``_ColumnOps`` (long rows for narrow inputs)."""
    dtype = x.dtype
    scale = scale.astype(dtype)
    shift = None if shift is None else np.asarray(shift).astype(dtype)
    result = np.empty(x.shape, dtype) if out is None else out
    ops = None
    for start, stop in _column_blocks(x):
        ops = _ColumnOps(x[start:stop], result[start:stop], ops)
        if hi is not None:
            ops(np.subtract, hi, source=True, key=1)
        ops(np.multiply, scale, source=hi is None)
        if shift is not None:
            ops(np.add, shift, key=2)
    return result


def _combination_columns(
    dy: np.ndarray, alpha: np.ndarray, x: np.ndarray, beta: np.ndarray, gamma: np.ndarray, hi: np.ndarray | None
) -> np.ndarray:
    """``per_channel_combination`` for ``(N, C)``, through ``_ColumnOps``."""
    dtype = x.dtype
    alpha, beta, gamma = (v.astype(dtype, copy=False) for v in (alpha, beta, gamma))
    dx = np.empty(x.shape, dtype)
    scratch = np.empty((min(rows_per_block(x.shape[1]), x.shape[0]), x.shape[1]), dtype)
    term_ops = dx_ops = None
    for start, stop in _column_blocks(x):
        term = scratch[: stop - start]
        term_ops = _ColumnOps(x[start:stop], term, term_ops)
        if hi is not None:
            term_ops(np.subtract, hi, source=True, key=1)
        term_ops(np.multiply, beta, source=hi is None)
        dx_ops = _ColumnOps(dy[start:stop], dx[start:stop], dx_ops)
        dx_ops(np.multiply, alpha, source=True)
        dx[start:stop] += term
        dx_ops(np.add, gamma, key=2)
    return dx


def per_channel_affine(
    x: np.ndarray,
    scale: np.ndarray,
    shift: np.ndarray | None,
    *,
    center: np.ndarray | None = None,
    out: np.ndarray | None = None,
    fold: bool = False,
) -> np.ndarray:
    """``(x - center) * scale + shift`` with one float64 value per channel (axis 1) of ``x``.

    ``fold`` (the caller checked ``foldable``): computed as
    ``x * scale + (shift - center * scale)``, two passes. Otherwise ``x -
    center`` first, exactly (see the module docstring), so a float32 channel
    sitting at 1e6 is centred as accurately as in float64 and a constant
    channel gives exactly ``shift``. ``out`` may be ``x`` itself.
    """
    if x.size == 0:  # nothing to transform (no samples, channels or positions)
        return np.empty(x.shape, x.dtype) if out is None else out
    dtype = x.dtype
    scale = np.asarray(scale, dtype=np.float64)
    if center is not None and fold:
        shift = (0.0 if shift is None else shift) - center * scale
        center = None
    hi = None
    if center is not None:
        hi, lo = _split_center(center, dtype)
        if np.any(lo):
            shift = (0.0 if shift is None else shift) - lo * scale
    if x.ndim == 2:
        return _affine_columns(x, hi, scale, shift, out)
    return _affine_spatial(x, hi, scale, shift, out)


@unbuffered_loops  # (C, 1) columns broadcast over the spatial positions
def _affine_spatial(
    x: np.ndarray, hi: np.ndarray | None, scale: np.ndarray, shift: np.ndarray | None, out: np.ndarray | None
) -> np.ndarray:
    """``per_channel_affine`` for ``(N, C, *S)``, in blocks of samples."""
    dtype = x.dtype
    blocks = _Blocks(x)
    vectors = ([] if hi is None else [hi]) + [scale] + ([] if shift is None else [shift])
    params = blocks.coefficients(*vectors, dtype=dtype)
    view = blocks.view(x)
    result = np.empty(blocks.view_shape, dtype) if out is None else blocks.view(out)
    for start, stop, rows in blocks.ranges():
        block, out_block = view[start:stop], result[start:stop]
        block_params = blocks.cut(params, rows)
        if hi is not None:
            np.subtract(block, block_params[0], out=out_block)
            out_block *= block_params[1]
        else:
            np.multiply(block, block_params[0], out=out_block)
        if shift is not None:
            out_block += block_params[-1]
    return result.reshape(x.shape)


def per_channel_combination(
    dy: np.ndarray,
    alpha: np.ndarray,
    x: np.ndarray,
    beta: np.ndarray,
    gamma: np.ndarray,
    *,
    center: np.ndarray | None = None,
) -> np.ndarray:
    """``alpha * dy + beta * (x - center) + gamma``, one float64 coefficient per channel (axis 1).

    Batch norm's dx. ``center`` None means 0 (centred data); otherwise it
    must be representable in x's dtype (the mean rounded to it), so that
    ``x - center`` is exact near it. Four passes per block (five with a
    center); ``dy`` and ``x`` are only read.
    """
    dtype = x.dtype
    if x.size == 0:
        return np.empty(x.shape, dtype)
    hi = None if center is None else center.astype(dtype)
    if x.ndim == 2:
        return _combination_columns(dy, alpha, x, beta, gamma, hi)
    return _combination_spatial(dy, alpha, x, beta, gamma, hi)


@unbuffered_loops
def _combination_spatial(
    dy: np.ndarray, alpha: np.ndarray, x: np.ndarray, beta: np.ndarray, gamma: np.ndarray, hi: np.ndarray | None
) -> np.ndarray:
    """``per_channel_combination`` for ``(N, C, *S)``, in blocks of samples."""
    dtype = x.dtype
    blocks = _Blocks(x)
    vectors = [alpha, beta, gamma] + ([] if hi is None else [hi])
    params = blocks.coefficients(*vectors, dtype=dtype)
    dy_view, x_view = blocks.view(dy), blocks.view(x)
    dx = np.empty(blocks.view_shape, dtype)
    scratch = np.empty((min(blocks.step, blocks.samples),) + blocks.view_shape[1:], dtype)
    for start, stop, rows in blocks.ranges():
        block_alpha, block_beta, block_gamma, *block_hi = blocks.cut(params, rows)
        dx_block, term = dx[start:stop], scratch[:rows]
        if block_hi:
            np.subtract(x_view[start:stop], block_hi[0], out=term)
            term *= block_beta
        else:
            np.multiply(x_view[start:stop], block_beta, out=term)
        np.multiply(dy_view[start:stop], block_alpha, out=dx_block)
        dx_block += term
        dx_block += block_gamma
    return dx.reshape(x.shape)
