"""Backward passes against central differences in float64."""

from __future__ import annotations

import numpy as np
import pytest

from normquiz.core import batch_norm, batch_norm_backward, layer_norm, layer_norm_backward
from tests.core.gradients import numerical_gradient


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    return float(np.linalg.norm(actual - expected) / max(np.linalg.norm(expected), 1e-300))


CASES = [
    # (layer, x shape, affine, masked)
    ("layer", (3, 5), False, False),
    ("layer", (2, 3, 4), True, False),
    ("batch", (6, 3), False, False),
    ("batch", (4, 2, 5), True, False),
    ("batch", (3, 2, 4), True, True),
    ("batch", (5, 3), False, True),
]


@pytest.mark.parametrize(("layer", "shape", "affine", "masked"), CASES)
def test_gradients_match_central_differences(layer, shape, affine, masked) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(2.0, 1.5, size=shape)
    upstream = rng.normal(size=shape)  # loss = sum(upstream * y)
    features = shape[1:] if layer == "layer" else (shape[1],)
    weight = rng.normal(1.0, 0.5, size=features) if affine else None
    # Without affine, a zero bias and no weight (PyTorch allows that pair):
    # its gradient is still defined, and returned.
    bias = rng.normal(size=features) if affine else np.zeros(features)
    mask = None
    if masked:
        mask = rng.random(shape[:1] + shape[2:]) < 0.7
        mask.flat[:2] = True

    def loss() -> float:
        if layer == "layer":
            y = layer_norm(x, features, weight, bias)
        else:
            y = batch_norm(x, weight=weight, bias=bias, training=True, mask=mask)
        return float(np.sum(upstream * y))

    if layer == "layer":
        dx, dweight, dbias = layer_norm_backward(upstream, x, features, weight)
    else:
        dx, dweight, dbias = batch_norm_backward(upstream, x, weight, mask=mask)
    assert relative_error(dx, numerical_gradient(loss, x)) < 1e-7
    assert relative_error(dbias, numerical_gradient(loss, bias)) < 1e-7
    if affine:
        assert relative_error(dweight, numerical_gradient(loss, weight)) < 1e-7
    else:
        assert dweight is None
    if masked:
        assert np.all(np.moveaxis(dx, 1, -1)[~mask] == 0)


@pytest.mark.parametrize("affine", [False, True])
def test_dx_sums_to_zero_along_the_normalized_axes(affine) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(5.0, 2.0, size=(4, 3, 6))
    dy = rng.normal(size=x.shape)
    weight = rng.normal(size=(3, 6)) if affine else None
    dx, _, _ = layer_norm_backward(dy, x, (3, 6), weight)
    np.testing.assert_allclose(dx.sum(axis=(1, 2)), 0, atol=1e-12)
    bn_weight = rng.normal(size=3) if affine else None
    dx, _, _ = batch_norm_backward(dy, x, bn_weight)
    np.testing.assert_allclose(dx.sum(axis=(0, 2)), 0, atol=1e-12)
    # ... and, with a negligible eps, is orthogonal to xhat too.
    dx, _, _ = batch_norm_backward(dy, x, bn_weight, eps=1e-14)
    xhat = batch_norm(x, training=True, eps=1e-14)
    np.testing.assert_allclose((dx * xhat).sum(axis=(0, 2)), 0, atol=1e-10)


def test_backward_keeps_float32() -> None:
    x = np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32)
    for dx, dweight, dbias in (
        layer_norm_backward(x, x, 4, np.ones(4, np.float32)),
        batch_norm_backward(x, x, np.ones(4, np.float32)),
    ):
        assert dx.dtype == dweight.dtype == dbias.dtype == np.float32
