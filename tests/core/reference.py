"""The normalization forward and backward formulas as written, in float64: what the fast kernels are checked against."""

from __future__ import annotations

import numpy as np

EPS = 1e-5


def formula(x: np.ndarray, dy: np.ndarray, axes: tuple[int, ...], weight, bias, shared: tuple[int, ...]):
    """Forward ``y`` and backward ``(dx, dweight, dbias)`` in float64.

    Statistics over ``axes``; ``weight`` and ``bias`` (or None) broadcast
    against x; the parameter gradients are summed over ``shared``.
    """
    x, dy = x.astype(np.float64), dy.astype(np.float64)
    mean = x.mean(axis=axes, keepdims=True)
    rstd = 1 / np.sqrt(x.var(axis=axes, keepdims=True) + EPS)
    xhat = (x - mean) * rstd
    w = 1.0 if weight is None else weight.astype(np.float64)
    y = xhat * w + (0.0 if bias is None else bias)
    dxhat = dy * w
    dx = rstd * (dxhat - dxhat.mean(axis=axes, keepdims=True) - xhat * (dxhat * xhat).mean(axis=axes, keepdims=True))
    return y, dx, (dy * xhat).sum(axis=shared), dy.sum(axis=shared)
