"""Group, instance and RMS norm backward passes: central differences in float64, then PyTorch autograd."""

from __future__ import annotations

import numpy as np
import pytest

from normquiz.core import (
    group_norm,
    group_norm_backward,
    instance_norm,
    instance_norm_backward,
    rms_norm,
    rms_norm_backward,
)
from tests.core.gradients import numerical_gradient
from tests.core.test_backward import relative_error

CASES = [
    # (layer, x shape, affine, extra: num_groups or normalized_shape)
    ("group", (3, 4, 5), False, 2),
    ("group", (2, 6, 2, 3), True, 3),
    ("group", (4, 3), True, 1),
    ("instance", (3, 2, 6), False, None),
    ("instance", (2, 3, 2, 3), True, None),
    ("rms", (4, 6), False, 6),
    ("rms", (2, 3, 4), True, (3, 4)),
]


def forward(layer, x, extra, weight, bias):
    if layer == "group":
        return group_norm(x, extra, weight, bias)
    if layer == "instance":
        return instance_norm(x, weight=weight, bias=bias)
    return rms_norm(x, extra, weight, eps=1e-5)


def backward(layer, dy, x, extra, weight):
    if layer == "group":
        return group_norm_backward(dy, x, extra, weight)
    if layer == "instance":
        return instance_norm_backward(dy, x, weight)
    return rms_norm_backward(dy, x, extra, weight, eps=1e-5) + (None,)


@pytest.mark.parametrize(("layer", "shape", "affine", "extra"), CASES)
def test_gradients_match_central_differences(layer, shape, affine, extra) -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(1.5, 2.0, size=shape)
    upstream = rng.normal(size=shape)  # loss = sum(upstream * y)
    features = tuple(np.atleast_1d(extra)) if layer == "rms" else (shape[1],)
    weight = rng.normal(1.0, 0.5, size=features) if affine else None
    bias = rng.normal(size=features) if affine and layer != "rms" else None

    def loss() -> float:
        return float(np.sum(upstream * forward(layer, x, extra, weight, bias)))

    dx, dweight, dbias = backward(layer, upstream, x, extra, weight)
    assert relative_error(dx, numerical_gradient(loss, x)) < 1e-7
    if affine:
        assert relative_error(dweight, numerical_gradient(loss, weight)) < 1e-7
    else:
        assert dweight is None
    if bias is not None:
        assert relative_error(dbias, numerical_gradient(loss, bias)) < 1e-7
    elif layer != "rms":  # dbias is always the per-channel sum of dy
        np.testing.assert_allclose(dbias, upstream.sum(axis=(0,) + tuple(range(2, x.ndim))))


def test_group_and_instance_dx_sum_to_zero_per_statistic_but_rms_dx_does_not() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(3.0, 2.0, size=(2, 4, 5))
    dy = rng.normal(size=x.shape)
    dx, _, _ = group_norm_backward(dy, x, 2, rng.normal(size=4))
    np.testing.assert_allclose(dx.reshape(2, 2, -1).sum(axis=2), 0, atol=1e-12)
    dx, _, _ = instance_norm_backward(dy, x)
    np.testing.assert_allclose(dx.sum(axis=2), 0, atol=1e-12)
    dx, _ = rms_norm_backward(dy, x, 5)
    assert np.abs(dx.sum(axis=-1)).min() > 1e-6  # no centring: shifting x moves the output


def test_instance_norm_is_group_norm_with_one_channel_per_group() -> None:
    rng = np.random.default_rng(2)
    x, dy, w = rng.normal(size=(3, 4, 6)), rng.normal(size=(3, 4, 6)), rng.normal(size=4)
    for ours, theirs in zip(instance_norm_backward(dy, x, w), group_norm_backward(dy, x, 4, w)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_float32_in_float32_out_and_inputs_untouched() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 6, 3)).astype(np.float32)
    dy = rng.normal(size=x.shape).astype(np.float32)
    x_before, dy_before = x.copy(), dy.copy()
    results = [
        *group_norm_backward(dy, x, 3, np.ones(6)),
        *instance_norm_backward(dy, x, np.ones(6)),
        *rms_norm_backward(dy, x, 3, np.ones(3)),
    ]
    assert all(r.dtype == np.float32 for r in results)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dy, dy_before)


def test_stable_with_a_large_common_offset_in_float32() -> None:
    rng = np.random.default_rng(4)
    x64 = 1e4 + rng.normal(size=(3, 4, 256))
    dy = rng.normal(size=x64.shape)
    expected, _, _ = group_norm_backward(dy, x64, 2)
    actual, _, _ = group_norm_backward(dy.astype(np.float32), x64.astype(np.float32), 2)
    assert relative_error(actual.astype(np.float64), expected) < 1e-2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: group_norm_backward(np.ones((2, 3, 4)), np.ones((2, 3, 4)), 2), "divisible by num_groups=2"),
        (lambda: group_norm_backward(np.ones((2, 3)), np.ones((2, 4)), 2), "dy has shape (2, 3)"),
        (lambda: instance_norm_backward(np.ones((2, 3)), np.ones((2, 3))), "at least 3 dimensions"),
        (lambda: instance_norm_backward(np.ones((2, 3, 1)), np.ones((2, 3, 1))), "more than 1 spatial element"),
        (lambda: rms_norm_backward(np.ones((2, 3)), np.ones((2, 3)), 4), "normalized_shape=(4,)"),
        (lambda: rms_norm_backward(np.ones((2, 3)), np.ones((2, 3)), 3, np.ones(2)), "weight has shape (2,)"),
        (lambda: group_norm_backward(np.ones((2, 4)), np.ones((2, 4)), 2, eps=0.0), "eps must be positive"),
    ],
)
def test_bad_input_is_a_sentence(call, message) -> None:
    with pytest.raises(ValueError) as error:
        call()
    assert message in str(error.value)


torch_cases = [("group", 2), ("group", 6), ("instance", None), ("rms", None)]


@pytest.mark.parametrize(("layer", "groups"), torch_cases)
@pytest.mark.parametrize("affine", [False, True])
def test_matches_torch_autograd(layer, groups, affine) -> None:
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    rng = np.random.default_rng(9)
    x = rng.normal(0.5, 3.0, size=(3, 6, 4, 5))
    dy = rng.normal(size=x.shape)
    trailing = x.shape[-2:]
    size = trailing if layer == "rms" else (6,)
    w = rng.normal(size=size) if affine else None
    b = rng.normal(size=size) if affine and layer != "rms" else None
    x_t = torch.tensor(x, requires_grad=True)
    w_t = None if w is None else torch.tensor(w, requires_grad=True)
    b_t = None if b is None else torch.tensor(b, requires_grad=True)
    if layer == "group":
        functional.group_norm(x_t, groups, w_t, b_t).backward(torch.tensor(dy))
        dx, dw, db = group_norm_backward(dy, x, groups, w)
    elif layer == "instance":
        functional.instance_norm(x_t, weight=w_t, bias=b_t).backward(torch.tensor(dy))
        dx, dw, db = instance_norm_backward(dy, x, w)
    else:
        functional.rms_norm(x_t, trailing, w_t, eps=1e-6).backward(torch.tensor(dy))
        (dx, dw), db = rms_norm_backward(dy, x, trailing, w, eps=1e-6), None
    tol = {"rtol": 1e-9, "atol": 1e-11}
    np.testing.assert_allclose(dx, x_t.grad.numpy(), **tol)
    if affine:
        np.testing.assert_allclose(dw, w_t.grad.numpy(), **tol)
    if b_t is not None:
        np.testing.assert_allclose(db, b_t.grad.numpy(), **tol)
