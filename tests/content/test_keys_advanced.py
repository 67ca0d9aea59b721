"""Answer keys of content/training-dynamics.yaml and content/under-the-hood.yaml, recomputed.

Every fixed number in an answer (numeric questions, and formulas or facts a
choice key relies on) is recomputed here with ``normquiz.core`` or, where the
arithmetic itself is the point, with plain NumPy.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
import yaml

from normquiz import core

CONTENT = Path(__file__).resolve().parents[2] / "content"
DYNAMICS = "training-dynamics.yaml"
HOOD = "under-the-hood.yaml"


@cache
def _questions(filename: str) -> dict[str, dict]:
    with open(CONTENT / filename, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    return {question["id"]: question for question in document["questions"]}


def question(filename: str, question_id: str) -> dict:
    questions = _questions(filename)
    assert question_id in questions, f"{question_id} is missing from {filename}"
    return questions[question_id]


def numeric_key(filename: str, question_id: str) -> tuple[float, float]:
    q = question(filename, question_id)
    assert q["type"] == "numeric"
    return float(q["answer"]), float(q["tolerance"])


def assert_numeric(filename: str, question_id: str, value: float) -> None:
    answer, tolerance = numeric_key(filename, question_id)
    assert abs(value - answer) <= max(tolerance, 1e-12), (question_id, value, answer)


def correct_texts(filename: str, question_id: str) -> list[str]:
    return [c["text"] for c in question(filename, question_id)["choices"] if c.get("correct")]


# ---------------------------------------------------------------- training-dynamics.yaml


def test_batch_mean_jitter_for_batch_of_16():
    rng = np.random.default_rng(0)
    batches = rng.standard_normal((200_000, 16))
    empirical = batches.mean(axis=1).std()
    assert_numeric(DYNAMICS, "dyn-noise-batch-mean-std", 1 / np.sqrt(16))
    assert abs(empirical - 0.25) < 0.005


def test_inverted_dropout_doubles_the_variance_and_bn_records_it():
    keep = 0.5
    assert_numeric(DYNAMICS, "dyn-dropout-variance-numeric", 1 / keep)
    rng = np.random.default_rng(1)
    layer = core.BatchNorm(1, momentum=None)  # cumulative average over all batches
    for _ in range(400):
        x = rng.standard_normal((256, 1))
        mask = rng.random((256, 1)) < keep
        layer(x * mask / keep)
    # the running variance a BN after dropout learns is ~2, though test-time inputs have variance 1
    assert abs(float(layer.running_var[0]) - 2.0) < 0.05


def test_inverted_dropout_keeps_the_mean_not_the_variance():
    assert question(DYNAMICS, "dyn-inverted-dropout-moments")["answer"] is False
    rng = np.random.default_rng(2)
    keep = 0.8
    x = 3.0 + rng.standard_normal(2_000_000)
    y = x * (rng.random(x.shape) < keep) / keep
    assert abs(y.mean() - x.mean()) < 0.01
    # (c² + v)/p − c² with c = 3, v = 1
    assert abs(y.var() - ((9 + 1) / keep - 9)) < 0.05


def test_bn_output_is_invariant_to_weight_scale():
    rng = np.random.default_rng(3)
    z = rng.standard_normal((32, 5))
    # "ignoring the tiny ε": with ε → 0 the outputs agree; with ε = 1e-5 they differ by ~1e-5
    np.testing.assert_allclose(core.batch_norm(10 * z, training=True, eps=1e-12),
                               core.batch_norm(z, training=True, eps=1e-12), atol=1e-9)
    np.testing.assert_allclose(core.batch_norm(10 * z, training=True),
                               core.batch_norm(z, training=True), atol=1e-4)
    assert correct_texts(DYNAMICS, "dyn-scale-invariance-basic") == ["Nothing; it is unchanged"]


def test_syncbn_statistics_count():
    gpus, per_gpu, h, w = 8, 2, 14, 14
    shape = (gpus * per_gpu, 3, h, w)
    per_channel = int(np.prod([shape[axis] for axis in (0, 2, 3)]))
    assert_numeric(DYNAMICS, "dyn-syncbn-count", per_channel)
    # core's batch norm over the global batch really pools N, H and W per channel
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape)
    stats = core.normalization_statistics(x, "batch")
    np.testing.assert_allclose(np.ravel(stats.mean), x.mean(axis=(0, 2, 3)), atol=1e-12)


def test_ghost_batch_count():
    assert_numeric(DYNAMICS, "dyn-ghost-batch-count", 4096 // 128)


def test_batch_renorm_matches_inference_when_unclipped():
    assert question(DYNAMICS, "dyn-batch-renorm-matches-inference")["answer"] is True
    rng = np.random.default_rng(5)
    x = 2.0 + 3.0 * rng.standard_normal(8)
    mu_b, sigma_b = x.mean(), x.std()
    mu, sigma = 1.5, 2.5  # moving averages, deliberately different
    r, d = sigma_b / sigma, (mu_b - mu) / sigma
    np.testing.assert_allclose((x - mu_b) / sigma_b * r + d, (x - mu) / sigma, atol=1e-12)


def test_grad_accumulation_keeps_micro_batch_statistics():
    """Normalizing 8 micro-batches of 2 is not normalizing one batch of 16."""
    assert question(DYNAMICS, "dyn-grad-accumulation-bn")["answer"] is False
    rng = np.random.default_rng(6)
    x = rng.standard_normal((16, 3))
    whole = core.batch_norm(x, training=True)
    pieces = np.concatenate([core.batch_norm(x[i:i + 2], training=True) for i in range(0, 16, 2)])
    assert not np.allclose(whole, pieces, atol=1e-3)


# ---------------------------------------------------------------- under-the-hood.yaml


def test_fold_numeric_bias_of_a_convolution_without_bias():
    rng = np.random.default_rng(3)
    weight = rng.standard_normal((1, 2, 3, 3))  # one output channel of a 3x3 conv, no bias
    running_mean, running_var = np.array([1.0]), np.array([3.99999])
    gamma, beta = np.array([1.5]), np.array([0.5])
    folded_weight, folded_bias = core.fold_batch_norm(weight, None, running_mean, running_var, gamma, beta)
    assert_numeric(HOOD, "hood-fold-numeric", float(folded_bias[0]))
    np.testing.assert_allclose(folded_weight, 0.75 * weight)  # quoted in the explanation
    # conv(x) + b' equals BN(conv(x)) for a patch: the fused layer needs that bias
    patch = rng.standard_normal((2, 3, 3))
    z = np.array([[float((weight[0] * patch).sum())]])
    fused = float((folded_weight[0] * patch).sum() + folded_bias[0])
    assert abs(fused - float(core.batch_norm(z, running_mean, running_var, gamma, beta)[0, 0])) < 1e-9


def test_fold_formula_choice_matches_core():
    assert correct_texts(HOOD, "hood-fold-formula") == [
        "w' = γ·w/√(σ² + ε),  b' = γ·(b − μ)/√(σ² + ε) + β"
    ]
    rng = np.random.default_rng(7)
    w, b = rng.standard_normal((4, 3)), rng.standard_normal(4)
    mu, var = rng.standard_normal(4), rng.random(4) + 0.5
    gamma, beta, eps = rng.standard_normal(4), rng.standard_normal(4), 1e-5
    folded_w, folded_b = core.fold_batch_norm(w, b, mu, var, gamma, beta, eps=eps)
    s = gamma / np.sqrt(var + eps)
    np.testing.assert_allclose(folded_w, s[:, None] * w)
    np.testing.assert_allclose(folded_b, s * (b - mu) + beta)


def test_fold_scales_whole_output_channel_filters():
    rng = np.random.default_rng(8)
    w = rng.standard_normal((5, 3, 3, 3))
    mu, var = rng.standard_normal(5), rng.random(5) + 0.5
    gamma, beta = rng.standard_normal(5), rng.standard_normal(5)
    folded_w, _ = core.fold_batch_norm(w, None, mu, var, gamma, beta)
    s = gamma / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(folded_w, w * s[:, None, None, None])
    assert correct_texts(HOOD, "hood-fold-conv-slices")[0].startswith("All C_in·k·k weights of output channel c")


def test_ln_affine_folds_into_the_next_linear_layer():
    assert question(HOOD, "hood-ln-affine-fold-next")["answer"] is True
    rng = np.random.default_rng(9)
    x = rng.standard_normal((6, 8))
    gamma, beta = rng.standard_normal(8), rng.standard_normal(8)
    w, b = rng.standard_normal((4, 8)), rng.standard_normal(4)
    reference = core.layer_norm(x, (8,), gamma, beta) @ w.T + b
    merged = core.layer_norm(x, (8,)) @ (w * gamma).T + (w @ beta + b)
    np.testing.assert_allclose(merged, reference, atol=1e-10)


def test_bn_gradient_sums_to_zero_for_the_given_numbers():
    x = np.array([1.0, 2.0, 4.0, 9.0]).reshape(4, 1)
    dy = np.array([0.3, -1.2, 2.0, 0.5]).reshape(4, 1)
    dx, _, _ = core.batch_norm_backward(dy, x, weight=np.array([2.0]), eps=1e-5)
    assert_numeric(HOOD, "hood-grad-sum-numeric", float(dx.sum()))
    assert np.all(np.abs(dx) > 1e-3)  # "the individual gradients are not zero"


def test_bn_backward_choice_matches_core():
    key = correct_texts(HOOD, "hood-bn-backward-formula")
    assert key == ["(γ/σ̂)·(dyᵢ − mean(dy) − x̂ᵢ·mean(dy·x̂))"]
    rng = np.random.default_rng(10)
    x, dy, gamma, eps = rng.standard_normal((7, 1)) * 2 + 1, rng.standard_normal((7, 1)), 1.7, 1e-5
    dx, dgamma, dbeta = core.batch_norm_backward(dy, x, weight=np.array([gamma]), eps=eps)
    sigma_hat = np.sqrt(x.var() + eps)
    x_hat = (x - x.mean()) / sigma_hat
    keyed = gamma / sigma_hat * (dy - dy.mean() - x_hat * (dy * x_hat).mean())
    np.testing.assert_allclose(dx, keyed, atol=1e-10)
    np.testing.assert_allclose(dgamma, (dy * x_hat).sum(axis=0), atol=1e-10)
    np.testing.assert_allclose(dbeta, dy.sum(axis=0), atol=1e-10)
    # each distractor really differs from the true gradient
    for wrong in (gamma / sigma_hat * dy,
                  gamma / sigma_hat * (dy - dy.mean()),
                  gamma / sigma_hat * (dy - x_hat * (dy * x_hat).mean())):
        assert not np.allclose(wrong, dx, atol=1e-3)


def test_ln_gradient_orthogonality_claims():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 6)) * 3 + 2
    gamma = rng.standard_normal(6)
    dy = rng.standard_normal((3, 6))
    dx, _, _ = core.layer_norm_backward(dy, x, (6,), gamma, eps=1e-12)
    np.testing.assert_allclose(dx.sum(axis=1), 0, atol=1e-9)
    np.testing.assert_allclose((dx * x).sum(axis=1), 0, atol=1e-8)
    # distractors: dx is not γ·dy/σ, and a single non-zero dy spreads over the row
    sigma = x.std(axis=1, keepdims=True)
    assert not np.allclose(dx, gamma * dy / sigma, atol=1e-3)
    one_hot = np.zeros_like(dy)
    one_hot[:, 0] = 1.0
    dx_one, _, _ = core.layer_norm_backward(one_hot, x, (6,), gamma, eps=1e-12)
    assert np.all(np.abs(dx_one[:, 1:]) > 1e-6)
    assert sorted(correct_texts(HOOD, "hood-grad-orthogonality")) == ["Σⱼ dxⱼ = 0", "Σⱼ dxⱼ·xⱼ = 0"]


def test_bn_couples_gradients_across_examples():
    assert question(HOOD, "hood-bn-gradient-coupling")["answer"] is True
    rng = np.random.default_rng(12)
    x = rng.standard_normal((5, 2))
    dy = np.zeros_like(x)
    dy[0] = rng.standard_normal(2)  # a loss that only involves example 0
    dx, _, _ = core.batch_norm_backward(dy, x)
    assert np.all(np.abs(dx[1:]) > 1e-6)


def test_saved_statistics_count():
    batch, time, model_dim = 8, 1024, 4096
    assert_numeric(HOOD, "hood-cache-stats-numeric", 2 * batch * time)
    # core's layer-norm statistics have one mean and one variance per row (checked on a small proxy)
    stats = core.normalization_statistics(np.ones((2, 3, 4)) + np.arange(4), "layer", normalized_shape=(4,))
    assert np.size(stats.mean) == 2 * 3 and np.size(stats.var) == 2 * 3
    assert batch * time * model_dim // (2 * batch * time) == model_dim // 2


def test_float32_spacing_near_1e8():
    assert_numeric(HOOD, "hood-float32-spacing", float(np.spacing(np.float32(1e8))))


def test_naive_variance_fails_in_float32_and_core_does_not():
    rng = np.random.default_rng(13)
    x = (10_000.0 + rng.standard_normal((4096, 1))).astype(np.float32)
    reference = x.astype(np.float64).var()
    naive = float((x ** 2).mean() - x.mean() ** 2)
    assert abs(naive - reference) > reference  # error larger than the variance itself
    stable = float(np.ravel(core.normalization_statistics(x, "batch").var)[0])
    assert abs(stable - reference) <= 1e-3 * reference
    two_pass = float(((x - x.mean()) ** 2).mean())
    assert abs(two_pass - reference) <= 1e-3 * reference


def test_welford_order_gives_the_variance():
    items = question(HOOD, "hood-welford-order")["items"]
    assert items[0].startswith("Compute δ = x − mean") and "updated mean" in items[2]
    rng = np.random.default_rng(14)
    values = 1e4 + rng.standard_normal(1000)
    n, mean, m2 = 0, 0.0, 0.0
    for value in values:
        delta = value - mean
        n += 1
        mean += delta / n
        m2 += delta * (value - mean)
    np.testing.assert_allclose(m2 / n, values.var(), rtol=1e-9)
    np.testing.assert_allclose(m2 / (n - 1), values.var(ddof=1), rtol=1e-9)


def test_chan_merge_formula():
    assert correct_texts(HOOD, "hood-chan-merge") == ["M2 = M2_a + M2_b + δ²·n_a·n_b/n"]
    rng = np.random.default_rng(15)
    a, b = rng.standard_normal(7) + 3, rng.standard_normal(12) - 1
    n_a, n_b, n = a.size, b.size, a.size + b.size
    m2_a, m2_b = ((a - a.mean()) ** 2).sum(), ((b - b.mean()) ** 2).sum()
    delta = b.mean() - a.mean()
    truth = ((np.concatenate([a, b]) - np.concatenate([a, b]).mean()) ** 2).sum()
    np.testing.assert_allclose(m2_a + m2_b + delta ** 2 * n_a * n_b / n, truth)
    for wrong in (m2_a + m2_b, m2_a + m2_b + delta ** 2 * n, (m2_a + m2_b) / 2):
        assert not np.isclose(wrong, truth)
    # the same law of total variance is what core uses to merge partial moments
    mean, m2 = core.moments.combine_moments(np.array([a.mean(), b.mean()]), np.array([m2_a, m2_b]),
                                            np.array([n_a, n_b]))
    np.testing.assert_allclose(m2, truth)


def test_float16_square_overflow():
    with np.errstate(over="ignore"):
        assert np.isfinite(np.float16(255) * np.float16(255))
        assert np.isinf(np.float16(256) * np.float16(256))
    assert float(np.finfo(np.float16).max) == 65504.0
    assert_numeric(HOOD, "hood-fp16-square-overflow", 256)


def test_axis_zero_code_is_batch_norm_and_axis_one_is_layer_norm():
    assert question(HOOD, "hood-bug-per-example-basic")["answer"] is True
    rng = np.random.default_rng(16)
    x = rng.standard_normal((5, 4))
    shown = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
    np.testing.assert_allclose(shown, core.batch_norm(x, training=True), atol=1e-10)
    per_example = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(per_example, core.layer_norm(x, (4,)), atol=1e-10)
    with pytest.raises(ValueError):  # axis=1 without keepdims: (5, 4) - (5,) does not broadcast
        x - x.mean(axis=1)


def test_image_axes_bug_is_instance_norm():
    rng = np.random.default_rng(17)
    x = rng.standard_normal((3, 4, 5, 5))

    def normalize(axes):
        return (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + 1e-5)

    np.testing.assert_allclose(normalize((2, 3)), core.instance_norm(x), atol=1e-10)
    np.testing.assert_allclose(normalize((0, 2, 3)), core.batch_norm(x, training=True), atol=1e-10)
    np.testing.assert_allclose(normalize((1, 2, 3)), core.layer_norm(x, (4, 5, 5)), atol=1e-10)
    np.testing.assert_allclose(normalize((2, 3)), core.group_norm(x, 4), atol=1e-10)  # GN with G = C
    assert correct_texts(HOOD, "hood-bug-instance-axes")[0].startswith("Instance normalization")


def test_sequence_axis_bug_leaks_future_tokens():
    rng = np.random.default_rng(18)
    x = rng.standard_normal((1, 5, 4))
    later_changed = x.copy()
    later_changed[0, 4] += 3.0  # change only the last token

    def buggy(v):
        return (v - v.mean(axis=1, keepdims=True)) / np.sqrt(v.var(axis=1, keepdims=True) + 1e-5)

    assert not np.allclose(buggy(x)[0, 0], buggy(later_changed)[0, 0])  # token 0 sees token 4
    np.testing.assert_allclose(core.layer_norm(x, (4,))[0, 0], core.layer_norm(later_changed, (4,))[0, 0])


def test_running_stats_move_when_evaluating_in_training_mode():
    layer = core.BatchNorm(1)
    layer(np.array([[5.0], [6.0], [5.0]]))
    layer(np.array([[1.0], [0.0], [6.0]]))
    assert abs(float(layer.running_mean[0]) - 0.7133333) < 1e-5  # the rendered example's value


def test_cancellation_example_numbers():
    """hood-cancellation-basic: the float32 values and the 17% error quoted in the explanation."""
    a, b = np.float32(100000.03), np.float32(100000.01)
    assert float(a) == 100000.03125 and float(b) == 100000.0078125
    assert float(np.spacing(np.float32(1e5))) == 1 / 128
    difference = float(a - b)
    assert abs(difference - 0.0234) < 1e-4
    assert abs(difference / 0.02 - 1 - 0.17) < 0.01
    assert max(abs(float(a) - 100000.03), abs(float(b) - 100000.01)) / 1e5 < 3e-8


def test_precise_bn_momentum_zero_freezes_pytorch_running_stats():
    """dyn-precise-bn distractor: PyTorch momentum 0 leaves the buffers at their initial values."""
    layer = core.BatchNorm(1, momentum=0.0)
    layer(np.array([[5.0], [7.0], [9.0]]))
    assert float(layer.running_mean[0]) == 0.0 and float(layer.running_var[0]) == 1.0
