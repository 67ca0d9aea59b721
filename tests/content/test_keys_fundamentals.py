"""Answer keys of the batch-norm and layer-norm question files, recomputed.

Every fixed number in ``content/batch-norm.yaml`` and ``content/layer-norm.yaml``
that is (part of) an answer is recomputed here with ``normquiz.core``, or with
plain arithmetic where the arithmetic is the point of the question. A wrong
answer key is the worst bug the product can have.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from normquiz.core import batch_norm, layer_norm, parameter_count
from tests.content.bank_keys import questions_of

FILES = ("batch-norm.yaml", "layer-norm.yaml")
EPS = 1e-5


def question(question_id: str) -> dict[str, Any]:
    return questions_of(*FILES)[question_id]


def assert_numeric_key(question_id: str, value: float) -> None:
    """The recomputed ``value`` is accepted by the question's own answer and tolerance."""
    q = question(question_id)
    assert q["type"] == "numeric", question_id
    tolerance = q["tolerance"]
    if isinstance(tolerance, dict):
        allowed = tolerance["relative"] * abs(q["answer"])
    else:
        allowed = tolerance
    assert abs(value - q["answer"]) <= allowed, (question_id, value, q["answer"])


def correct_choices(question_id: str) -> list[str]:
    return [choice["text"] for choice in question(question_id)["choices"] if choice.get("correct")]


def column(values: list[float]) -> np.ndarray:
    """A batch of one feature, shape (N, 1), in float64."""
    return np.asarray(values, dtype=np.float64).reshape(-1, 1)


def one_feature_buffers() -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's initial running buffers for one feature: mean 0, variance 1."""
    return np.zeros(1), np.ones(1)


# Numeric questions whose key a test below recomputes; a new numeric question
# in these files must get a test and be listed here.
RECOMPUTED_NUMERIC_KEYS = {
    "bn-count-values-per-mean", "bn-param-count", "bn-zero-variance-output",
    "bn-running-var-two-steps", "bn-train-eval-gap", "bn-paper-inference-var",
    "bn-eps-tiny-variance", "bn-ema-memory",
    "bn-frozen-backward-sum",  # recomputed in test_keys_senior.py
    "ln-count-means", "ln-param-count", "ln-value-numeric", "ln-constant-row",
    "ln-conv-param-count", "ln-transformer-count", "ln-eps-dominates",
}
# Recomputed in test_keys_depth.py (the senior-depth questions of issue 12).
RECOMPUTED_NUMERIC_KEYS |= {
    "ln-bf16-sum-stalls", "ln-port-eps-bert", "ln-massive-activation-output",
    "ln-massive-activation-sensitivity", "ln-sequence-statistics-numeric",
    "ln-output-norm-numeric", "ln-convnext-statistics-count", "ln-rms-large-offset",
}


def test_every_numeric_key_is_recomputed() -> None:
    numeric = {qid for qid, q in questions_of(*FILES).items() if q["type"] == "numeric"}
    assert numeric == RECOMPUTED_NUMERIC_KEYS


# ----------------------------------------------------------------- batch norm


def test_bn_count_values_per_mean() -> None:
    x = np.zeros((32, 64, 28, 28))
    per_channel = x.size // x.shape[1]  # everything but the channel axis is pooled
    assert per_channel == 32 * 28 * 28
    assert_numeric_key("bn-count-values-per-mean", per_channel)


def test_bn_state_dict_count() -> None:
    """Parameters (2C) plus buffers running_mean, running_var (2C) and num_batches_tracked (1)."""
    assert_numeric_key("bn-param-count", 2 * parameter_count("batch_norm", 64) + 1)


def test_bn_identity_recovery_choice_undoes_normalization() -> None:
    assert correct_choices("bn-identity-recovery") == ["γ = √(σ² + ε), β = μ"]
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(16, 3))
    mean, var = x.mean(axis=0), x.var(axis=0)
    y = batch_norm(x, weight=np.sqrt(var + EPS), bias=mean, training=True)
    np.testing.assert_allclose(y, x, rtol=1e-12, atol=1e-12)


def test_bn_keras_momentum_equivalent() -> None:
    (text,) = correct_choices("bn-keras-momentum-equivalent")
    pytorch_momentum = float(text)
    assert pytorch_momentum == pytest.approx(0.01)
    keras_momentum = 0.99
    batch = column([1.0, 2.0, 6.0])
    running_mean, running_var = np.array([5.0]), np.array([2.0])
    batch_norm(batch, running_mean, running_var, training=True, momentum=pytorch_momentum)
    keras_mean = keras_momentum * 5.0 + (1 - keras_momentum) * batch.mean()
    assert running_mean[0] == pytest.approx(keras_mean)


