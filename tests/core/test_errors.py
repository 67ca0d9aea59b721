"""Every bad input raises a ValueError whose sentence says what is wrong."""

from __future__ import annotations

import re

import numpy as np
import pytest

from normquiz import core

X = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
X2 = np.arange(6, dtype=np.float64).reshape(2, 3)
C3 = np.zeros(3)
READ_ONLY = np.zeros(3)
READ_ONLY.setflags(write=False)

CASES = {
    "complex input": (lambda: core.layer_norm(X.astype(complex), 4), "x must hold real numbers, got an array of dtype complex128"),
    "1-D batch norm": (lambda: core.batch_norm(np.ones(5), training=True), "batch_norm expects an input of shape (N, C) or (N, C, *spatial) with at least 2 dimensions (channels on axis 1), got a 1-D array of shape (5,)."),
    "2-D instance norm": (lambda: core.instance_norm(X2), "instance_norm expects an input of shape (N, C, *spatial) with at least 3 dimensions"),
    "normalized_shape type": (lambda: core.layer_norm(X, "4"), "layer_norm: normalized_shape must be an int or a tuple of ints, got '4'."),
    "normalized_shape negative": (lambda: core.layer_norm(X, (-4,)), "normalized_shape must be a non-empty tuple of non-negative ints, got (-4,)."),
    "normalized_shape mismatch": (lambda: core.layer_norm(X, (3,)), "layer_norm: normalized_shape=(3,) must match the last 1 dimension(s) of the input, but the input has shape (2, 3, 4); expected an input of shape (*, 3)."),
    "rms normalized_shape mismatch": (lambda: core.rms_norm(X, (4, 3)), "rms_norm: normalized_shape=(4, 3) must match the last 2 dimension(s)"),
    "layer norm weight shape": (lambda: core.layer_norm(X, 4, weight=np.ones(3)), "weight has shape (3,), but it needs shape (4,): one value per element of normalized_shape (4,)."),
    "batch norm bias shape": (lambda: core.batch_norm(X, bias=np.ones(4), training=True), "bias has shape (4,), but it needs shape (3,): one value per channel (axis 1 of an input of shape (2, 3, 4))."),
    "weight dtype": (lambda: core.group_norm(X, 1, weight=np.array(["a", "b", "c"])), "weight must hold real numbers"),
    "running_var missing": (lambda: core.batch_norm(X, C3.copy(), None, training=True), "batch_norm: pass both running_mean and running_var or neither; running_var is None."),
    "running_mean list in training": (lambda: core.batch_norm(X, [0.0] * 3, np.ones(3), training=True), "running_mean must be a floating-point NumPy array, because training updates it in place; got list."),
    "running_mean int array in training": (lambda: core.batch_norm(X, np.zeros(3, int), np.ones(3), training=True), "got ndarray of dtype int64"),
    "running_mean shape": (lambda: core.batch_norm(X, np.zeros(4), np.ones(4)), "running_mean has shape (4,), but it needs shape (3,): one value per channel"),
    "running_mean read-only": (lambda: core.batch_norm(X, READ_ONLY, np.ones(3), training=True), "batch_norm: running_mean is read-only, but training updates it in place."),
    "negative running_var": (lambda: core.batch_norm(X, C3, -np.ones(3)), "running_var holds a negative value (-1.0); a variance cannot be negative"),
    "eval without running stats": (lambda: core.batch_norm(X), "batch_norm with training=False normalizes with running_mean and running_var, but neither was given"),
    "instance norm without running stats": (lambda: core.instance_norm(X, use_input_stats=False), "instance_norm with use_input_stats=False normalizes with running_mean and running_var"),
    "one value per channel": (lambda: core.batch_norm(np.ones((1, 3)), training=True), "Expected more than 1 value per channel when training, got input size torch.Size([1, 3])"),
    "one value per channel, spatial": (lambda: core.batch_norm(np.ones((1, 3, 1)), training=True), "got input size torch.Size([1, 3, 1])"),
    "one valid position": (lambda: core.batch_norm(X, training=True, mask=np.eye(2, 4, dtype=bool) & [[True], [False]]), "Expected more than 1 value per channel when training, got input size torch.Size([2, 3, 4]) (the mask leaves 1 valid position per channel)"),
    "one spatial element": (lambda: core.instance_norm(np.ones((2, 3, 1))), "Expected more than 1 spatial element when training, got input size torch.Size([2, 3, 1])"),
    "eps zero in training": (lambda: core.batch_norm(X, training=True, eps=0), "batch_norm: eps must be positive when normalizing with batch statistics (a constant feature has variance 0 and would give 0/0), got eps=0."),
    "eps negative in eval": (lambda: core.batch_norm(X, C3, np.ones(3), eps=-1e-5), "got eps=-1e-05"),
    "eps zero layer norm": (lambda: core.layer_norm(X, 4, eps=0.0), "layer_norm: eps must be positive"),
    "eps not a number": (lambda: core.layer_norm(X, 4, eps="small"), "layer_norm: eps must be a finite number, got 'small'."),
    "eps nan": (lambda: core.rms_norm(X, 4, eps=float("nan")), "rms_norm: eps must be a finite number, got nan."),
    "momentum None": (lambda: core.batch_norm(X, np.zeros(3), np.ones(3), training=True, momentum=None), "momentum=None (a cumulative average) needs a count of the batches seen so far; use the BatchNorm class"),
    "momentum range": (lambda: core.batch_norm(X, np.zeros(3), np.ones(3), training=True, momentum=1.5), "momentum must be a number between 0 and 1"),
    "instance momentum": (lambda: core.instance_norm(X, np.zeros(3), np.ones(3), momentum=-0.1), "instance_norm: momentum must be a number between 0 and 1"),
    "mask dtype": (lambda: core.batch_norm(X, training=True, mask=np.ones((2, 4), int)), "batch_norm: mask must be a boolean array (True marks a valid position, False a padded one), got dtype int64; use mask.astype(bool) if 1 means valid."),
    "mask shape": (lambda: core.batch_norm(X, training=True, mask=np.ones((2, 3), bool)), "batch_norm: mask must have the input's shape without the channel axis, (2, 4) for an input of shape (2, 3, 4); got shape (2, 3)."),
    "mask all padding": (lambda: core.batch_norm(X, training=True, mask=np.zeros((2, 4), bool)), "batch_norm: the mask marks no valid position, so no channel has a value to compute statistics from"),
    "groups not dividing": (lambda: core.group_norm(np.ones((2, 6, 4)), 4), "group_norm: the number of channels (6, axis 1 of input shape (2, 6, 4)) must be divisible by num_groups=4; try a divisor of 6."),
    "groups zero": (lambda: core.group_norm(X, 0), "group_norm: num_groups must be a positive int, got 0."),
    "dy shape": (lambda: core.layer_norm_backward(np.ones((2, 3)), X, 4), "layer_norm_backward: dy has shape (2, 3) but x has shape (2, 3, 4)"),
    "dy dtype": (lambda: core.batch_norm_backward(X.astype(str), X), "batch_norm_backward: dy must hold real numbers"),
    "backward one value": (lambda: core.batch_norm_backward(np.ones((1, 2)), np.ones((1, 2))), "Expected more than 1 value per channel when training, got input size torch.Size([1, 2])"),
    "backward mask shape": (lambda: core.batch_norm_backward(X, X, mask=np.ones(2, bool)), "batch_norm_backward: mask must have the input's shape without the channel axis"),
    "unknown kind": (lambda: core.normalization_statistics(X, "layers", normalized_shape=4), "kind must be one of 'batch', 'layer', 'instance', 'group', 'rms', got 'layers'. Did you mean 'layer'?"),
    "kind extra argument": (lambda: core.normalization_statistics(X, "batch", num_groups=2), "normalization_statistics(kind='batch'): num_groups does not apply to kind='batch'; leave it out."),
    "kind missing shape": (lambda: core.normalization_statistics(X, "rms"), "normalization_statistics(kind='rms') needs normalized_shape"),
    "kind missing groups": (lambda: core.normalization_statistics(X, "group"), "normalization_statistics(kind='group') needs num_groups."),
    "module num_features": (lambda: core.BatchNorm(0), "BatchNorm: num_features must be a positive int, got 0."),
    "module momentum": (lambda: core.BatchNorm(3, momentum=2), "BatchNorm: momentum must be a number between 0 and 1"),
    "module channels": (lambda: core.BatchNorm(4)(X), "BatchNorm(4) expects 4 channels on axis 1, got an input of shape (2, 3, 4)."),
    "fold weight ndim": (lambda: core.fold_batch_norm(np.ones(3), None, C3, np.ones(3), None, None), "fold_batch_norm: weight must be a linear weight (out, in) or a conv weight (out, in, *kernel), got a 1-D array of shape (3,)."),
    "fold gamma shape": (lambda: core.fold_batch_norm(np.ones((3, 2)), None, C3, np.ones(3), np.ones(2), None), "gamma has shape (2,), but it needs shape (3,): one value per output channel (axis 0 of the weight, shape (3, 2))."),
    "fold running stats": (lambda: core.fold_batch_norm(np.ones((3, 2)), None, None, None, None, None), "fold_batch_norm needs the batch norm's running_mean and running_var."),
    "parameter_count layer": (lambda: core.parameter_count("batchnorm", 3), "layer must be one of 'batch_norm', 'layer_norm', 'group_norm', 'instance_norm', 'rms_norm', got 'batchnorm'. Did you mean 'batch_norm'?"),
    "parameter_count size": (lambda: core.parameter_count("batch_norm", (3, 4)), "parameter_count('batch_norm'): size must be the number of channels (a positive int), got (3, 4)."),
    "parameter_count shape": (lambda: core.parameter_count("layer_norm", (3, 0)), "parameter_count('layer_norm'): size must be normalized_shape (a positive int or a tuple of them), got (3, 0)."),
    "parameter_count affine": (lambda: core.parameter_count("rms_norm", 3, affine="yes"), "parameter_count: affine must be True, False or None, got 'yes'."),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_raises_a_readable_value_error(case) -> None:
    call, message = CASES[case]
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_a_rejected_batch_leaves_the_module_untouched() -> None:
    layer = core.BatchNorm(3)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        layer(np.ones((1, 3), np.float32))
    assert layer.num_batches_tracked == 0
    np.testing.assert_array_equal(layer.running_mean, 0)
    np.testing.assert_array_equal(layer.running_var, 1)
