"""The fast kernels on inputs big enough for their blocked paths, against the formulas in float64.

The small inputs of the other tests take the one-block routes; these shapes
exercise the blocks, the coefficient tiles, the one-pass statistics of
centred data and the affine fold, and the exact two-pass route of data on an
offset (alone, or mixed with centred features in one input).
"""

from __future__ import annotations

import numpy as np
import pytest

from normquiz.core import batch_norm, batch_norm_backward, layer_norm, layer_norm_backward
from tests.core.reference import formula as _reference


def _data(shape: tuple[int, ...], kind: str, feature_axis: int, seed: int = 0) -> np.ndarray:
    """float32 data: centred (mean 0.3, std 1.5), on an offset of 1e4, or features of both kinds."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.3, 1.5, size=shape)
    if kind == "offset":
        x += 1e4
    elif kind == "mixed":
        offsets = np.where(np.arange(shape[feature_axis]) % 3 == 0, 1e4, 0.0)
        x += offsets.reshape([-1 if a == feature_axis else 1 for a in range(len(shape))])
    return x.astype(np.float32)


def _relative(actual: np.ndarray, expected: np.ndarray) -> float:
    return float(np.linalg.norm(actual.astype(np.float64) - expected) / np.linalg.norm(expected))


LAYER_SHAPES = [(300, 1024), (3, 5000), (40, 7, 96)]
BATCH_SHAPES = [(3000, 8), (200, 300), (64, 4096), (64, 4, 64, 64), (3, 6, 40, 50)]
KINDS = ["centred", "offset", "mixed"]


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", LAYER_SHAPES)
def test_layer_norm_blocks_match_float64(shape, kind, affine) -> None:
    x = _data(shape, kind, feature_axis=0)  # LN features are rows: offset some rows
    dy = np.random.default_rng(1).normal(size=shape).astype(np.float32)
    rng = np.random.default_rng(2)
    weight = rng.normal(1, 0.5, size=shape[-1]).astype(np.float32) if affine else None
    bias = rng.normal(size=shape[-1]).astype(np.float32) if affine else None
    leading = tuple(range(len(shape) - 1))
    y_ref, dx_ref, dweight_ref, dbias_ref = _reference(x, dy, (len(shape) - 1,), weight, bias, leading)
    y = layer_norm(x, shape[-1], weight, bias)
    assert y.dtype == np.float32 and _relative(y, y_ref) < 1e-5
    dx, dweight, dbias = layer_norm_backward(dy, x, shape[-1], weight)
    assert dx.dtype == np.float32 and _relative(dx, dx_ref) < 1e-4
    assert _relative(dbias, dbias_ref) < 1e-5
    if affine:
        assert _relative(dweight, dweight_ref) < 1e-4


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", BATCH_SHAPES)
def test_batch_norm_blocks_match_float64(shape, kind, affine) -> None:
    x = _data(shape, kind, feature_axis=1)
    dy = np.random.default_rng(1).normal(size=shape).astype(np.float32)
    channels = shape[1]
    rng = np.random.default_rng(2)
    weight = rng.normal(1, 0.5, size=channels).astype(np.float32) if affine else None
    bias = rng.normal(size=channels).astype(np.float32) if affine else None
    per_channel = (1, channels) + (1,) * (len(shape) - 2)
    axes = (0,) + tuple(range(2, len(shape)))
    y_ref, dx_ref, dweight_ref, dbias_ref = _reference(
        x, dy, axes, None if weight is None else weight.reshape(per_channel), None if bias is None else bias.reshape(per_channel), axes
    )
    # float64 buffers: a float32 one could not hold a mean of 1e4 to better than 1e-3.
    running_mean, running_var = np.zeros(channels), np.ones(channels)
    y = batch_norm(x, running_mean, running_var, weight, bias, training=True, momentum=1.0)
    assert y.dtype == np.float32 and _relative(y, y_ref) < 1e-5
    x64 = x.astype(np.float64)
    # (float32 sums of centred data: the mean is good to a tiny fraction of the std)
    np.testing.assert_allclose(running_mean, x64.mean(axis=axes), rtol=1e-7, atol=1e-5)
    np.testing.assert_allclose(running_var, x64.var(axis=axes, ddof=1), rtol=1e-4)
    # Eval with the biased variance: the training normalization again.
    y_eval = batch_norm(x, x64.mean(axis=axes), x64.var(axis=axes), weight, bias)
    assert _relative(y_eval, y_ref) < 1e-5
    dx, dweight, dbias = batch_norm_backward(dy, x, weight)
    assert dx.dtype == np.float32 and _relative(dx, dx_ref) < 1e-4
    assert _relative(dbias, dbias_ref) < 1e-5
    if affine:
        assert _relative(dweight, dweight_ref) < 1e-4


def test_a_constant_feature_gives_exactly_the_bias() -> None:
    # The one-pass statistics must not turn a constant into rounding noise.
    x = np.random.default_rng(0).normal(size=(512, 600)).astype(np.float32)
    x[:, 5] = 3.25
    bias = np.arange(600, dtype=np.float32)
    y = batch_norm(x, weight=np.full(600, 2.0, np.float32), bias=bias, training=True)
    np.testing.assert_array_equal(y[:, 5], bias[5])
    x[7] = -1.5
    y = layer_norm(x, 600, bias=bias)
    np.testing.assert_array_equal(y[7], bias)
