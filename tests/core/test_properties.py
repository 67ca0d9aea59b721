"""Invariants that hold for any input, checked with hypothesis over random shapes and values."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from normquiz.core import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    normalization_statistics,
    rms_norm,
)

SETTINGS = settings(max_examples=30, deadline=None)
EPS = 1e-5
values = st.floats(-100, 100, allow_nan=False, allow_infinity=False)


def shaped(min_dims: int, max_dims: int, min_side: int = 1, max_side: int = 6):
    shapes = st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(tuple)
    return shapes.flatmap(lambda shape: arrays(np.float64, shape, elements=values))


def spread(x: np.ndarray, axes) -> None:
    """Skip near-constant groups, where eps (not the data) dominates the variance."""
    assume(np.all(np.var(x, axis=axes) > 1e-2))


@SETTINGS
@given(x=shaped(2, 4, min_side=2))
def test_layer_norm_rows_have_mean_0_and_variance_1(x) -> None:
    axes = tuple(range(1, x.ndim))
    spread(x, axes)
    y = layer_norm(x, x.shape[1:])
    var = np.var(x, axis=axes)
    np.testing.assert_allclose(y.mean(axis=axes), 0, atol=1e-12)
    np.testing.assert_allclose(np.var(y, axis=axes), var / (var + EPS), rtol=1e-10)


@SETTINGS
@given(x=shaped(2, 4, min_side=2))
def test_batch_norm_channels_have_mean_0_and_variance_1(x) -> None:
    axes = (0,) + tuple(range(2, x.ndim))
    spread(x, axes)
    y = batch_norm(x, training=True)
    var = np.var(x, axis=axes)
    np.testing.assert_allclose(y.mean(axis=axes), 0, atol=1e-12)
    np.testing.assert_allclose(np.var(y, axis=axes), var / (var + EPS), rtol=1e-10)


@SETTINGS
@given(x=shaped(3, 4, min_side=2), shift=values, log_scale=st.floats(-1, 1))
def test_shift_and_scale_invariance(x, shift, log_scale) -> None:
    spread(x, tuple(range(1, x.ndim)))
    spread(x, (0,) + tuple(range(2, x.ndim)))
    scale = 10.0**log_scale
    moved = scale * x + shift
    tiny = 1e-12  # eps must be positive; make it negligible against the variance
    for norm in (
        lambda a: layer_norm(a, a.shape[1:], eps=tiny),
        lambda a: batch_norm(a, training=True, eps=tiny),
        lambda a: group_norm(a, 1, eps=tiny),
    ):
        np.testing.assert_allclose(norm(moved), norm(x), atol=1e-7)


@SETTINGS
@given(x=shaped(2, 3, min_side=2), other=values)
def test_layer_norm_of_a_row_ignores_the_other_rows(x, other) -> None:
    changed = x.copy()
    changed[1:] = changed[1:] * 3 + other
    np.testing.assert_array_equal(layer_norm(changed, x.shape[1:])[0], layer_norm(x, x.shape[1:])[0])


@SETTINGS
@given(x=shaped(2, 3, min_side=3), delta=st.floats(1e3, 1e4))
def test_batch_norm_of_a_row_depends_on_the_other_rows(x, delta) -> None:
    # (With two rows the outputs are always -1 and +1, so use at least three.)
    changed = x.copy()
    changed[1] += delta  # an outlier sample moves every channel's mean and variance
    assert not np.allclose(batch_norm(changed, training=True)[0], batch_norm(x, training=True)[0])


@SETTINGS
@given(x=shaped(3, 4, min_side=2))
def test_group_norm_with_one_group_is_layer_norm_over_c_h_w(x) -> None:
    np.testing.assert_allclose(group_norm(x, 1), layer_norm(x, x.shape[1:]), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(x=shaped(3, 4, min_side=2))
def test_group_norm_with_c_groups_is_instance_norm(x) -> None:
    np.testing.assert_allclose(group_norm(x, x.shape[1]), instance_norm(x), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(x=shaped(2, 3, min_side=1))
def test_rms_norm_rows_have_unit_mean_square(x) -> None:
    mean_square = np.mean(x**2, axis=-1)
    assume(np.all(mean_square > 1e-2))
    y = rms_norm(x, x.shape[-1], eps=EPS)
    np.testing.assert_allclose(np.mean(y**2, axis=-1), mean_square / (mean_square + EPS), rtol=1e-10)


@SETTINGS
@given(x=shaped(3, 4, min_side=2), kind=st.sampled_from(["batch", "layer", "instance", "group", "rms"]))
def test_statistics_helper_matches_the_forward_and_its_group_index(x, kind) -> None:
    channels = x.shape[1]
    options = {
        "batch": ({}, lambda a: batch_norm(a, training=True)),
        "layer": ({"normalized_shape": x.shape[1:]}, lambda a: layer_norm(a, a.shape[1:])),
        "instance": ({}, instance_norm),
        "group": ({"num_groups": channels}, lambda a: group_norm(a, channels)),
        "rms": ({"normalized_shape": x.shape[-1]}, lambda a: rms_norm(a, a.shape[-1], eps=EPS)),
    }
    extra, forward = options[kind]
    stats = normalization_statistics(x, kind, **extra)
    np.testing.assert_allclose(forward(x), (x - stats.mean) / np.sqrt(stats.var + EPS), rtol=1e-9, atol=1e-9)
    mean = np.broadcast_to(stats.mean, x.shape)
    ids = stats.group_index
    assert ids.shape == x.shape and ids.min() == 0
    assert stats.num_statistics * stats.count == x.size
    for group in range(stats.num_statistics):
        members = ids == group
        assert members.sum() == stats.count
        assert np.ptp(mean[members]) == 0  # one statistic per id
        if kind != "rms":
            np.testing.assert_allclose(mean[members][0], x[members].mean(), rtol=1e-12, atol=1e-12)
    for axis in stats.reduced_axes:
        assert stats.mean.shape[axis] == 1 or kind == "group"


@settings(SETTINGS, suppress_health_check=[HealthCheck.filter_too_much])
@given(x=shaped(3, 3, min_side=2), data=st.data())
def test_masked_batch_norm_equals_batch_norm_of_the_valid_positions(x, data) -> None:
    mask = data.draw(arrays(np.bool_, x.shape[:1] + x.shape[2:]))
    mask.flat[:2] = True  # at least two valid positions, without filtering draws away
    valid = np.moveaxis(x, 1, -1)[mask]  # (count, C)
    spread(valid, 0)
    y = batch_norm(x, training=True, mask=mask)
    np.testing.assert_allclose(np.moveaxis(y, 1, -1)[mask], batch_norm(valid, training=True), rtol=1e-10, atol=1e-10)
    assert np.all(np.moveaxis(y, 1, -1)[~mask] == 0)
