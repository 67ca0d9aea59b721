"""Cross-check against PyTorch (skipped where torch is not installed)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from tests.core.empty_cases import CASES as EMPTY_CASES  # noqa: E402
from normquiz.core import (  # noqa: E402
    BatchNorm,
    batch_norm,
    batch_norm_backward,
    fold_batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    layer_norm_backward,
    parameter_count,
    rms_norm,
)

DTYPES = [np.float32, np.float64]
SEEDS = range(4)


def tolerance(dtype) -> dict:
    return {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-10}


def random_case(seed: int, dtype, min_dims: int = 2):
    rng = np.random.default_rng(seed)
    ndim = rng.integers(min_dims, 5)
    shape = tuple(int(s) for s in rng.integers(2, 6, size=ndim))
    x = rng.normal(rng.normal(0, 3), rng.uniform(0.5, 4), size=shape).astype(dtype)
    return rng, x


def t(array):
    return None if array is None else torch.from_numpy(np.ascontiguousarray(array))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("affine", [False, True])
def test_batch_norm_training_steps_then_eval(seed, dtype, affine) -> None:
    rng, x = random_case(seed, dtype)
    channels = x.shape[1]
    weight = rng.normal(size=channels).astype(dtype) if affine else None
    bias = rng.normal(size=channels).astype(dtype) if affine else None
    running_mean, running_var = np.zeros(channels, dtype), np.ones(channels, dtype)
    torch_mean, torch_var = torch.zeros(channels, dtype=t(x).dtype), torch.ones(channels, dtype=t(x).dtype)
    for step in range(3):
        batch = (x * (step + 1) + step).astype(dtype)
        ours = batch_norm(batch, running_mean, running_var, weight, bias, True, 0.2)
        theirs = F.batch_norm(t(batch), torch_mean, torch_var, t(weight), t(bias), True, 0.2)
        np.testing.assert_allclose(ours, theirs.numpy(), **tolerance(dtype))
        np.testing.assert_allclose(running_mean, torch_mean.numpy(), **tolerance(dtype))
        np.testing.assert_allclose(running_var, torch_var.numpy(), **tolerance(dtype))
    ours = batch_norm(x, running_mean, running_var, weight, bias, False)
    theirs = F.batch_norm(t(x), torch_mean, torch_var, t(weight), t(bias), False)
    np.testing.assert_allclose(ours, theirs.numpy(), **tolerance(dtype))


@pytest.mark.parametrize("momentum", [None, 0.1])
def test_batch_norm_module_matches_torch_module(momentum) -> None:
    rng = np.random.default_rng(5)
    ours = BatchNorm(3, momentum=momentum)
    theirs = torch.nn.BatchNorm2d(3, momentum=momentum)
    for _ in range(4):
        x = rng.normal(2, 3, size=(4, 3, 5, 5)).astype(np.float32)
        np.testing.assert_allclose(ours(x), theirs(t(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-5)
    assert ours.num_batches_tracked == int(theirs.num_batches_tracked)
    ours.eval()
    theirs.eval()
    x = rng.normal(size=(1, 3, 2, 2)).astype(np.float32)
    np.testing.assert_allclose(ours(x), theirs(t(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_layer_group_instance_rms_norm(seed, dtype) -> None:
    rng, x = random_case(seed, dtype, min_dims=3)
    channels = x.shape[1]
    trailing = x.shape[-2:]
    w, b = rng.normal(size=trailing).astype(dtype), rng.normal(size=trailing).astype(dtype)
    tol = tolerance(dtype)
    np.testing.assert_allclose(layer_norm(x, trailing, w, b), F.layer_norm(t(x), trailing, t(w), t(b)).numpy(), **tol)
    np.testing.assert_allclose(layer_norm(x, x.shape[-1]), F.layer_norm(t(x), x.shape[-1:]).numpy(), **tol)
    np.testing.assert_allclose(rms_norm(x, trailing, w), F.rms_norm(t(x), trailing, t(w)).numpy(), **tol)
    np.testing.assert_allclose(rms_norm(x, x.shape[-1], eps=1e-3), F.rms_norm(t(x), x.shape[-1:], eps=1e-3).numpy(), **tol)
    cw, cb = rng.normal(size=channels).astype(dtype), rng.normal(size=channels).astype(dtype)
    for groups in (1, channels):
        np.testing.assert_allclose(
            group_norm(x, groups, cw, cb), F.group_norm(t(x), groups, t(cw), t(cb)).numpy(), **tol
        )
    running_mean, running_var = np.zeros(channels, dtype), np.ones(channels, dtype)
    torch_mean, torch_var = t(running_mean.copy()), t(running_var.copy())
    for _ in range(2):
        ours = instance_norm(x, running_mean, running_var, cw, cb, momentum=0.3)
        theirs = F.instance_norm(t(x), torch_mean, torch_var, t(cw), t(cb), momentum=0.3)
        np.testing.assert_allclose(ours, theirs.numpy(), **tol)
    np.testing.assert_allclose(running_mean, torch_mean.numpy(), **tol)
    np.testing.assert_allclose(running_var, torch_var.numpy(), **tol)
    ours = instance_norm(x, running_mean, running_var, cw, cb, use_input_stats=False)
    theirs = F.instance_norm(t(x), torch_mean, torch_var, t(cw), t(cb), use_input_stats=False)
    np.testing.assert_allclose(ours, theirs.numpy(), **tol)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("affine", [False, True])
def test_backward_matches_autograd(seed, affine) -> None:
    # Without affine the layer still gets a bias (PyTorch allows a bias without
    # a weight): dbias is returned either way, dweight only with a weight.
    rng, x = random_case(seed, np.float64)
    dy = rng.normal(size=x.shape)
    tol = {"rtol": 1e-9, "atol": 1e-11}
    for layer, features in (("batch", (x.shape[1],)), ("layer", x.shape[1:])):
        x_t = t(x).requires_grad_(True)
        w = rng.normal(size=features) if affine else None
        w_t = t(w).requires_grad_(True) if affine else None
        b_t = t(rng.normal(size=features)).requires_grad_(True)
        if layer == "batch":
            F.batch_norm(x_t, None, None, w_t, b_t, training=True).backward(t(dy))
            dx, dw, db = batch_norm_backward(dy, x, w)
        else:
            F.layer_norm(x_t, features, w_t, b_t).backward(t(dy))
            dx, dw, db = layer_norm_backward(dy, x, features, w)
        np.testing.assert_allclose(dx, x_t.grad.numpy(), **tol)
        np.testing.assert_allclose(db, b_t.grad.numpy(), **tol)
        if affine:
            np.testing.assert_allclose(dw, w_t.grad.numpy(), **tol)
        else:
            assert dw is None


@pytest.mark.parametrize("conv", [False, True])
def test_fold_batch_norm_matches_torch_layers_in_eval(conv) -> None:
    torch.manual_seed(0)
    if conv:
        layer, norm = torch.nn.Conv2d(3, 4, 3, bias=False), torch.nn.BatchNorm2d(4)
        x = torch.randn(2, 3, 6, 6)
    else:
        layer, norm = torch.nn.Linear(5, 4), torch.nn.BatchNorm1d(4)
        x = torch.randn(7, 5)
    model = torch.nn.Sequential(layer, norm)
    model.train()
    for _ in range(3):
        model(x * 2 + 1)
    with torch.no_grad():
        norm.weight.uniform_(0.5, 2)
        norm.bias.uniform_(-1, 1)
    model.eval()
    bias = None if layer.bias is None else layer.bias.detach().numpy()
    folded_weight, folded_bias = fold_batch_norm(
        layer.weight.detach().numpy(), bias, norm.running_mean.numpy(), norm.running_var.numpy(),
        norm.weight.detach().numpy(), norm.bias.detach().numpy(), norm.eps,
    )
    if conv:
        fused = F.conv2d(x, t(folded_weight), t(folded_bias))
    else:
        fused = F.linear(x, t(folded_weight), t(folded_bias))
    np.testing.assert_allclose(fused.detach().numpy(), model(x).detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("layer", "size", "module"),
    [
        ("batch_norm", 16, lambda affine: torch.nn.BatchNorm1d(16, **affine)),
        ("instance_norm", 16, lambda affine: torch.nn.InstanceNorm1d(16, **affine)),
        ("group_norm", 16, lambda affine: torch.nn.GroupNorm(4, 16, **affine)),
        ("layer_norm", (3, 7), lambda affine: torch.nn.LayerNorm((3, 7), **{"elementwise_affine": v for v in affine.values()})),
        ("rms_norm", (3, 7), lambda affine: torch.nn.RMSNorm((3, 7), **{"elementwise_affine": v for v in affine.values()})),
    ],
)
@pytest.mark.parametrize("affine", [None, False, True])
def test_parameter_count_matches_torch_modules(layer, size, module, affine) -> None:
    kwargs = {} if affine is None else {"affine": affine}
    expected = sum(p.numel() for p in module(kwargs).parameters())
    assert parameter_count(layer, size, affine=affine) == expected


@pytest.mark.parametrize("case", list(EMPTY_CASES))
def test_empty_inputs_give_what_torch_gives(case) -> None:
    shape, ours, theirs = EMPTY_CASES[case]
    x = np.zeros(shape, np.float32)
    expected = theirs(torch, t(x))
    assert tuple(expected.shape) == shape
    assert ours(x).shape == shape


def test_an_empty_batch_keeps_torchs_running_buffers_and_counts_in_the_module() -> None:
    running_mean, running_var = np.full(3, 0.5, np.float32), np.full(3, 2.0, np.float32)
    torch_mean, torch_var = t(running_mean.copy()), t(running_var.copy())
    for shape in ((0, 3), (0, 3, 4), (2, 3, 0)):
        batch_norm(np.zeros(shape, np.float32), running_mean, running_var, training=True)
        F.batch_norm(torch.zeros(shape), torch_mean, torch_var, training=True)
    np.testing.assert_array_equal(running_mean, torch_mean.numpy())
    np.testing.assert_array_equal(running_var, torch_var.numpy())
    ours, theirs = BatchNorm(2, momentum=None), torch.nn.BatchNorm1d(2, momentum=None)
    for x in (np.zeros((0, 2), np.float32), np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)):
        ours(x)
        theirs(t(x))
    assert ours.num_batches_tracked == int(theirs.num_batches_tracked) == 2
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy())
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy())


def test_instance_norm_of_no_samples_keeps_the_buffers_where_torch_writes_nan() -> None:
    # A documented difference: PyTorch 2.13 averages the per-instance statistics
    # over 0 instances and stores NaN, poisoning every later eval call. We keep
    # the buffers, as PyTorch's own batch_norm does for an empty batch (and as
    # its instance_norm does for instances with no positions).
    running_mean, running_var = np.zeros(4, np.float32), np.ones(4, np.float32)
    torch_mean, torch_var = t(running_mean.copy()), t(running_var.copy())
    instance_norm(np.zeros((0, 4, 3), np.float32), running_mean, running_var)
    F.instance_norm(torch.zeros(0, 4, 3), torch_mean, torch_var)
    assert torch.isnan(torch_mean).all() and torch.isnan(torch_var).all()
    np.testing.assert_array_equal(running_mean, 0)
    np.testing.assert_array_equal(running_var, 1)
    torch_mean, torch_var = torch.zeros(4), torch.ones(4)
    F.instance_norm(torch.zeros(2, 4, 0), torch_mean, torch_var)
    assert (torch_mean == 0).all() and (torch_var == 1).all()


@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize(("layer", "shape"), [("batch", (0, 3)), ("batch", (2, 3, 0)), ("layer", (0, 3)), ("layer", (4, 0, 3))])
def test_backward_of_empty_inputs_matches_autograd(layer, shape, affine) -> None:
    x, w = np.zeros(shape, np.float32), np.ones(3, np.float32) if affine else None
    x_t = t(x).requires_grad_(True)
    w_t = t(w).requires_grad_(True) if affine else None
    b_t = torch.zeros(3, requires_grad=True)
    if layer == "batch":
        y = F.batch_norm(x_t, None, None, w_t, b_t, training=True)
        dx, dw, db = batch_norm_backward(x, x, w)
    else:
        y = F.layer_norm(x_t, (3,), w_t, b_t)
        dx, dw, db = layer_norm_backward(x, x, 3, w)
    y.backward(torch.zeros_like(y))
    assert dx.shape == tuple(x_t.grad.shape)
    np.testing.assert_array_equal(db, b_t.grad.numpy())
    if affine:
        np.testing.assert_array_equal(dw, w_t.grad.numpy())


def test_errors_around_empty_inputs_are_torchs() -> None:
    for call in (
        lambda: F.batch_norm(torch.zeros(1, 0), None, None, training=True),
        lambda: F.instance_norm(torch.zeros(0, 4, 1)),
    ):
        with pytest.raises(ValueError, match="Expected more than 1"):
            call()
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(torch.zeros(2, 4, 0), 3)
    with pytest.raises(RuntimeError, match="at least 1-dimensional"):
        F.layer_norm(torch.zeros(2, 0), ())


def test_fold_of_empty_layers_matches_torchs_fusion() -> None:
    from torch.nn.utils.fusion import fuse_conv_bn_weights, fuse_linear_bn_weights

    mean, var, gamma, beta = t(np.array([1.0, 0.0], np.float32)), torch.tensor([3.0, 0.0]), torch.tensor([2.0, 1.0]), torch.tensor([0.5, -0.5])
    weight, bias = torch.zeros(2, 0), torch.tensor([1.0, 2.0])
    ours = fold_batch_norm(weight.numpy(), bias.numpy(), mean.numpy(), var.numpy(), gamma.numpy(), beta.numpy(), 1.0)
    theirs = fuse_linear_bn_weights(weight, bias, mean, var, 1.0, gamma, beta)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b.detach().numpy(), rtol=1e-6)
    conv = torch.zeros(0, 3, 3, 3)
    ours = fold_batch_norm(conv.numpy(), None, np.zeros(0), np.ones(0), np.ones(0), np.zeros(0))
    theirs = fuse_conv_bn_weights(conv, None, torch.zeros(0), torch.ones(0), 1e-5, torch.ones(0), torch.zeros(0))
    assert ours[0].shape == tuple(theirs[0].shape) and ours[1].shape == tuple(theirs[1].shape)
