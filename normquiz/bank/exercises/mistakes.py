"""The known wrong answers, computed: what a learner's output equals when they made a given mistake.

Each helper is a deliberately wrong formula (wrong axes, unbiased variance,
eps outside the square root, no re-centring...), used only to recognize a
mistake by comparison. The right answers always come from ``normquiz.core``,
and so do the mistakes that are another normalization (layer norm written for
batch norm...): those are computed with the core in the ``*_cases`` modules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Axes = int | tuple[int, ...]


@dataclass(frozen=True)
class Mistake:
    """Output number ``output`` equals ``values`` when the learner made the mistake ``sentence`` names."""

    output: int
    values: np.ndarray
    sentence: str


def standardize(x: np.ndarray, axes: Axes, eps: float, *, ddof: int = 0, eps_outside: bool = False,
                center: bool = True) -> np.ndarray:
    """``(x - mean) / sqrt(var + eps)`` over ``axes``, with the variations learners write."""
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=axes, keepdims=True) if center else 0.0
    if center:
        var = x.var(axis=axes, keepdims=True, ddof=ddof)
    else:
        var = np.mean(x * x, axis=axes, keepdims=True)
    scale = np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps)
    return (x - mean) / scale


def without_keepdims(x: np.ndarray, eps: float) -> np.ndarray:
    """Last-axis statistics of a square ``(D, D)`` x subtracted without keepdims: they broadcast along rows."""
    x = np.asarray(x, dtype=np.float64)
    return (x - x.mean(axis=-1)) / np.sqrt(x.var(axis=-1) + eps)


def per_channel(vector: np.ndarray, ndim: int) -> np.ndarray:
    """A ``(C,)`` vector shaped to broadcast along axis 1 of an ``ndim``-D array."""
    return np.asarray(vector).reshape((1, -1) + (1,) * (ndim - 2))


def affine_variants(xhat: np.ndarray, gamma: np.ndarray, beta: np.ndarray, shape_like: np.ndarray
                    ) -> list[tuple[np.ndarray, str]]:
    """The affine-step mistakes on a correct ``xhat``: missing, swapped, broadcast along the wrong axis.

    ``gamma`` and ``beta`` are already shaped to broadcast correctly;
    ``shape_like`` is x, used to build the last-axis broadcast when it fits.
    """
    variants = [
        (xhat, "gamma and beta are missing: the output is only normalized; scale by gamma and shift by beta"),
        (xhat * gamma, "beta is missing: add beta after scaling by gamma"),
        (xhat + beta, "gamma is missing: scale by gamma before adding beta"),
        (xhat * beta + gamma, "gamma and beta are swapped: the output is gamma * xhat + beta"),
    ]
    flat_gamma, flat_beta = gamma.ravel(), beta.ravel()
    if shape_like.ndim == 2 and shape_like.shape[0] == flat_gamma.size:
        variants.append((xhat * flat_gamma[:, None] + flat_beta[:, None],
                         "gamma and beta were applied per example (along axis 0): they hold one value per "
                         "feature, along the last axis"))
    if shape_like.ndim > 2 and shape_like.shape[-1] == flat_gamma.size:
        variants.append((xhat * flat_gamma + flat_beta,
                         "gamma and beta were applied along the last axis: they are per channel (axis 1), "
                         "so reshape them to (1, C, 1, 1)"))
    return variants


def common_dx_mistakes(dxhat: np.ndarray, xhat: np.ndarray, rstd: np.ndarray, axes: Axes,
                       dout: np.ndarray) -> list[tuple[np.ndarray, str]]:
    """Backward mistakes on ``dx`` of a centred normalization: paths through mean and variance forgotten."""
    mean_dxhat = dxhat.mean(axis=axes, keepdims=True)
    mean_dxhat_xhat = (dxhat * xhat).mean(axis=axes, keepdims=True)
    dout_mean = dout.mean(axis=axes, keepdims=True)
    dout_xhat = (dout * xhat).mean(axis=axes, keepdims=True)
    return [
        (dxhat * rstd, "dx treats the mean and the variance as constants: both depend on x, which "
                       "adds the terms - mean(dxhat) - xhat * mean(dxhat * xhat)"),
        (rstd * (dxhat - mean_dxhat), "dx misses the path through the variance: subtract "
                                      "xhat * mean(dxhat * xhat) as well"),
        (rstd * (dxhat - xhat * mean_dxhat_xhat), "dx misses the path through the mean: subtract "
                                                   "mean(dxhat) as well"),
        (rstd * (dout - dout_mean - xhat * dout_xhat), "dx forgot gamma: the gradient reaching xhat is "
                                                       "dout * gamma"),
    ]
