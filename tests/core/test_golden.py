"""Closed-form cases worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import numpy as np
import pytest

from normquiz.core import BatchNorm, batch_norm, layer_norm, normalization_statistics

EPS = 1e-5


def test_layer_norm_of_1_2_3_4() -> None:
    # mean 2.5; deviations -1.5 -0.5 0.5 1.5; biased var (2.25+0.25+0.25+2.25)/4 = 1.25
    y = layer_norm(np.array([1.0, 2.0, 3.0, 4.0]), 4)
    expected = np.array([-1.5, -0.5, 0.5, 1.5]) / np.sqrt(1.25 + EPS)
    np.testing.assert_allclose(y, expected, rtol=1e-14)
    np.testing.assert_allclose(y, [-1.3416354, -0.4472118, 0.4472118, 1.3416354], rtol=1e-6)


def test_layer_norm_with_affine_on_two_rows() -> None:
    # Row 2 is row 1 + 10: same normalized values; gamma (2, 1, 1, 1), beta 1.
    x = np.array([[1.0, 2.0, 3.0, 4.0], [11.0, 12.0, 13.0, 14.0]])
    y = layer_norm(x, 4, weight=np.array([2.0, 1.0, 1.0, 1.0]), bias=np.ones(4))
    row = np.array([-1.5, -0.5, 0.5, 1.5]) / np.sqrt(1.25 + EPS) * [2, 1, 1, 1] + 1
    np.testing.assert_allclose(y, [row, row], rtol=1e-13)


def test_batch_norm_two_training_steps_then_eval() -> None:
    running_mean = np.zeros(2)
    running_var = np.ones(2)
    # Step 1, N=2. Channel 0: 1, 3 -> mean 2, biased var 1, unbiased 2.
    #              Channel 1: 2, 6 -> mean 4, biased var 4, unbiased 8.
    x1 = np.array([[1.0, 2.0], [3.0, 6.0]])
    y1 = batch_norm(x1, running_mean, running_var, training=True, momentum=0.1)
    np.testing.assert_allclose(
        y1, [[-1 / np.sqrt(1 + EPS), -2 / np.sqrt(4 + EPS)], [1 / np.sqrt(1 + EPS), 2 / np.sqrt(4 + EPS)]]
    )
    # running = 0.9 * running + 0.1 * batch: mean (0.2, 0.4), var 0.9 + 0.1 * (2, 8) = (1.1, 1.7)
    np.testing.assert_allclose(running_mean, [0.2, 0.4], rtol=1e-14)
    np.testing.assert_allclose(running_var, [1.1, 1.7], rtol=1e-14)
    # Step 2, N=3. Channel 0: 0, 2, 4 -> mean 2, biased var 8/3, unbiased 4.
    #              Channel 1: 0, 4, 8 -> mean 4, biased var 32/3, unbiased 16.
    x2 = np.array([[0.0, 0.0], [2.0, 4.0], [4.0, 8.0]])
    y2 = batch_norm(x2, running_mean, running_var, training=True, momentum=0.1)
    np.testing.assert_allclose(y2[:, 0], np.array([-2.0, 0.0, 2.0]) / np.sqrt(8 / 3 + EPS))
    # mean 0.9 * (0.2, 0.4) + 0.1 * (2, 4) = (0.38, 0.76)
    # var  0.9 * (1.1, 1.7) + 0.1 * (4, 16) = (1.39, 3.13)
    np.testing.assert_allclose(running_mean, [0.38, 0.76], rtol=1e-14)
    np.testing.assert_allclose(running_var, [1.39, 3.13], rtol=1e-14)
    # Eval with a batch of one: (x - running_mean) / sqrt(running_var + eps) * gamma + beta.
    y = batch_norm(
        np.array([[1.38, 0.76]]), running_mean, running_var, weight=np.array([2.0, 3.0]),
        bias=np.array([0.5, -1.0]), training=False,
    )
    np.testing.assert_allclose(y, [[2.0 / np.sqrt(1.39 + EPS) + 0.5, -1.0]], rtol=1e-13)
    np.testing.assert_allclose(running_mean, [0.38, 0.76], rtol=1e-14)  # eval never updates


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_variance_feature_gives_exactly_beta(dtype) -> None:
    x = np.array([[5.0, 1.0], [5.0, 2.0], [5.0, 3.0]], dtype=dtype)
    weight = np.array([2.0, 3.0], dtype=dtype)
    bias = np.array([0.5, -1.0], dtype=dtype)
    y = batch_norm(x, weight=weight, bias=bias, training=True)
    assert np.all(y[:, 0] == dtype(0.5))
    # The same for a constant row of layer norm, and a large constant in float32.
    row = np.full((1, 6), 123456.7, dtype=dtype)
    assert np.all(layer_norm(row, 6, bias=np.full(6, -2.5, dtype=dtype)) == dtype(-2.5))


def test_batch_norm_module_momentum_none_is_cumulative_average() -> None:
    layer = BatchNorm(2, momentum=None, dtype=np.float64)
    layer(np.array([[1.0, 2.0], [3.0, 6.0]]))  # batch stats: mean (2, 4), unbiased var (2, 8)
    # factor 1/1: the buffers become the first batch's statistics.
    np.testing.assert_allclose(layer.running_mean, [2.0, 4.0])
    np.testing.assert_allclose(layer.running_var, [2.0, 8.0])
    layer(np.array([[0.0, 0.0], [2.0, 4.0], [4.0, 8.0]]))  # mean (2, 4), unbiased var (4, 16)
    # factor 1/2: the plain average of the two batches.
    np.testing.assert_allclose(layer.running_mean, [2.0, 4.0])
    np.testing.assert_allclose(layer.running_var, [3.0, 12.0])
    assert layer.num_batches_tracked == 2
    layer.eval()
    np.testing.assert_allclose(layer(np.array([[2.0, 4.0]])), [[0.0, 0.0]])
    assert layer.num_batches_tracked == 2


def test_batch_norm_module_with_momentum_matches_functional() -> None:
    layer = BatchNorm(2, dtype=np.float64)
    layer(np.array([[1.0, 2.0], [3.0, 6.0]]))
    np.testing.assert_allclose(layer.running_mean, [0.2, 0.4])
    np.testing.assert_allclose(layer.running_var, [1.1, 1.7])
    assert layer.num_batches_tracked == 1


def test_masked_batch_norm_on_a_tiny_padded_batch() -> None:
    # Two sequences, one channel: (1, 2, 3) and (5) padded with garbage.
    x = np.array([[[1.0, 2.0, 3.0]], [[5.0, 100.0, np.nan]]])
    mask = np.array([[True, True, True], [True, False, False]])
    running_mean, running_var = np.zeros(1), np.ones(1)
    y = batch_norm(x, running_mean, running_var, training=True, mask=mask)
    # Valid values 1, 2, 3, 5: mean 11/4 = 2.75; squared deviations 3.0625, 0.5625,
    # 0.0625, 5.0625 sum to 8.75: biased var 2.1875, unbiased 8.75/3.
    expected = (np.array([1.0, 2.0, 3.0, 5.0]) - 2.75) / np.sqrt(2.1875 + EPS)
    np.testing.assert_allclose(y[mask[:, None, :]], expected, rtol=1e-13)
    # Padded outputs are zero: padding stays padding.
    assert np.all(y[0, 0, 3:] == 0) and np.all(y[1, 0, 1:] == 0)
    np.testing.assert_allclose(running_mean, [0.275], rtol=1e-14)
    np.testing.assert_allclose(running_var, [0.9 + 0.1 * 8.75 / 3], rtol=1e-14)
    stats = normalization_statistics(x, "batch", mask=mask)
    assert stats.count == 4
    np.testing.assert_allclose(stats.mean.ravel(), [2.75])
    np.testing.assert_array_equal(stats.group_index[:, 0, :], [[0, 0, 0], [0, -1, -1]])


def test_masked_batch_norm_of_2d_input_skips_padded_rows() -> None:
    x = np.array([[1.0, 10.0], [3.0, 30.0], [1e9, -1e9]])
    mask = np.array([True, True, False])
    y = batch_norm(x, training=True, mask=mask)
    np.testing.assert_allclose(y[:2], batch_norm(x[:2], training=True), rtol=1e-14)
    assert np.all(y[2] == 0)


def test_masked_batch_norm_in_eval_zeroes_padding_only() -> None:
    x = np.array([[2.0], [4.0]])
    y = batch_norm(x, np.array([1.0]), np.array([4.0]), training=False, eps=0.0, mask=np.array([True, False]))
    np.testing.assert_array_equal(y, [[0.5], [0.0]])