def test_bn_running_var_unbiased_is_what_core_stores() -> None:
    assert correct_choices("bn-running-var-unbiased")[0].startswith(
        "It normalizes with the biased variance (divide by N) and stores the unbiased one"
    )
    batch = column([0.0, 2.0])  # biased variance 1, unbiased 2
    running_mean, running_var = one_feature_buffers()
    y = batch_norm(batch, running_mean, running_var, training=True, momentum=0.1)
    assert running_var[0] == pytest.approx(0.9 * 1 + 0.1 * 2)
    np.testing.assert_allclose(y.ravel(), [-1 / math.sqrt(1 + EPS), 1 / math.sqrt(1 + EPS)])


def test_bn_redundant_bias_has_no_effect_in_training() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 4, 3, 3))
    bias = np.array([0.5, -2.0, 10.0, 3.0]).reshape(1, 4, 1, 1)
    np.testing.assert_allclose(batch_norm(x + bias, training=True), batch_norm(x, training=True), atol=1e-10)


def test_bn_zero_variance_output_is_beta() -> None:
    y = batch_norm(
        np.full((4, 1), 7.0), weight=np.array([2.0]), bias=np.array([0.5]), training=True
    )
    np.testing.assert_allclose(y, 0.5)
    assert_numeric_key("bn-zero-variance-output", float(y[0, 0]))


def test_bn_running_var_two_steps() -> None:
    running_mean, running_var = one_feature_buffers()
    for values in ([1.0, 3.0, 5.0], [2.0, 2.0, 8.0]):
        batch_norm(column(values), running_mean, running_var, training=True, momentum=0.1)
    assert running_mean[0] == pytest.approx(0.67)
    assert_numeric_key("bn-running-var-two-steps", running_var[0])
    # The explanation's contrast: biased variances would give 1.85.
    biased = 1.0
    for values in ([1.0, 3.0, 5.0], [2.0, 2.0, 8.0]):
        biased = 0.9 * biased + 0.1 * float(np.var(values))
    assert biased == pytest.approx(1.85)


def test_bn_train_eval_gap() -> None:
    running_mean, running_var = one_feature_buffers()
    trained = batch_norm(column([1.0, 3.0, 5.0]), running_mean, running_var, training=True, momentum=0.1)
    assert trained[2, 0] == pytest.approx(1.2247, abs=1e-4)  # stated in the prompt
    assert (running_mean[0], running_var[0]) == pytest.approx((0.3, 1.3))
    evaluated = batch_norm(column([5.0]), running_mean, running_var, training=False)
    assert_numeric_key("bn-train-eval-gap", evaluated[0, 0])


def test_bn_paper_inference_var() -> None:
    m, mean_of_batch_variances = 4, 3.0
    assert_numeric_key("bn-paper-inference-var", m / (m - 1) * mean_of_batch_variances)


def test_bn_paper_inference_factor_is_bessel_for_the_batch_size() -> None:
    # The expected biased variance of m draws is (m - 1)/m times the population variance.
    rng = np.random.default_rng(2)
    m = 4
    batches = rng.normal(0.0, 2.0, size=(200_000, m))
    mean_biased = batches.var(axis=1).mean()
    assert m / (m - 1) * mean_biased == pytest.approx(4.0, rel=0.01)


def test_bn_eps_tiny_variance() -> None:
    half_spread = math.sqrt(EPS)  # [-a, a] has biased variance a² = ε
    x = column([-half_spread, half_spread])
    assert float(np.var(x)) == pytest.approx(EPS)
    y = batch_norm(x, training=True)
    assert_numeric_key("bn-eps-tiny-variance", float(np.std(y)))


def test_bn_ema_memory() -> None:
    # Start the buffer at 1 and feed batches of mean 0: the buffer is the initial value's weight.
    running_mean, running_var = np.ones(1), np.ones(1)
    steps = 0
    while running_mean[0] >= 0.01:
        batch_norm(column([-1.0, 1.0]), running_mean, running_var, training=True, momentum=0.1)
        steps += 1
    assert_numeric_key("bn-ema-memory", steps)
    # The explanation's Keras comparison: momentum 0.99 needs 459 steps.
    assert math.ceil(math.log(0.01) / math.log(0.99)) == 459


