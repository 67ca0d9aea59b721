"""Keys of the review fixes and of the senior-interviewer questions, recomputed.

Each number in an answer is recomputed with ``normquiz.core`` or NumPy, and
each claim about PyTorch's behaviour is checked by running PyTorch.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from normquiz import core
from tests.content.bank_keys import assert_numeric, correct_texts, question

torch = pytest.importorskip("torch")
nn = torch.nn


# ------------------------------------------------------------ review fixes


def test_zero_variance_output_is_beta_and_pytorch_statistics_are_exact() -> None:
    x = np.full((8, 1), 7.0)
    assert_numeric("bn-zero-variance-output", float(core.batch_norm(
        x, None, None, np.array([2.0]), np.array([0.5]), training=True)[0, 0]))
    mean, var = torch.batch_norm_update_stats(torch.full((8, 1), 7.0), None, None, 0.1)
    assert mean.item() == 7.0 and var.item() == 0.0  # "the statistics are not to blame"
    y = nn.functional.batch_norm(torch.full((8, 1), 7.0), None, None, torch.tensor([2.0]),
                                 torch.tensor([0.5]), training=True)
    assert y[0, 0].item() == pytest.approx(0.5 + 2 ** -14, abs=1e-9)  # the 0.50006 quoted
    with_gamma_3 = nn.functional.batch_norm(torch.full((8, 1), 7.0), None, None, torch.tensor([3.0]),
                                            torch.tensor([0.5]), training=True)
    assert with_gamma_3[0, 0].item() - 0.5 != y[0, 0].item() - 0.5  # "its size changes with γ"


def test_running_average_time_constant_numbers() -> None:
    assert 1 - 0.9 ** 10 == pytest.approx(0.65, abs=0.005)
    assert 1 - 0.9 ** 22 == pytest.approx(0.90, abs=0.005)
    assert 0.9 ** 43 > 0.01 > 0.9 ** 44
    assert math.ceil(math.log(0.01) / math.log(0.99)) == 459
    text = question("bn-pytorch-momentum-rule")["explanation"]
    assert "few dozen" not in text and "10 batches" in text


def test_batch_size_one_is_refused_by_verify_batch_size() -> None:
    source = inspect.getsource(nn.functional._verify_batch_size)
    assert "Expected more than 1 value per channel when training" in source
    assert "_verify_batch_size" in " ".join(question("fam-bn-batch-size-one")["references"])
    assert "_verify_batch_size" in " ".join(question("seq-bn-autoregressive-decoding")["references"])
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm2d(16)(torch.randn(1, 16, 1, 1))
    nn.BatchNorm2d(16)(torch.randn(1, 16, 7, 7))  # the choice that must not raise


def test_ordering_questions_have_one_defensible_order() -> None:
    assert len(question("fam-rms-steps")["items"]) == 4  # division and gain are one step: they commute
    x, g = np.array([1.0, -2.0, 3.0]), np.array([0.5, 2.0, 1.5])
    rms = np.sqrt(np.mean(x ** 2) + 1e-5)
    np.testing.assert_allclose(x / rms * g, x * g / rms)
    np.testing.assert_allclose(x / rms * g, core.rms_norm(x[None], (3,), g, eps=1e-5)[0])
    assert question("hood-fold-ordering")["items"][3].startswith("Replace the convolution")


def test_frozen_parameters_do_not_freeze_running_statistics() -> None:
    assert question("hood-no-grad-not-eval")["answer"] is False
    backbone = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    backbone.requires_grad_(False)
    backbone.train()
    before = backbone[1].running_mean.clone()
    backbone(torch.randn(8, 3, 9, 9) + 2.0)
    assert not torch.equal(before, backbone[1].running_mean)  # still updated
    backbone[1].eval()
    frozen = backbone[1].running_mean.clone()
    backbone(torch.randn(8, 3, 9, 9) + 2.0)
    assert torch.equal(frozen, backbone[1].running_mean)
    backbone.train()  # the trap: train() turns BN's training flag back on
    assert backbone[1].training


def test_state_dict_of_batchnorm2d_64() -> None:
    assert_numeric("bn-param-count", sum(t.numel() for t in nn.BatchNorm2d(64).state_dict().values()))


# ------------------------------------------------------- batch-norm.yaml, new


def _plain_deep_network_gradients(depth: int, with_bn: bool) -> list[float]:
    torch.manual_seed(0)
    width = 256
    layers = [nn.Linear(width, width, bias=False) for _ in range(depth)]
    for layer in layers:
        nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    norms = [nn.BatchNorm1d(width) for _ in range(depth)]
    h = torch.randn(128, width)
    for layer, norm in zip(layers, norms):
        h = torch.relu(norm(layer(h)) if with_bn else layer(h))
    h.pow(2).mean().backward()
    return [layers[i].weight.grad.norm().item() for i in (0, depth // 2, depth - 1)]


def test_bn_without_skips_explodes_gradients_at_initialization() -> None:
    assert "exponentially" in correct_texts("bn-yang-gradient-explosion")[0]
    first, _, last = _plain_deep_network_gradients(50, with_bn=True)
    assert first / last > 100  # "more than a hundred times larger"
    plain = _plain_deep_network_gradients(50, with_bn=False)
    assert max(plain) / min(plain) < 10  # "within a small factor"


def test_zero_gamma_residual_block_starts_as_identity_and_gamma_still_learns() -> None:
    torch.manual_seed(1)
    conv, bn = nn.Conv2d(4, 4, 3, padding=1), nn.BatchNorm2d(4)
    nn.init.zeros_(bn.weight)
    x = torch.randn(8, 4, 6, 6)
    y = torch.relu(x + bn(conv(x)))
    torch.testing.assert_close(y, torch.relu(x))  # each block is the identity (up to the ReLU)
    y.pow(2).sum().backward()
    assert bn.weight.grad.abs().sum() > 0  # ∂L/∂γ = Σ dy·x̂ is not zero
    assert conv.weight.grad.abs().sum() == 0  # nothing flows through γ = 0 until it moves
    assert question("bn-zero-gamma-gradient")["answer"] is False


def test_scale_invariance_gradient_orthogonal_and_inversely_scaled() -> None:
    torch.manual_seed(2)
    x, target = torch.randn(32, 5, dtype=torch.float64), torch.randn(32, 3, dtype=torch.float64)

    def gradient(scale: float) -> tuple[torch.Tensor, torch.Tensor]:
        torch.manual_seed(3)
        w = (torch.randn(3, 5, dtype=torch.float64) * scale).requires_grad_(True)
        bn = nn.BatchNorm1d(3, eps=1e-12, dtype=torch.float64)  # ε ≈ 0: exact scale invariance
        ((bn(x @ w.T) - target) ** 2).mean().backward()
        return w.detach(), w.grad

    w, g = gradient(1.0)
    _, g2 = gradient(2.0)
    assert abs(float((w * g).sum())) < 1e-8  # orthogonal to w
    torch.testing.assert_close(g2, g / 2, rtol=1e-6, atol=1e-9)  # ∇L(a·w) = ∇L(w)/a
    stepped = w - 0.5 * g
    assert stepped.norm() > w.norm()  # plain SGD only grows the norm
    texts = correct_texts("bn-weight-decay-effective-lr")
    assert any("η / ‖w‖²" in text for text in texts) and len(texts) == 3


def test_porting_conventions() -> None:
    assert nn.BatchNorm1d(4).eps == 1e-5 and nn.BatchNorm1d(4).momentum == 0.1
    assert 1 - 0.99 == pytest.approx(0.01)
    keras_style = 0.99 * 1.0 + (1 - 0.99) * 3.0
    torch_style = (1 - 0.01) * 1.0 + 0.01 * 3.0
    assert keras_style == pytest.approx(torch_style)
    assert len(correct_texts("bn-port-checklist")) == 3


def test_backward_with_frozen_statistics() -> None:
    bn = nn.BatchNorm1d(1, dtype=torch.float64).eval()
    with torch.no_grad():
        bn.running_var.fill_(3.99999)
        bn.weight.fill_(1.5)
        bn.running_mean.fill_(0.7)
    x = torch.randn(4, 1, dtype=torch.float64, requires_grad=True)
    upstream = torch.tensor([[1.0], [2.0], [3.0], [2.0]], dtype=torch.float64)
    bn(x).backward(upstream)
    torch.testing.assert_close(x.grad, 0.75 * upstream)
    assert_numeric("bn-frozen-backward-sum", float(x.grad.sum()))
    bn.train()
    x.grad = None
    bn(x).backward(upstream)
    assert abs(float(x.grad.sum())) < 1e-9  # training mode: the sum is 0


def test_ported_eps_changes_the_output_by_tens_of_percent() -> None:
    variance = 0.001
    ratio = math.sqrt((variance + 1e-3) / (variance + 1e-5))
    assert 1.3 < ratio < 1.5


# ------------------------------------------------ training-dynamics.yaml, new


def test_syncbn_statistics_from_per_device_summaries_are_exact() -> None:
    rng = np.random.default_rng(4)
    devices = [rng.normal(3.0, 2.0, size=(n, 5)) for n in (2, 3, 2, 5)]  # uneven per-device batches
    counts = np.array([len(d) for d in devices], dtype=float)
    means = np.array([d.mean(axis=0) for d in devices])
    invstd = np.array([1 / np.sqrt(d.var(axis=0) + 1e-5) for d in devices])
    var = 1 / invstd ** 2 - 1e-5
    global_mean = (counts[:, None] * means).sum(axis=0) / counts.sum()
    global_var = (counts[:, None] * (var + (means - global_mean) ** 2)).sum(axis=0) / counts.sum()
    whole = np.concatenate(devices)
    np.testing.assert_allclose(global_mean, whole.mean(axis=0))
    np.testing.assert_allclose(global_var, whole.var(axis=0), rtol=1e-9)


def test_syncbn_backward_needs_only_two_global_sums() -> None:
    rng = np.random.default_rng(5)
    x, dy = rng.normal(size=(12, 3)), rng.normal(size=(12, 3))
    gamma = np.array([0.5, 1.0, 2.0])
    dx, _, _ = core.batch_norm_backward(dy, x, gamma)
    shards = np.split(np.arange(12), 4)
    mean, rstd = x.mean(axis=0), 1 / np.sqrt(x.var(axis=0) + 1e-5)
    sum_dy = sum(dy[i].sum(axis=0) for i in shards)  # the all-reduced sums
    sum_dy_xmu = sum((dy[i] * (x[i] - mean)).sum(axis=0) for i in shards)
    for i in shards:  # each device's own dx from the global sums
        xhat = (x[i] - mean) * rstd
        local = gamma * rstd * (dy[i] - sum_dy / 12 - xhat * sum_dy_xmu * rstd / 12)
        np.testing.assert_allclose(local, dx[i], atol=1e-10)


def test_syncbn_source_exchanges_what_the_questions_say() -> None:
    from torch.nn.modules import _functions

    forward = inspect.getsource(_functions.SyncBatchNorm.forward)
    backward = inspect.getsource(_functions.SyncBatchNorm.backward)
    assert "torch.cat([mean, invstd, count]" in forward and "all_gather" in forward
    assert "sum_dy_xmu" in backward and "all_reduce" in backward


def test_ddp_broadcasts_buffers_by_default() -> None:
    assert question("dyn-ddp-buffers")["answer"] is False
    parameters = inspect.signature(nn.parallel.DistributedDataParallel.__init__).parameters
    default = parameters["broadcast_buffers"].default
    if default is None:  # newer PyTorch: forward_sync_buffers, None meaning True
        doc = " ".join((nn.parallel.DistributedDataParallel.__doc__ or "").split())
        assert "forward_sync_buffers" in doc and "When ``None``, defaults to ``True``" in doc
    else:
        assert default is True


def test_spectral_norm_makes_the_largest_singular_value_one() -> None:
    torch.manual_seed(6)
    layer = nn.utils.parametrizations.spectral_norm(nn.Linear(6, 4))
    for _ in range(30):  # each training-mode call runs one power-iteration step
        layer(torch.randn(2, 6))
    assert torch.linalg.matrix_norm(layer.weight, ord=2).item() == pytest.approx(1.0, abs=1e-3)
    out_alone = layer.eval()(torch.ones(1, 6))
    out_in_batch = layer(torch.cat([torch.ones(1, 6), torch.randn(5, 6)]))[:1]
    torch.testing.assert_close(out_alone, out_in_batch)  # no batch coupling


# --------------------------------------------------- under-the-hood.yaml, new


def test_fused_traffic_in_mib() -> None:
    elements = 8 * 2048 * 4096
    assert_numeric("hood-fused-norm-traffic", elements * (2 + 2) / 2 ** 20)
    assert 8 * 2048 * 8 == 128 * 1024  # the saved mean and rstd: 128 KiB


def test_bf16_accumulation_stalls_at_256() -> None:
    total = torch.zeros((), dtype=torch.bfloat16)
    one = torch.ones((), dtype=torch.bfloat16)
    for _ in range(4096):
        total = total + one
    assert_numeric("hood-bf16-accumulation", total.item())
    assert torch.ones(4096, dtype=torch.bfloat16).sum().item() == 4096  # PyTorch accumulates in fp32
    assert torch.finfo(torch.bfloat16).eps == 2 ** -7


def test_folding_a_bn_before_a_padded_conv_is_exact_only_in_the_interior() -> None:
    torch.manual_seed(7)
    bn = nn.BatchNorm2d(3).eval()
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 2)
        bn.bias.uniform_(-1, 1)
    conv = nn.Conv2d(3, 4, 3, padding=1)
    x = torch.randn(2, 3, 6, 6)
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    shift = bn.bias - scale * bn.running_mean
    fused = nn.Conv2d(3, 4, 3, padding=1)
    with torch.no_grad():
        fused.weight.copy_(conv.weight * scale.view(1, 3, 1, 1))  # input channels scaled
        fused.bias.copy_(conv.bias + (conv.weight * shift.view(1, 3, 1, 1)).sum(dim=(1, 2, 3)))
        difference = (fused(x) - conv(bn(x))).abs()
        padded = nn.functional.pad(x, (1, 1, 1, 1))
        padded = padded + (-shift / scale).view(1, 3, 1, 1) * (nn.functional.pad(torch.zeros_like(x), (1, 1, 1, 1),
                                                                                   value=1.0))
        exact = nn.functional.conv2d(padded, fused.weight, fused.bias) - conv(bn(x))
    assert difference[..., 1:-1, 1:-1].max() < 1e-5 and difference.max() > 1e-2
    assert exact.abs().max() < 1e-5  # padding with −t/s makes it exact everywhere
    assert correct_texts("hood-fold-before-conv")[0].startswith("Yes, except at the borders")


def test_every_numeric_key_of_these_files_is_recomputed_somewhere() -> None:
    """A numeric question in batch-norm, training-dynamics or under-the-hood needs an assert on its key."""
    import re
    from pathlib import Path

    import yaml

    folder = Path(__file__).parent
    tests = " ".join(path.read_text(encoding="utf-8") for path in folder.glob("test_*.py"))
    checked = set(re.findall(r'assert_numeric(?:_key)?\(\s*(?:[A-Z]+,\s*)?"([a-z0-9-]+)"', tests))
    content = folder.parents[1] / "content"
    for name in ("batch-norm.yaml", "training-dynamics.yaml", "under-the-hood.yaml"):
        for item in yaml.safe_load((content / name).read_text(encoding="utf-8"))["questions"]:
            if item["type"] == "numeric":
                assert item["id"] in checked, f"{name}: {item['id']} has no recomputed key"


def test_training_left_in_eval_mode_still_learns_but_freezes_bn_and_dropout() -> None:
    torch.manual_seed(8)
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
    model.eval()  # what the buggy loop leaves behind after the first validation
    before = model[1].running_mean.clone()
    x = torch.randn(16, 4) + 3.0
    out = model(x)
    out.pow(2).mean().backward()  # no error, gradients exist
    assert model[0].weight.grad is not None and model[0].weight.grad.abs().sum() > 0
    assert torch.equal(before, model[1].running_mean)  # buffers frozen
    torch.testing.assert_close(out, model[1](model[0](x)))  # dropout is the identity
    assert len(correct_texts("hood-forgot-eval-validation")) == 3
