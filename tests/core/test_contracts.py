"""Dtype preservation, untouched inputs, the statistics record, folding and parameter counts."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from normquiz import core

RNG = np.random.default_rng(11)
X = RNG.normal(3.0, 2.0, size=(4, 6, 5))
W, B = RNG.normal(size=6), RNG.normal(size=6)
LN_W, LN_B = RNG.normal(size=(6, 5)), RNG.normal(size=(6, 5))
MASK = RNG.random((4, 5)) < 0.8

CALLS = {
    "batch_norm train": lambda x, p: core.batch_norm(x, np.zeros(6, x.dtype), np.ones(6, x.dtype), p(W), p(B), True),
    "batch_norm eval": lambda x, p: core.batch_norm(x, np.zeros(6), np.ones(6) * 2, p(W), p(B)),
    "batch_norm masked": lambda x, p: core.batch_norm(x, weight=p(W), training=True, mask=MASK),
    "batch_norm (N, C)": lambda x, p: core.batch_norm(x[:, :, 0], weight=p(W), bias=p(B), training=True),
    "layer_norm": lambda x, p: core.layer_norm(x, (6, 5), p(LN_W), p(LN_B)),
    "group_norm": lambda x, p: core.group_norm(x, 3, p(W), p(B)),
    "instance_norm": lambda x, p: core.instance_norm(x, np.zeros(6, x.dtype), np.ones(6, x.dtype), p(W), p(B)),
    "instance_norm running": lambda x, p: core.instance_norm(x, np.zeros(6), np.ones(6), use_input_stats=False),
    "rms_norm": lambda x, p: core.rms_norm(x, 5, p(LN_W[0])),
    "layer_norm_backward": lambda x, p: core.layer_norm_backward(x, x, 5, p(LN_W[0]))[0],
    "batch_norm_backward": lambda x, p: core.batch_norm_backward(x, x, p(W), mask=MASK)[0],
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("call", list(CALLS))
def test_dtype_is_preserved_whatever_the_parameters_dtype(call, dtype) -> None:
    x = X.astype(dtype)
    # float64 parameters with a float32 input must not promote the output.
    y = CALLS[call](x, lambda p: p.astype(np.float64))
    assert y.dtype == dtype
    assert y.shape == (x.shape if call != "batch_norm (N, C)" else x.shape[:2])


def test_float16_is_computed_in_float32_and_returned_as_float16() -> None:
    x = X.astype(np.float16)
    y = core.layer_norm(x, 5)
    assert y.dtype == np.float16
    np.testing.assert_allclose(y, core.layer_norm(x.astype(np.float32), 5), atol=2e-3)


def test_integers_and_lists_are_promoted_to_float64() -> None:
    assert core.layer_norm([1, 2, 3, 4], 4).dtype == np.float64
    assert core.batch_norm(np.arange(6).reshape(3, 2), training=True).dtype == np.float64


@pytest.mark.parametrize("call", list(CALLS))
def test_inputs_are_never_modified(call) -> None:
    x = X.copy()
    params = {}

    def keep(p):
        params[id(p)] = (p, p.copy())
        return p

    CALLS[call](x, keep)
    np.testing.assert_array_equal(x, X)
    for original, saved in params.values():
        np.testing.assert_array_equal(original, saved)


def test_running_buffers_are_updated_in_place_and_only_in_training() -> None:
    running_mean, running_var = np.zeros(6, np.float32), np.ones(6, np.float32)
    mean_id = id(running_mean)
    core.batch_norm(X.astype(np.float32), running_mean, running_var, training=True)
    assert id(running_mean) == mean_id and running_mean.dtype == np.float32
    np.testing.assert_allclose(running_mean, 0.1 * X.mean(axis=(0, 2)), rtol=1e-6)
    np.testing.assert_allclose(running_var, 0.9 + 0.1 * X.var(axis=(0, 2), ddof=1), rtol=1e-6)
    before = running_mean.copy()
    core.batch_norm(X.astype(np.float32), running_mean, running_var, training=False)
    np.testing.assert_array_equal(running_mean, before)


def test_normalization_statistics_record() -> None:
    stats = core.normalization_statistics(X, "group", num_groups=3)
    assert isinstance(stats, core.NormStatistics)
    with pytest.raises(dataclasses.FrozenInstanceError):
        stats.count = 3  # type: ignore[misc]
    assert not stats.mean.flags.writeable and not stats.group_index.flags.writeable
    assert stats.kind == "group" and stats.reduced_axes == (1, 2) and stats.count == 10
    assert stats.mean.shape == (4, 6, 1) and stats.num_statistics == 12
    assert stats.group_index[1, 2, 0] == 1 * 3 + 1  # sample 1, channel 2 is in group 1
    expected = X.reshape(4, 3, 10).mean(axis=2).ravel()
    np.testing.assert_allclose(stats.per_statistic(stats.mean), expected)
    batch = core.normalization_statistics(X, "batch")
    assert batch.reduced_axes == (0, 2) and batch.mean.shape == (1, 6, 1) and batch.count == 20
    np.testing.assert_allclose(batch.unbiased_var.ravel(), X.var(axis=(0, 2), ddof=1))
    np.testing.assert_allclose(batch.rstd(1e-5), 1 / np.sqrt(batch.var + 1e-5))
    rms = core.normalization_statistics(X, "rms", normalized_shape=(6, 5))
    assert np.all(rms.mean == 0) and rms.reduced_axes == (1, 2)
    np.testing.assert_allclose(rms.var.ravel(), (X**2).mean(axis=(1, 2)))
    layer = core.normalization_statistics(X, "layer", normalized_shape=5)
    np.testing.assert_array_equal(layer.group_index[2, 3], 2 * 6 + 3)


def test_fold_batch_norm_equals_linear_then_eval_batch_norm() -> None:
    weight, bias = RNG.normal(size=(4, 3)), RNG.normal(size=4)
    running_mean, running_var = RNG.normal(size=4), RNG.random(4) + 0.5
    gamma, beta = RNG.normal(size=4), RNG.normal(size=4)
    inputs = RNG.normal(size=(7, 3))
    reference = core.batch_norm(inputs @ weight.T + bias, running_mean, running_var, gamma, beta)
    folded_weight, folded_bias = core.fold_batch_norm(weight, bias, running_mean, running_var, gamma, beta)
    np.testing.assert_allclose(inputs @ folded_weight.T + folded_bias, reference, rtol=1e-12, atol=1e-12)
    # No bias, no affine, conv-shaped weight: only the shapes change.
    conv = RNG.normal(size=(4, 2, 3, 3)).astype(np.float32)
    folded_weight, folded_bias = core.fold_batch_norm(conv, None, running_mean, running_var, None, None)
    assert folded_weight.dtype == folded_bias.dtype == np.float32
    np.testing.assert_allclose(folded_weight[1], conv[1] / np.sqrt(running_var[1] + 1e-5), rtol=1e-6)
    np.testing.assert_allclose(folded_bias, -running_mean / np.sqrt(running_var + 1e-5), rtol=1e-6)


@pytest.mark.parametrize(
    ("layer", "size", "affine", "expected"),
    [
        ("batch_norm", 64, None, 128),
        ("batch_norm", 64, False, 0),
        ("instance_norm", 64, None, 0),
        ("instance_norm", 64, True, 128),
        ("group_norm", 32, None, 64),
        ("layer_norm", 768, None, 1536),
        ("layer_norm", (4, 5), None, 40),
        ("rms_norm", 768, None, 768),
        ("rms_norm", [2, 3], False, 0),
    ],
)
def test_parameter_count(layer, size, affine, expected) -> None:
    assert core.parameter_count(layer, size, affine=affine) == expected


def test_batch_norm_module_modes_and_defaults() -> None:
    layer = core.BatchNorm(6)
    assert layer.training and layer.weight.dtype == np.float32 and np.all(layer.weight == 1)
    x = X.astype(np.float32)
    y = layer(x)
    np.testing.assert_allclose(y, core.batch_norm(x, training=True), rtol=1e-6, atol=1e-6)
    assert layer.eval() is layer and not layer.training
    np.testing.assert_allclose(
        layer(x), core.batch_norm(x, layer.running_mean, layer.running_var), rtol=1e-6, atol=1e-6
    )
    untracked = core.BatchNorm(6, affine=False, track_running_stats=False).eval()
    assert untracked.weight is None and untracked.running_mean is None
    np.testing.assert_allclose(untracked(x), core.batch_norm(x, training=True), rtol=1e-6, atol=1e-6)
    assert "BatchNorm(6" in repr(layer)
