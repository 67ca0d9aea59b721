"""float32 statistics of data on a large offset must match float64 (DESIGN.md, "The computation core")."""

from __future__ import annotations

import numpy as np
import pytest

from normquiz.core import batch_norm, group_norm, instance_norm, layer_norm, normalization_statistics

OFFSETS = [1e3, 1e4, 1e5, 1e6]


def noisy(offset: float, count: int = 4096, seed: int = 0) -> np.ndarray:
    return (offset + np.random.default_rng(seed).standard_normal(count)).astype(np.float32)


def columns(offset: float, channels: int) -> np.ndarray:
    """(4096, C): each column its own offset + N(0, 1) series."""
    return np.stack([noisy(offset, seed=c) for c in range(channels)], axis=1)


LAYOUTS = {
    # name: (make float32 input, normalize, axes of one statistic)
    "layer_norm (4, 4096)": (lambda o: np.stack([noisy(o, seed=s) for s in range(4)]), lambda a: layer_norm(a, 4096), -1),
    "layer_norm (1, 4096)": (lambda o: noisy(o)[None], lambda a: layer_norm(a, 4096), -1),
    "batch_norm (4096, 3)": (lambda o: columns(o, 3), lambda a: batch_norm(a, training=True), 0),
    "batch_norm (4096, 1)": (lambda o: columns(o, 1), lambda a: batch_norm(a, training=True), 0),
    "batch_norm (4096, 130)": (lambda o: columns(o, 130), lambda a: batch_norm(a, training=True), 0),
    # Small enough to be one block: the path that first tries the sums unshifted.
    "batch_norm (64, 512)": (lambda o: columns(o, 512)[:64].copy(), lambda a: batch_norm(a, training=True), 0),
    "batch_norm (8, 16)": (lambda o: columns(o, 16)[:8].copy(), lambda a: batch_norm(a, training=True), 0),
    "batch_norm (2, 3, 2048)": (
        lambda o: columns(o, 3).T.reshape(3, 2, 2048).transpose(1, 0, 2).copy(),
        lambda a: batch_norm(a, training=True),
        (0, 2),
    ),
    "batch_norm (4096, 2) sorted": (
        lambda o: np.sort(columns(o, 2), axis=0),  # first rows are not representative
        lambda a: batch_norm(a, training=True),
        0,
    ),
    "masked batch_norm (4096, 2)": (
        lambda o: columns(o, 2),
        lambda a: batch_norm(a, training=True, mask=np.arange(4096) % 5 != 0)[np.arange(4096) % 5 != 0],
        0,
    ),
    "instance_norm (1, 2, 4096)": (lambda o: columns(o, 2).T[None].copy(), instance_norm, -1),
    "group_norm (2, 4, 2048)": (lambda o: columns(o, 4).reshape(2, 4, 2048), lambda a: group_norm(a, 2), None),
}


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_float32_output_std_matches_float64(layout, offset) -> None:
    make, normalize, axes = LAYOUTS[layout]
    x32 = make(offset)
    y32 = normalize(x32)
    y64 = normalize(x32.astype(np.float64))  # the same values, in float64
    assert y32.dtype == np.float32
    std32 = y32.astype(np.float64).std(axis=axes) if axes is not None else y32.astype(np.float64).std()
    std64 = y64.std(axis=axes) if axes is not None else y64.std()
    assert np.max(np.abs(std32 - std64)) < 1e-3
    assert np.max(np.abs(y32 - y64)) < 1e-2  # and elementwise close, not just in spread


@pytest.mark.parametrize("offset", OFFSETS)
def test_statistics_helper_variance_is_float64_accurate(offset) -> None:
    x32 = columns(offset, 3)
    stats = normalization_statistics(x32, "batch")
    exact = x32.astype(np.float64).var(axis=0)
    np.testing.assert_allclose(stats.var.ravel(), exact, rtol=1e-3)
    np.testing.assert_allclose(stats.mean.ravel(), x32.astype(np.float64).mean(axis=0), rtol=1e-9)


def test_textbook_formula_would_fail_here() -> None:
    # Guard that the test data is hard: E[x^2] - E[x]^2 in float32 is far off.
    x = noisy(1e4)
    textbook = np.mean(x * x) - np.mean(x) ** 2
    assert not np.isclose(textbook, x.astype(np.float64).var(), rtol=0.1)
