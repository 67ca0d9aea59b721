"""Per-column elementwise ops on ``(n, C)`` blocks with long inner loops: ``ColumnOps``.

NumPy runs a binary op that broadcasts a length-``C`` vector over ``(n, C)``
one row at a time, and for rows shorter than ``LONG_LOOP`` values that costs
up to 1.5x a same-shape op per element (measured, float32). ``ColumnOps``
views ``k`` rows as one row of ``k * C`` values against a ``k``-row tile of
the vector: same-shape speed without a block-sized copy of the vector.
Batch norm's ``(N, C)`` kernels use it for their per-channel vectors, layer
norm for its weight and bias.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LONG_LOOP", "MIN_GROUPS", "ColumnOps"]

#: Inner-loop length from which NumPy's elementwise loops run at full speed
#: (float32, measured): broadcasting a per-column vector over ``(N, C)`` runs
#: one loop per row, up to 1.5x slower per element for rows shorter than this
#: ((64, 512): 6.3 against 4.2 us), so ``ColumnOps`` views k rows as one.
LONG_LOOP = 8192

#: Tiles pay from this many groups of rows: a fresh tile costs a broadcast
#: copy of one group plus Python, so with fewer groups it loses. Measured
#: interleaved, float32, the whole layer, 4 against 2 groups required:
#: (256, 64) (2 groups) batch norm 2-3% and its backward 15% faster without
#: tiles; (64, 512) (4 groups) 4-8% faster with them (its backward from 7%
#: slower to 30% faster over three runs: the noise of a shared machine).
MIN_GROUPS = 4


class ColumnOps:
    """Per-column ops ``out = ufunc(a, vector)``, ``a`` being ``source`` or ``out`` (``(n, C)``).

    Groups of ``k`` rows (``k * C >= LONG_LOOP``) are viewed as one long row
    and combined with a ``k``-row tile of the vector (refilled when the vector
    changes, ~1 us); the ``n % k`` rows left broadcast as usual, and so does
    everything when a tile does not pay (narrow or wide data) or ``source`` is
    not C-contiguous. ``out`` is C-contiguous; ``like``, the previous block's
    ops, passes its tiles on.
    """

    __slots__ = ("source", "out", "views", "tiles", "shape")

    def __init__(self, source: np.ndarray, out: np.ndarray, like: ColumnOps | None = None) -> None:
        self.source, self.out, self.views = source, out, None
        self.tiles = {} if like is None else like.tiles  # key -> [tile, flat view, vector it holds]
        count, width = out.shape
        rows = -(-LONG_LOOP // width)
        if width >= LONG_LOOP or count < MIN_GROUPS * rows:
            return
        full, length = count - count % rows, rows * width
        self.shape = (rows, width)
        rest = full < count

        def split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
            return (a[:full].reshape(-1, length), a[full:]) if rest else (a.reshape(-1, length), None)

        out_views = split(out)
        source_views = out_views if source is out else split(source) if source.flags.c_contiguous else None
        self.views = (source_views, out_views)

    def __call__(self, ufunc: np.ufunc, vector: np.ndarray, *, source: bool = False, key: int = 0) -> None:
        """``out = ufunc(source if source else out, vector)``; ``key`` names the tile to use."""
        views = None if self.views is None else self.views[0 if source else 1]
        if views is None:
            ufunc(self.source if source else self.out, vector, out=self.out)
            return
        entry = self.tiles.get(key)
        if entry is None:
            tile = np.empty(self.shape, vector.dtype)
            entry = self.tiles[key] = [tile, tile.reshape(-1), None]
        if entry[2] is not vector:  # else the tile already holds it (previous block)
            entry[0][...] = vector  # a broadcast copy: 3x faster than np.repeat or np.tile
            entry[2] = vector
        (main, rest), (out_main, out_rest) = views, self.views[1]
        ufunc(main, entry[1], out=out_main)
        if rest is not None:
            ufunc(rest, vector, out=out_rest)
