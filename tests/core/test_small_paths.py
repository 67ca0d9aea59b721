"""The small-input kernels (one block, fewest NumPy calls) against the general blocked kernels and float64.

Inputs of at most ``SMALL_ELEMENTS`` values take ``normalize_small_rows`` /
``normalize_small_columns`` and ``small_rows_backward`` /
``small_columns_backward``. Setting the threshold to 0 sends the same
inputs through the general kernels (one-pass or shifted statistics, tiles,
reciprocals), so the two routes can be compared on every edge case: one
row or sample pair, one feature, all-equal values, a 1e6 offset, features on
different offsets, non-contiguous views, each dtype.

The routes round differently (division against multiplication by a
reciprocal, two-pass against one-pass sums), so they agree to a few units
in the last place of the dtype, not to the bit; both are checked against
the float64 formula.
"""

from __future__ import annotations

import numpy as np
import pytest

from normquiz.core import backward_kernels, batch_norm, batch_norm_backward, columns, functional, layer_norm
from normquiz.core import layer_norm_backward, moments
from tests.core.reference import formula

#: Error allowed against the float64 formula and between the two routes, as
#: a fraction of the result's norm (or of 1, for results near 0): a few
#: roundings of the dtype, amplified by at most ~10 in dx's cancellation.
#: For float64 the formula itself is the limit: its mean of values near 1e6
#: errs by about 1e6 * 2**-52, 2e-10 of a unit standard deviation.
TOLERANCE = {np.float16: 2e-3, np.float32: 2e-6, np.float64: 1e-9}


def _inputs(dtype) -> dict[str, np.ndarray]:
    """Small (M, K) inputs; LN normalizes each row, BN each column."""
    rng = np.random.default_rng(0)
    offset = 1e3 if dtype == np.float16 else 1e6  # float16 ends at 65504
    wide = rng.normal(0.3, 1.5, size=(8, 32))
    mixed = rng.normal(size=(8, 16)) + np.where(np.arange(16) % 3 == 0, offset, 0.0)  # some features on an offset
    cases = {
        "centred": rng.normal(0.3, 1.5, size=(8, 16)),
        "offset 1e6": offset + rng.normal(size=(8, 16)),
        "offset 1e6, features": mixed,
        "features on an offset, rows": np.ascontiguousarray(mixed.T),
        "one pair of rows": rng.normal(size=(2, 16)),
        "one feature": rng.normal(size=(8, 1)) + 2.0,
        "all equal": np.full((8, 16), 3.25),
        "every other column": wide[:, ::2],
        "transposed": wide.T,
        "one block of 4096": rng.normal(size=(64, 64)),
    }
    return {name: x.astype(dtype) for name, x in cases.items()}


def _general(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route every input through the general kernels: no input counts as small."""
    for module in (moments, columns, functional, backward_kernels):
        monkeypatch.setattr(module, "SMALL_ELEMENTS", 0)


def _parameters(features: int, dtype, affine: bool):
    if not affine:
        return None, None
    rng = np.random.default_rng(3)
    return rng.normal(1, 0.5, features).astype(dtype), rng.normal(size=features).astype(dtype)


def _layer(kind: str, x: np.ndarray, dy: np.ndarray, weight, bias):
    """(y, dx, dweight, dbias) of layer norm over axis 1 (``LN``) or batch norm of (N, C) (``BN``)."""
    if kind == "LN":
        y = layer_norm(x, x.shape[1], weight, bias)
        return (y, *layer_norm_backward(dy, x, x.shape[1], weight))
    y = batch_norm(x, weight=weight, bias=bias, training=True)
    return (y, *batch_norm_backward(dy, x, weight))


def _error(actual: np.ndarray, expected: np.ndarray) -> float:
    expected = expected.astype(np.float64)
    return float(np.linalg.norm(actual.astype(np.float64) - expected) / max(np.linalg.norm(expected), 1.0))


CASE_NAMES = list(_inputs(np.float32))


@pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("case", CASE_NAMES)
@pytest.mark.parametrize("kind", ["LN", "BN"])
def test_small_route_matches_the_general_route_and_float64(kind, case, dtype, affine, monkeypatch) -> None:
    x = _inputs(dtype)[case]
    dy = np.random.default_rng(1).normal(size=x.shape).astype(dtype)
    features = x.shape[1]
    weight, bias = _parameters(features, dtype, affine)
    axis = 1 if kind == "LN" else 0
    expected = formula(x, dy, (axis,), weight, bias, (0,))  # parameters are per column for both
    small = _layer(kind, x, dy, weight, bias)
    _general(monkeypatch)
    general = _layer(kind, x, dy, weight, bias)
    tolerance = TOLERANCE[dtype]
    for name, fast, slow, exact in zip(("y", "dx", "dweight", "dbias"), small, general, expected):
        if name == "dweight" and not affine:
            assert fast is None and slow is None
            continue
        assert fast.dtype == dtype and fast.shape == exact.shape, name
        assert _error(fast, exact) <= tolerance, f"{name}: small route against float64"
        assert _error(slow, exact) <= tolerance, f"{name}: general route against float64"
        assert _error(fast, slow) <= tolerance, f"{name}: small route against general route"


@pytest.mark.parametrize("kind", ["LN", "BN"])
def test_all_equal_values_give_exactly_the_bias_and_no_gradient_through_the_statistics(kind) -> None:
    x = np.full((8, 16), 1e6 + 0.5, np.float32)
    dy = np.random.default_rng(1).normal(size=x.shape).astype(np.float32)
    weight, bias = _parameters(16, np.float32, True)
    y, dx, dweight, _ = _layer(kind, x, dy, weight, bias)
    np.testing.assert_array_equal(y, np.broadcast_to(bias, x.shape))
    np.testing.assert_array_equal(dweight, 0)  # xhat is exactly 0
    # dx = (dxhat - mean(dxhat)) / sqrt(eps): the mean over the normalized axis removed.
    dxhat = dy.astype(np.float64) * weight
    axis = 1 if kind == "LN" else 0
    expected = (dxhat - dxhat.mean(axis=axis, keepdims=True)) / np.sqrt(1e-5)
    np.testing.assert_allclose(dx, expected, rtol=1e-5, atol=1e-3)


def test_small_inputs_take_the_small_kernels_and_the_threshold_sends_them_elsewhere(monkeypatch) -> None:
    # Guards the comparison above: it must compare two different routes.
    calls: list[str] = []

    def spy(module, name):
        original = getattr(module, name)

        def wrapped(*args, **kwargs):
            calls.append(name)
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapped)

    spy(moments, "standardize_small_rows")
    spy(columns, "standardize_small_columns")
    spy(backward_kernels, "standardize_small_rows")
    spy(backward_kernels, "standardize_small_columns")
    x = np.random.default_rng(0).normal(size=(8, 16)).astype(np.float32)
    weight, bias = _parameters(16, np.float32, True)
    _layer("LN", x, x, weight, bias)
    _layer("BN", x, x, weight, bias)
    assert calls == ["standardize_small_rows"] * 2 + ["standardize_small_columns"] * 2
    calls.clear()
    _general(monkeypatch)
    _layer("LN", x, x, weight, bias)
    _layer("BN", x, x, weight, bias)
    assert calls == []
