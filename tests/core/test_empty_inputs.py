"""Zero-size inputs behave as in PyTorch: an empty result, or PyTorch's own error (DESIGN.md)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from normquiz import core
from tests.core.empty_cases import CASES


@pytest.fixture(autouse=True)
def _no_warnings():
    # An empty input must not divide 0 by 0 on its way to the empty result.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("case", list(CASES))
def test_an_empty_input_gives_an_empty_output_of_its_shape_and_dtype(case) -> None:
    shape, ours, _ = CASES[case]
    y = ours(np.zeros(shape, np.float32))
    assert y.shape == shape and y.dtype == np.float32


def test_an_empty_training_batch_leaves_the_running_buffers_alone() -> None:
    running_mean, running_var = np.full(3, 0.5, np.float32), np.full(3, 2.0, np.float32)
    for shape in ((0, 3), (0, 3, 4), (2, 3, 0)):
        core.batch_norm(np.zeros(shape, np.float32), running_mean, running_var, training=True)
    for shape in ((0, 3, 4), (2, 3, 0)):
        # (PyTorch 2.13 writes NaN here for 0 samples, the mean over no instances;
        # we keep the buffers, as its batch_norm does. See test_torch_crosscheck.)
        core.instance_norm(np.zeros(shape, np.float32), running_mean, running_var)
    np.testing.assert_array_equal(running_mean, 0.5)
    np.testing.assert_array_equal(running_var, 2.0)


def test_the_module_counts_an_empty_batch_as_pytorch_does() -> None:
    # torch.nn.BatchNorm1d increments num_batches_tracked before it looks at the
    # batch, so with momentum=None the next batch is averaged with weight 1/2.
    layer = core.BatchNorm(2, momentum=None)
    layer(np.zeros((0, 2), np.float32))
    assert layer.num_batches_tracked == 1
    np.testing.assert_array_equal(layer.running_mean, 0)
    layer(np.array([[1.0, 2.0], [3.0, 6.0]], np.float32))
    np.testing.assert_allclose(layer.running_mean, [1.0, 2.0])  # 1/2 of the batch means (2, 4)
    np.testing.assert_allclose(layer.running_var, [1.5, 4.5])  # 1/2 of 1 + 1/2 of (2, 8)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        # PyTorch counts values per channel from the shape: one is refused even with no channels.
        (lambda: core.batch_norm(np.zeros((1, 0)), training=True), "Expected more than 1 value per channel when training, got input size torch.Size([1, 0])"),
        (lambda: core.instance_norm(np.zeros((0, 4, 1))), "Expected more than 1 spatial element when training, got input size torch.Size([0, 4, 1])"),
        (lambda: core.group_norm(np.zeros((2, 4, 0)), 3), "must be divisible by num_groups=3"),
        (lambda: core.layer_norm(np.zeros((2, 0)), ()), "normalized_shape must be a non-empty tuple of non-negative ints, got ()."),
        (lambda: core.layer_norm(np.zeros((2, 3)), (0,)), "normalized_shape=(0,) must match the last 1 dimension(s) of the input"),
        # An input with positions, none of them valid, is still a mistake worth a sentence.
        (lambda: core.batch_norm(np.zeros((2, 3)), training=True, mask=np.zeros(2, bool)), "the mask marks no valid position"),
    ],
)
def test_pytorchs_errors_still_hold_around_empty_inputs(call, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize(
    ("layer", "shape"),
    [("batch", (0, 3)), ("batch", (0, 3, 4)), ("batch", (2, 3, 0)), ("layer", (0, 3)), ("layer", (4, 0, 3))],
)
def test_backward_of_an_empty_input_gives_zero_parameter_gradients(layer, shape, affine) -> None:
    x = np.zeros(shape, np.float32)
    if layer == "batch":
        dx, dweight, dbias = core.batch_norm_backward(x, x, np.ones(3, np.float32) if affine else None)
    else:
        dx, dweight, dbias = core.layer_norm_backward(x, x, 3, np.ones(3, np.float32) if affine else None)
    assert dx.shape == shape and dx.dtype == np.float32
    np.testing.assert_array_equal(dbias, np.zeros(3, np.float32))
    assert dbias.dtype == np.float32
    if affine:
        np.testing.assert_array_equal(dweight, np.zeros(3, np.float32))
    else:
        assert dweight is None


def test_backward_on_rows_of_no_values() -> None:
    x = np.zeros((2, 3, 0))
    dx, dweight, dbias = core.layer_norm_backward(x, x, (3, 0), np.ones((3, 0)))
    assert dx.shape == (2, 3, 0) and dweight.shape == dbias.shape == (3, 0)


@pytest.mark.parametrize(
    ("kind", "shape", "extra", "stat_shape", "count"),
    [
        ("batch", (0, 3, 4), {}, (1, 3, 1), 0),
        ("batch", (2, 3, 0), {"mask": np.ones((2, 0), bool)}, (1, 3, 1), 0),
        ("layer", (2, 0), {"normalized_shape": 0}, (2, 1), 0),
        ("rms", (2, 3, 0), {"normalized_shape": (3, 0)}, (2, 1, 1), 0),
        ("instance", (2, 4, 0), {}, (2, 4, 1), 0),
        ("group", (2, 4, 0), {"num_groups": 2}, (2, 4, 1), 0),
    ],
)
def test_statistics_of_no_values_are_nan(kind, shape, extra, stat_shape, count) -> None:
    # The mean of nothing is undefined: NaN, as np.mean and torch.var_mean give.
    stats = core.normalization_statistics(np.zeros(shape, np.float32), kind, **extra)
    assert stats.var.shape == stat_shape and np.isnan(stats.var).all()
    assert (stats.mean == 0).all() if kind == "rms" else np.isnan(stats.mean).all()
    assert stats.count == count and stats.group_index.shape == shape


@pytest.mark.parametrize(
    ("kind", "shape", "extra", "stat_shape"),
    [
        ("batch", (2, 0), {}, (1, 0)),
        ("layer", (0, 5), {"normalized_shape": 5}, (0, 1)),
        ("instance", (0, 4, 3), {}, (0, 4, 1)),
        ("group", (0, 4, 3), {"num_groups": 2}, (0, 4, 1)),
    ],
)
def test_no_statistics_to_compute_gives_empty_statistics(kind, shape, extra, stat_shape) -> None:
    stats = core.normalization_statistics(np.zeros(shape), kind, **extra)
    assert stats.mean.shape == stats.var.shape == stat_shape and stats.num_statistics == 0


def test_fold_batch_norm_with_no_outputs_or_no_inputs() -> None:
    weight, bias = core.fold_batch_norm(np.zeros((0, 3)), np.zeros(0), np.zeros(0), np.ones(0), np.ones(0), np.zeros(0))
    assert weight.shape == (0, 3) and bias.shape == (0,)
    # No inputs: the folded bias is all that is left, s * (b - running_mean) + beta.
    weight, bias = core.fold_batch_norm(
        np.zeros((2, 0, 3, 3), np.float32), np.array([1.0, 2.0]), np.array([1.0, 0.0]), np.array([3.0, 0.0]),
        np.array([2.0, 1.0]), np.array([0.5, -0.5]), eps=1.0,
    )
    assert weight.shape == (2, 0, 3, 3) and weight.dtype == bias.dtype == np.float32
    np.testing.assert_allclose(bias, [0.5, 1.5])