# ----------------------------------------------------------------- layer norm


def test_ln_count_means() -> None:
    x = np.zeros((8, 128, 512))
    assert_numeric_key("ln-count-means", x.size // x.shape[-1])


def test_ln_param_count() -> None:
    assert_numeric_key("ln-param-count", parameter_count("layer_norm", 512))


def test_ln_value_numeric() -> None:
    y = layer_norm(np.array([[1.0, 2.0, 3.0, 4.0]]), (4,))
    assert_numeric_key("ln-value-numeric", y[0, 3])
    # The explanation's contrast with the unbiased variance.
    assert 1.5 / math.sqrt(5 / 3 + EPS) == pytest.approx(1.162, abs=1e-3)


def test_ln_code_which_norm_is_layer_norm() -> None:
    assert correct_choices("ln-code-which-norm")[0].startswith("Layer normalization")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5, 6))
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    colleague = (x - mean) / np.sqrt(var + EPS)
    np.testing.assert_allclose(colleague, layer_norm(x, (6,)), atol=1e-12)
    assert not np.allclose(colleague, batch_norm(x, training=True))


def test_ln_constant_row_gives_beta() -> None:
    y = layer_norm(
        np.full((1, 4), 3.0), (4,), weight=np.full(4, 2.0), bias=np.array([0.1, 0.2, 0.3, 0.4])
    )
    np.testing.assert_allclose(y[0], [0.1, 0.2, 0.3, 0.4])
    assert_numeric_key("ln-constant-row", y[0, 2])


def test_ln_conv_param_count() -> None:
    assert_numeric_key("ln-conv-param-count", parameter_count("layer_norm", (16, 32, 32)))
    assert parameter_count("batch_norm", 16) == 32  # the explanation's comparisons
    assert parameter_count("group_norm", 16) == 32


def test_ln_transformer_count() -> None:
    assert_numeric_key("ln-transformer-count", 12 * 2 * parameter_count("layer_norm", 768))


def test_ln_shift_scale_invariance() -> None:
    assert question("ln-shift-scale-invariance")["answer"] is True
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 8))
    tiny = 1e-12  # the claim ignores ε
    reference = layer_norm(x, (8,), eps=tiny)
    np.testing.assert_allclose(layer_norm(2.5 * x - 7.0, (8,), eps=tiny), reference, atol=1e-9)
    # ...and a negative scale flips the sign, as the explanation says.
    np.testing.assert_allclose(layer_norm(-2.5 * x, (8,), eps=tiny), -reference, atol=1e-9)


def test_ln_eps_dominates() -> None:
    y = layer_norm(np.array([[0.0, 0.002, 0.0, 0.002]]), (4,))
    assert_numeric_key("ln-eps-dominates", y[0, 1])


# ------------------------------------------------------- PyTorch cross-check


def test_numeric_keys_agree_with_pytorch() -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    count = lambda module: sum(p.numel() for p in module.parameters())  # noqa: E731
    assert_numeric_key("bn-param-count", sum(t.numel() for t in nn.BatchNorm2d(64).state_dict().values()))
    assert_numeric_key("ln-param-count", count(nn.LayerNorm(512)))
    assert_numeric_key("ln-conv-param-count", count(nn.LayerNorm([16, 32, 32])))
    assert_numeric_key("ln-transformer-count", 24 * count(nn.LayerNorm(768)))

    bn = nn.BatchNorm1d(1).double()
    bn.train()
    bn(torch.tensor([[1.0], [3.0], [5.0]], dtype=torch.float64))
    bn.eval()
    assert_numeric_key("bn-train-eval-gap", bn(torch.tensor([[5.0]], dtype=torch.float64)).item())
    bn.train()
    bn(torch.tensor([[2.0], [2.0], [8.0]], dtype=torch.float64))
    assert_numeric_key("bn-running-var-two-steps", bn.running_var.item())

    ln = nn.LayerNorm(4).double()
    assert_numeric_key(
        "ln-value-numeric", ln(torch.tensor([[1.0, 2.0, 3.0, 4.0]], dtype=torch.float64))[0, 3].item()
    )
    assert_numeric_key(
        "ln-eps-dominates", ln(torch.tensor([[0.0, 0.002, 0.0, 0.002]], dtype=torch.float64))[0, 1].item()
    )
