"""Answer keys of the senior-depth questions (issue 12, part B), recomputed.

Covers the advanced questions added to content/layer-norm.yaml,
content/norm-family.yaml and content/sequences-and-transformers.yaml: every
numeric key, and the facts a choice key rests on, is recomputed here with
``normquiz.core`` or NumPy (bfloat16 rounding is emulated bit by bit), so a
wrong key fails CI. PyTorch, where installed, is used only as a second
witness for PyTorch behaviour.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import normquiz.core as core
from tests.content.bank_keys import question, questions_of

CONTENT = Path(__file__).resolve().parents[2] / "content"
FILES = ("layer-norm.yaml", "norm-family.yaml", "sequences-and-transformers.yaml")


def questions() -> dict[str, dict]:
    return questions_of(*FILES)


def assert_key(question_id: str, expected: float) -> None:
    """The numeric key accepts ``expected`` and is itself close to it, not saved by its tolerance."""
    q = question(question_id)
    assert q["type"] == "numeric", question_id
    tolerance = q["tolerance"]
    if isinstance(tolerance, dict):
        tolerance = abs(expected) * tolerance["relative"]
    assert abs(q["answer"] - expected) <= tolerance, (question_id, q["answer"], expected)
    assert q["answer"] == pytest.approx(expected, abs=max(tolerance / 2, 1e-9)), (question_id, q["answer"], expected)


def correct_texts(question_id: str) -> list[str]:
    return [c["text"] for c in question(question_id)["choices"] if c.get("correct")]


def choice(question_id: str, starts_with: str) -> dict:
    matches = [c for c in question(question_id)["choices"] if c["text"].startswith(starts_with)]
    assert len(matches) == 1, (question_id, starts_with)
    return matches[0]


def is_correct(question_id: str, starts_with: str) -> bool:
    return bool(choice(question_id, starts_with).get("correct", False))


def rng() -> np.random.Generator:
    return np.random.default_rng(20261201)


def to_bfloat16(values: np.ndarray | float) -> np.ndarray:
    """Round float32 values to the nearest bfloat16 (ties to even), returned as float32."""
    bits = np.atleast_1d(np.asarray(values, dtype=np.float32)).view(np.uint32).astype(np.uint64)
    rounding = 0x7FFF + ((bits >> 16) & 1)
    return (((bits + rounding) >> 16) << 16).astype(np.uint32).view(np.float32)


def sequential_sum(values: np.ndarray, round_to) -> float:
    total = round_to(0.0)
    for value in values:
        total = round_to(total + value)
    return float(np.asarray(total).ravel()[0])


# =================================================================== layer-norm.yaml


def test_bfloat16_emulation_is_right():
    # 257 is halfway between the bfloat16 neighbours 256 and 258: ties go to the even one.
    assert to_bfloat16(257.0)[0] == 256.0
    assert to_bfloat16(259.0)[0] == 260.0
    assert to_bfloat16(1.0 + 2**-8)[0] == 1.0 and to_bfloat16(1.0 + 2**-7)[0] == 1.0 + 2**-7


def test_bfloat16_running_sum_stalls_at_256():
    ones = np.ones(4096, dtype=np.float32)
    total = sequential_sum(ones**2, lambda v: to_bfloat16(v)[0])
    assert total == 256.0 and total / 4096 == 0.0625  # the sum and mean square the explanation quotes
    # The kernel's RMSNorm output for a feature equal to 1.0: 1/sqrt(mean square + eps), rounded to bf16.
    output = to_bfloat16(np.float32(1.0) / np.sqrt(np.float32(total / 4096) + np.float32(1e-6)))[0]
    assert_key("ln-bf16-sum-stalls", float(output))
    assert_key("ln-bf16-sum-stalls", 1 / math.sqrt(total / 4096 + 1e-6))
    # float16 (11 significant bits) stalls at 2048, as the explanation says.
    assert sequential_sum(ones.astype(np.float16), np.float16) == 2048.0
    # float32 accumulation gets it right.
    assert sequential_sum(ones, np.float32) == 4096.0


def test_bfloat16_running_sum_matches_torch():
    torch = pytest.importorskip("torch")
    total = torch.zeros((), dtype=torch.bfloat16)
    one = torch.ones((), dtype=torch.bfloat16)
    for _ in range(4096):
        total = total + one * one
    mean_square = total.float() / 4096
    assert float(torch.rsqrt(mean_square + 1e-6)) == pytest.approx(question("ln-bf16-sum-stalls")["answer"], abs=0.01)
    # The library kernel accumulates in float32 and gets the right answer.
    assert float(torch.nn.functional.rms_norm(torch.ones(4096, dtype=torch.bfloat16), (4096,), eps=1e-6)[0]) == 1.0


def test_low_precision_statistics_choices():
    assert sorted(correct_texts("ln-low-precision-statistics")) == sorted(
        t for t in correct_texts("ln-low-precision-statistics")
        if t.startswith(("PyTorch's layer-norm kernels", "Under CUDA autocast", "Summing thousands"))
    )
    assert len(correct_texts("ln-low-precision-statistics")) == 3
    assert not is_correct("ln-low-precision-statistics", "The statistics must be in float32 because bfloat16 overflows")
    # The range facts the distractor's feedback relies on.
    assert float(np.finfo(np.float16).max) == 65504.0
    bfloat16_max = (2 - 2**-7) * 2.0**127
    assert bfloat16_max > 3e38 and float(to_bfloat16(np.float32(70000.0))[0]) == 70144.0


def test_torch_layer_norm_on_bfloat16_keeps_float_statistics():
    torch = pytest.importorskip("torch")
    x = torch.ones(1, 4096) + 0.01 * torch.from_numpy(rng().standard_normal((1, 4096)).astype(np.float32))
    xb = x.bfloat16()
    reference = torch.nn.functional.layer_norm(xb.double(), (4096,))
    out = torch.nn.functional.layer_norm(xb, (4096,))
    # Only the final rounding to bfloat16 separates it from a float64 computation.
    spacing = 2.0 ** (torch.floor(torch.log2(reference.abs().clamp_min(1e-3))) - 7)
    assert bool(((out.double() - reference).abs() <= spacing).all())


def test_cpu_autocast_leaves_layer_norm_in_bfloat16_as_the_explanation_says():
    torch = pytest.importorskip("torch")
    with torch.autocast("cpu", dtype=torch.bfloat16):
        hidden = torch.nn.Linear(8, 8)(torch.ones(2, 8))
        assert torch.nn.functional.layer_norm(hidden, (8,)).dtype == torch.bfloat16


def test_fused_kernel_order_reproduces_a_bfloat16_layer_norm():
    torch = pytest.importorskip("torch")
    row = to_bfloat16(rng().normal(3.0, 0.5, size=512).astype(np.float32))
    gamma = to_bfloat16(rng().uniform(0.5, 1.5, size=512).astype(np.float32))
    beta = to_bfloat16(rng().uniform(-0.5, 0.5, size=512).astype(np.float32))
    # The steps in the question's order: widen, statistics in float32, rstd, affine in float32, round.
    wide = row.astype(np.float32)
    mean = wide.mean(dtype=np.float32)
    variance = ((wide - mean) ** 2).mean(dtype=np.float32)
    rstd = np.float32(1) / np.sqrt(variance + np.float32(1e-5))
    stored = to_bfloat16((wide - mean) * rstd * gamma + beta)
    expected = torch.nn.functional.layer_norm(
        torch.from_numpy(row).bfloat16(), (512,), torch.from_numpy(gamma).bfloat16(),
        torch.from_numpy(beta).bfloat16()).float().numpy()
    # Agreement to one bfloat16 step of the output.
    np.testing.assert_allclose(stored, expected, rtol=2**-7, atol=2**-7)
    assert question("ln-fused-kernel-order")["items"][0].startswith("Load the row")
    assert question("ln-fused-kernel-order")["items"][-1].startswith("Round the result")


def test_inf_poisons_a_layer_norm_row_and_a_batch_norm_column():
    x = rng().normal(size=(4, 5))
    x[1, 2] = np.inf
    with np.errstate(invalid="ignore"):
        ln = core.layer_norm(x, (5,))
        bn = core.batch_norm(x, training=True)
    assert np.isnan(ln[1]).all() and np.isfinite(np.delete(ln, 1, axis=0)).all()
    assert np.isnan(bn[:, 2]).all() and np.isfinite(np.delete(bn, 2, axis=1)).all()
    assert correct_texts("ln-inf-poisons-token")[0].startswith("NaN for all D features of that token")


def test_bert_eps_port_shrinks_low_variance_tokens():
    x = rng().normal(size=(1, 768))
    x = (x - x.mean()) / x.std() * 1e-2  # variance exactly 1e-4
    original = core.layer_norm(x, (768,), eps=1e-12)
    ported = core.layer_norm(x, (768,), eps=1e-5)
    ratios = ported / original
    assert np.allclose(ratios, ratios[0, 0])
    assert_key("ln-port-eps-bert", ratios[0, 0])
    # A variance-1 token barely changes ("1 - 5e-6").
    unit = x * 100
    ratio = core.layer_norm(unit, (768,), eps=1e-5)[0, 0] / core.layer_norm(unit, (768,), eps=1e-12)[0, 0]
    assert ratio == pytest.approx(1 - 5e-6, abs=1e-7)


def test_massive_activation_output_does_not_depend_on_its_size():
    for massive in (50.0, 2000.0, 1e5):
        token = np.zeros((1, 1024))
        token[0, 17] = massive
        out = core.layer_norm(token, (1024,))
        # eps moves the result by under 1e-5 even for the smallest M here.
        assert out[0, 17] == pytest.approx(math.sqrt(1023), rel=1e-5)
        assert out[0, 0] == pytest.approx(-1 / math.sqrt(1023), rel=1e-5)
        assert core.rms_norm(token, (1024,), eps=1e-5)[0, 17] == pytest.approx(32.0, rel=1e-5)
    token = np.zeros((1, 1024))
    token[0, 17] = 2000.0
    assert_key("ln-massive-activation-output", core.layer_norm(token, (1024,))[0, 17])


def test_layer_norm_keeps_a_massive_activation_dominant():
    token = rng().normal(size=(1, 4096))
    token[0, 1415] = 2000.0
    out = core.layer_norm(token, (4096,))
    assert int(np.argmax(np.abs(out))) == 1415 and out[0, 1415] > 60
    assert not is_correct("ln-massive-activations-facts", "Layer norm removes them")
    assert len(correct_texts("ln-massive-activations-facts")) == 4


def test_gamma_migration_is_an_exact_rewrite():
    x = rng().normal(size=(6, 8))
    gamma, beta = rng().uniform(0.5, 2.0, size=8), rng().normal(size=8)
    gamma[3] = 40.0  # an outlier gain
    weight, bias = rng().normal(size=(5, 8)), rng().normal(size=5)
    original = core.layer_norm(x, (8,), gamma, beta) @ weight.T + bias
    migrated = core.layer_norm(x, (8,)) @ (weight * gamma).T + (weight @ beta + bias)
    np.testing.assert_allclose(migrated, original, atol=1e-10)
    # The gain creates the outlier dimension in every token; without it there is none.
    assert (np.abs(core.layer_norm(x, (8,), gamma)).argmax(axis=1) == 3).mean() > 0.5
    assert np.abs(core.layer_norm(x, (8,))).max() < 3


def test_one_outlier_feature_crushes_absmax_int8():
    row = rng().normal(size=4096).clip(-1, 1)
    row[7] = 60.0
    step = np.abs(row).max() / 127
    levels = np.round(row / step)
    ordinary = np.delete(levels, 7)
    assert set(np.unique(ordinary)) <= {-2.0, -1.0, 0.0, 1.0, 2.0}  # "a few levels or zero"
    # Taking the outlier column out (the decomposition) restores fine steps for the rest.
    rest = np.delete(row, 7)
    fine = np.round(rest / (np.abs(rest).max() / 127)) * (np.abs(rest).max() / 127)
    assert np.abs(fine - rest).max() < np.abs(ordinary * step - rest).max() / 10
    assert [t.split()[0] for t in correct_texts("ln-llm-int8-outliers")] == ["Large-magnitude", "They", "The"]
    assert not is_correct("ln-llm-int8-outliers", "They are random per token")


def test_normalizing_over_the_sequence_reads_the_future():
    tokens = np.array([[[1.0, 3.0], [5.0, 7.0]]])  # (B=1, T=2, D=2)
    pooled = core.layer_norm(tokens, (2, 2))
    assert_key("ln-sequence-statistics-numeric", pooled[0, 0, 0])
    assert core.layer_norm(tokens, (2,))[0, 0, 0] == pytest.approx(-1.0, abs=1e-5)
    # Generating token 0 alone gives the per-token value: training and generation disagree.
    assert core.layer_norm(tokens[:, :1], (1, 2))[0, 0, 0] == pytest.approx(-1.0, abs=1e-5)


def test_per_token_layer_norm_keeps_cached_positions_valid():
    prefix = rng().normal(size=(1, 5, 16))
    extended = np.concatenate([prefix, rng().normal(size=(1, 1, 16)) * 3], axis=1)
    np.testing.assert_array_equal(core.layer_norm(extended, (16,))[:, :5], core.layer_norm(prefix, (16,)))
    assert not np.allclose(core.layer_norm(extended[:, :5], (5, 16)), core.layer_norm(extended, (6, 16))[:, :5])
    assert len(question("ln-open-per-token")["key_points"]) == 5


def test_layer_norm_output_lies_on_a_sphere_of_radius_sqrt_d():
    x = rng().normal(3.0, 7.0, size=(50, 768))
    norms = np.linalg.norm(core.layer_norm(x, (768,), eps=1e-12), axis=1)
    np.testing.assert_allclose(norms, math.sqrt(768), rtol=1e-9)
    assert_key("ln-output-norm-numeric", float(norms[0]))


def test_layer_norm_and_rms_norm_geometry_choices():
    x = rng().uniform(0.5, 4.0, size=(20, 12))  # all positive
    ln = core.layer_norm(x, (12,), eps=1e-12)
    rms = core.rms_norm(x, (12,), eps=1e-12)
    checks = {
        "The layer-norm output is orthogonal": bool(np.allclose(ln.sum(axis=1), 0, atol=1e-9)),
        "The RMSNorm output has Euclidean norm": bool(np.allclose(np.linalg.norm(rms, axis=1), math.sqrt(12))),
        "The layer-norm output has Euclidean norm": bool(np.allclose(np.linalg.norm(ln, axis=1), math.sqrt(12))),
        "The RMSNorm output is orthogonal": bool(np.allclose(rms.sum(axis=1), 0, atol=1e-6)),
        "Layer norm can map two inputs": not np.allclose(core.layer_norm(x + 5.0, (12,), eps=1e-12), ln),
    }
    for prefix, truth in checks.items():
        assert is_correct("ln-geometry", prefix) is truth, prefix


def test_convnext_channels_last_layer_norm_axes_and_count():
    x = rng().normal(size=(2, 6, 4, 5))  # (N, C, H, W)
    channels_last = np.moveaxis(core.layer_norm(np.moveaxis(x, 1, -1), (6,), eps=1e-6), -1, 1)
    mean = x.mean(axis=1, keepdims=True)
    channels_first = (x - mean) / np.sqrt(((x - mean) ** 2).mean(axis=1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(channels_last, channels_first, atol=1e-12)
    assert not np.allclose(channels_last, core.group_norm(x, 1, eps=1e-6))
    assert not np.allclose(channels_last, core.instance_norm(x, eps=1e-6))
    assert correct_texts("ln-convnext-channels-last")[0].startswith("The C channel values at one spatial position")

    stage = np.zeros((8, 56, 56, 96), dtype=np.float32)
    stats = core.normalization_statistics(stage, "layer", normalized_shape=(96,))
    assert (stats.count, stats.num_statistics) == (96, 25088)
    assert_key("ln-convnext-statistics-count", stats.num_statistics)
    assert 96 * 56 * 56 == 301_056 and 8 * 56 * 56 == 25_088


def test_per_token_slopes_make_an_s_shape():
    # Tokens with bigger extreme values have bigger sigma, hence flatter input-output lines.
    scales = np.array([1.0, 2.0, 8.0])
    tokens = rng().normal(size=(3, 256)) * scales[:, None]
    out = core.layer_norm(tokens, (256,))
    slopes = [np.polyfit(tokens[i], out[i], 1)[0] for i in range(3)]
    assert slopes[0] > slopes[1] > slopes[2]
    np.testing.assert_allclose(slopes, 1 / np.sqrt(tokens.var(axis=1) + 1e-5), rtol=1e-9)
    assert correct_texts("ln-dyt-s-shape")[0].startswith("Each token is mapped by its own straight line")


def test_massive_activation_desensitizes_the_rest_of_its_token():
    token = np.zeros((1, 1024))
    token[0, 17] = 2000.0
    step = 1e-4
    nudged = token.copy()
    nudged[0, 3] += step
    k = (core.layer_norm(nudged, (1024,))[0, 3] - core.layer_norm(token, (1024,))[0, 3]) / step
    sigma = 2000 * math.sqrt(1023) / 1024
    y = -1 / math.sqrt(1023)
    assert k == pytest.approx((1 / sigma) * (1 - 1 / 1024 - y * y / 1024), rel=1e-4)
    assert_key("ln-massive-activation-sensitivity", k)
    # Without the outlier the same nudge passes through almost unchanged.
    ordinary = rng().normal(size=(1, 1024))
    ordinary = (ordinary - ordinary.mean()) / ordinary.std()
    moved = ordinary.copy()
    moved[0, 3] += step
    assert (core.layer_norm(moved, (1024,))[0, 3] - core.layer_norm(ordinary, (1024,))[0, 3]) / step > 0.99


def test_rms_norm_lets_a_large_offset_through():
    token = np.array([[100.0, 101.0, 102.0, 103.0]])
    rms = core.rms_norm(token, (4,), eps=1e-5)
    assert_key("ln-rms-large-offset", float(rms[0, 3]))
    assert np.abs(rms - 1).max() < 0.03
    np.testing.assert_allclose(core.layer_norm(token, (4,)), [[-1.3416, -0.4472, 0.4472, 1.3416]], atol=1e-4)
    spread_ratio = np.ptp(rms) / np.ptp(core.layer_norm(token, (4,)))
    assert spread_ratio == pytest.approx(0.011, abs=0.0005)
    assert len(question("ln-open-bf16-instability")["key_points"]) == 5


# =================================================================== norm-family.yaml


def test_rms_norm_default_eps_is_the_float32_epsilon_for_bfloat16():
    assert correct_texts("fam-rms-eps-none")[0].startswith("`torch.finfo(torch.float32).eps`")
    assert round(float(np.finfo(np.float32).eps), 9) == 1.19e-7  # the "≈ 1.19e-7" of the key
    assert 2.0**-7 == pytest.approx(0.0078, rel=1e-2)
    # bfloat16's own epsilon would dominate the mean square of features around 0.05.
    assert 0.05**2 < 2.0**-7


def test_torch_rms_norm_eps_none_uses_the_computation_type():
    torch = pytest.importorskip("torch")
    x = torch.tensor([[0.01, 0.02, -0.01, 0.0]])
    mean_square = float((x.double() ** 2).mean())
    for dtype in (torch.bfloat16, torch.float16, torch.float32):
        out = torch.nn.RMSNorm(4, elementwise_affine=False)(x.to(dtype)).double()
        wide = x.to(dtype).double() / math.sqrt(mean_square + float(torch.finfo(torch.float32).eps))
        narrow = x.to(dtype).double() / math.sqrt(mean_square + float(torch.finfo(dtype).eps))
        resolution = float(torch.finfo(dtype).eps) * 2
        assert torch.allclose(out, wide, rtol=resolution, atol=1e-6), dtype
        if dtype != torch.float32:
            assert not torch.allclose(out, narrow, rtol=0.1), dtype


def test_bfloat16_sum_of_squares_loses_the_rms_and_float32_keeps_it():
    values = rng().standard_normal(4096).astype(np.float32)
    squares = to_bfloat16(values * values)
    narrow = sequential_sum(squares, lambda v: to_bfloat16(v)[0]) / 4096
    wide = float(squares.astype(np.float64).sum() / 4096)
    assert abs(narrow - wide) / wide > 0.05  # bfloat16 accumulation is off by more than 5%
    assert abs(sequential_sum(squares, np.float32) / 4096 - wide) / wide < 1e-5
    # The overflow distractor: 256 squared is an ordinary bfloat16 number.
    assert to_bfloat16(np.float32(256.0) ** 2)[0] == 65536.0
    assert correct_texts("fam-llama-rmsnorm-upcast")[0].startswith("The squares and their mean")


def test_models_that_normalize_without_centring():
    assert sorted(correct_texts("fam-no-centering-models")) == ["LLaMA", "T5"]


def residual_stream_variances(blocks: int, normalized: bool, width: int = 256, examples: int = 4096) -> list[float]:
    """Per-block variance of the stream x_{l+1} = x_l + f_l(x_l), f a random linear map (BN'd or not)."""
    generator = rng()
    x = generator.standard_normal((examples, width))
    variances = [float(x.var())]
    branch_stds = []
    for _ in range(blocks):
        branch = x @ (generator.standard_normal((width, width)) / math.sqrt(width))
        if normalized:
            branch = core.batch_norm(branch, training=True)
        branch_stds.append(float(branch.std()))
        x = x + branch
        variances.append(float(x.var()))
    return variances, branch_stds


def test_batch_norm_makes_deep_branches_small_relative_to_the_skip():
    assert_key("fam-skipinit-ratio", 1 / math.sqrt(1 + 99))
    variances, branch_stds = residual_stream_variances(100, normalized=True)
    # The 100th block's input is x_99; its branch has unit std.
    ratio = branch_stds[99] / math.sqrt(variances[99])
    assert ratio == pytest.approx(0.1, rel=0.1)
    assert variances[99] == pytest.approx(100, rel=0.15)
    # Unnormalized, the variance doubles at every block.
    plain, _ = residual_stream_variances(6, normalized=False)
    assert plain[6] / plain[0] == pytest.approx(2**6, rel=0.25)
    assert correct_texts("fam-skipinit-mechanism")[0].startswith("BN on the branch keeps the branch output at unit variance")


def test_identity_at_initialization_choices():
    x = rng().normal(size=(16, 8))
    zero_gamma_branch = core.batch_norm(x @ rng().normal(size=(8, 8)), weight=np.zeros(8), bias=np.zeros(8),
                                        training=True)
    assert np.all(zero_gamma_branch == 0)  # last BN with gamma = 0: the block outputs its input
    pre_ln_branch = core.layer_norm(x, (8,)) @ rng().normal(size=(8, 8))
    assert np.abs(pre_ln_branch).max() > 0.1  # Pre-LN's branch is not zero at initialization
    correct = correct_texts("fam-identity-at-init")
    assert len(correct) == 5 and not any(t.startswith(("Pre-LN", "DeepNorm")) for t in correct)


def test_fixup_scale():
    assert_key("fam-fixup-scale", 16 ** (-1 / (2 * 3 - 2)))
    assert 16 ** (-1 / (2 * 2 - 2)) == 0.25  # m = 2 gives L^(-1/2)


def dynamic_tanh(x: np.ndarray, alpha: float, gamma: float = 1.0, beta: float = 0.0) -> np.ndarray:
    return gamma * np.tanh(alpha * x) + beta


def test_dynamic_tanh_is_not_scale_invariant_and_saturates():
    x = rng().normal(size=32)
    assert not np.allclose(dynamic_tanh(10 * x, 0.5), dynamic_tanh(x, 0.5))
    threshold = 2 * math.atanh(0.99)
    assert threshold == pytest.approx(math.log(199))
    assert_key("fam-dyt-saturation", threshold)
    assert dynamic_tanh(np.array(threshold + 1e-6), 0.5) > 0.99 > dynamic_tanh(np.array(threshold - 1e-6), 0.5)
    assert dynamic_tanh(np.array(50.0), 0.5) == pytest.approx(dynamic_tanh(np.array(5000.0), 0.5), abs=1e-12)
    # The statistic-free and scale-variance facts above decide these two choices.
    assert is_correct("fam-dyt-definition", "It is element-wise and computes no statistics")
    assert not is_correct("fam-dyt-definition", "DyT's output for a token does not change when that token is scaled")
    assert not is_correct("fam-dyt-definition", "DyT computes each token's standard deviation")
    assert len(correct_texts("fam-dyt-definition")) == 3


def test_adain_output():
    content = np.array([1.0, 3.0, 1.0, 3.0]).reshape(1, 1, 2, 2)
    style = np.array([10.0, 14.0, 18.0, 22.0]).reshape(1, 1, 2, 2)
    stats = core.normalization_statistics(style, "instance")
    style_mean, style_std = float(stats.mean.ravel()[0]), math.sqrt(float(stats.var.ravel()[0]))
    assert (style_mean, style_std**2) == pytest.approx((16.0, 20.0))
    out = core.instance_norm(content) * style_std + style_mean
    assert_key("fam-adain-output", float(out[0, 0, 0, 1]))


def test_film_and_adaln_keys():
    assert correct_texts("fam-film")[0].startswith("They are outputs of a generator network")
    assert correct_texts("fam-adaln-zero")[0].startswith("Besides the scale and shift")
    assert_key("fam-adaln-zero-modulation-count", 6 * 1152)
    items = question("fam-adaln-zero-order")["items"]
    assert items[0].startswith("Layer-normalize") and items[-1].startswith("Add the gated output")


def test_adaln_zero_block_starts_as_the_identity():
    tokens = rng().normal(size=(1, 10, 16))
    conditioning = rng().normal(size=(1, 32))
    regression = np.zeros((32, 6 * 16))  # zero-initialized final layer
    shift, scale, gate, *_ = np.split(conditioning @ regression, 6, axis=-1)
    modulated = core.layer_norm(tokens, (16,), eps=1e-6) * (1 + scale[:, None]) + shift[:, None]
    np.testing.assert_array_equal(modulated, core.layer_norm(tokens, (16,), eps=1e-6))
    attention = modulated @ rng().normal(size=(16, 16))  # any sub-layer
    np.testing.assert_array_equal(tokens + gate[:, None] * attention, tokens)


def test_weight_standardization_is_layer_norm_of_each_filter():
    filters = np.array([[1.0, 2.0, 3.0, 6.0]])
    standardized = core.layer_norm(filters, (4,), eps=1e-12)
    assert_key("fam-weight-standardization-numeric", float(standardized[0, 3]))
    weight = rng().normal(size=(8, 3, 3, 3))  # (C_out, C_in, k, k)
    flat = weight.reshape(8, -1)
    manual = (flat - flat.mean(axis=1, keepdims=True)) / flat.std(axis=1, keepdims=True)
    np.testing.assert_allclose(core.layer_norm(weight, (3, 3, 3), eps=1e-12).reshape(8, -1), manual, atol=1e-9)
    assert correct_texts("fam-weight-standardization")[0].startswith("Each convolution filter's weights")


# ========================================================== sequences-and-transformers.yaml


def pre_ln_stream(blocks: int, width: int = 512, tokens: int = 64) -> np.ndarray:
    """The residual stream of a Pre-LN stack of ReLU feed-forward blocks at Xavier initialization."""
    generator = rng()
    x = generator.standard_normal((tokens, width))
    for _ in range(blocks):
        w1 = generator.standard_normal((width, width)) / math.sqrt(width)
        w2 = generator.standard_normal((width, width)) / math.sqrt(width)
        x = x + np.maximum(core.layer_norm(x, (width,)) @ w1, 0) @ w2
    return x


def gradient_gain_through_layer_norm(x: np.ndarray) -> float:
    upstream = rng().standard_normal(x.shape)
    dx, _, _ = core.layer_norm_backward(upstream, x, (x.shape[-1],))
    return float(np.linalg.norm(dx) / np.linalg.norm(upstream))


def test_pre_ln_stream_grows_and_its_final_norm_shrinks_gradients():
    width, depth = 512, 24
    stream = pre_ln_stream(depth, width)
    squared_norm = float((stream**2).sum(axis=1).mean())
    # Xiong et al.'s Lemma 2 bounds, quoted in the explanation.
    assert (1 + depth / 2) * width * 0.95 <= squared_norm <= (1 + 3 * depth / 2) * width
    # The final layer norm divides gradients by the stream's scale: about 1/sqrt(1 + L/2) here ...
    gain = gradient_gain_through_layer_norm(stream)
    assert gain == pytest.approx(1 / math.sqrt(squared_norm / width), rel=0.05)
    assert gain < 0.3
    # ... while a Post-LN block output is renormalized, so its gain stays about 1 at any depth.
    assert gradient_gain_through_layer_norm(core.layer_norm(stream, (width,))) == pytest.approx(1.0, rel=0.05)
    assert correct_texts("seq-xiong-gradient-bounds")[0].startswith("Post-LN: O(d·√(ln d)), not shrinking with L")


def test_post_ln_quality_admin_and_deepnorm_keys():
    correct = correct_texts("seq-postln-final-quality")
    assert len(correct) == 3 and all(t.startswith(("Liu et al.", "DeepNet")) for t in correct)
    assert correct_texts("seq-admin-initialization")[0].startswith("The skip input is multiplied by a vector ω")
    assert correct_texts("seq-deepnorm")[0].startswith("x_{l+1} = LN(α·x_l + G_l(x_l))")
    alpha, beta = (2 * 128) ** 0.25, (8 * 128) ** -0.25
    assert alpha == pytest.approx(4.0) and round(beta, 3) == 0.177
    explanation = question("seq-deepnorm")["explanation"]
    assert "α = 4" in explanation and "β ≈ 0.177" in explanation


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def test_qk_norm_bounds_the_sharpest_attention():
    g = 3.0
    assert_key("seq-qk-norm-bound", float(softmax(np.array([g, -g]))[0]))
    # No pair of unit query/key directions does better, however the vectors are scaled.
    generator = rng()
    query = generator.normal(size=(20000, 1, 8)) * generator.uniform(0.1, 100, size=(20000, 1, 1))
    keys = generator.normal(size=(20000, 2, 8)) * generator.uniform(0.1, 100, size=(20000, 2, 1))
    cos = (query / np.linalg.norm(query, axis=-1, keepdims=True)
           * (keys / np.linalg.norm(keys, axis=-1, keepdims=True))).sum(axis=-1)
    assert softmax(g * cos).max() <= 1 / (1 + math.exp(-2 * g)) + 1e-12
    # Without QK-norm, scaling the projections sharpens attention towards one-hot.
    raw = (query * keys).sum(axis=-1) / math.sqrt(8)
    assert softmax(raw).max() > 0.9999
    assert correct_texts("seq-qk-norm-why")[0].startswith("Attention logits grew extremely large")


def test_qk_norm_is_per_head():
    heads = rng().normal(size=(2, 4)) * np.array([[1.0], [10.0]])
    per_head = core.rms_norm(heads, (4,), eps=1e-5)
    full_width = core.rms_norm(heads.reshape(1, 8), (8,), eps=1e-5).reshape(2, 4)
    assert not np.allclose(per_head, full_width, atol=0.05)
    np.testing.assert_allclose((per_head**2).mean(axis=1), 1.0, rtol=1e-4)
    assert question("seq-qk-norm-per-head-computed")["generator"] == "rms_norm_entry"


def test_no_normalization_open_question():
    assert len(question("seq-open-no-normalization")["key_points"]) == 5


def test_qk_norm_logits_ignore_the_scale_of_queries_and_keys():
    assert question("seq-qk-norm-replaces-scaling")["answer"] is True
    q, k = rng().normal(size=16), rng().normal(size=16)
    cosine = lambda a, b: float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))  # noqa: E731
    assert cosine(5 * q, 5 * k) == pytest.approx(cosine(q, k))
    assert float((5 * q) @ (5 * k)) == pytest.approx(25 * float(q @ k))  # unnormalized: grows as c squared


def test_rezero_name_and_identity():
    assert question("fam-rezero-name")["answers"][0] == "ReZero"
    x = rng().normal(size=(4, 8))
    assert np.array_equal(x + 0.0 * np.tanh(x @ rng().normal(size=(8, 8))), x)


def test_pre_ln_deep_blocks_contribute_less_and_layer_norm_scaling_slows_growth():
    generator = rng()
    width, depth = 256, 32
    x_plain = generator.standard_normal((64, width))
    x_scaled = x_plain.copy()
    contributions = []
    for layer in range(1, depth + 1):
        w1 = generator.standard_normal((width, width)) / math.sqrt(width)
        w2 = generator.standard_normal((width, width)) / math.sqrt(width)
        branch = np.maximum(core.layer_norm(x_plain, (width,)) @ w1, 0) @ w2
        contributions.append(float(np.linalg.norm(branch) / np.linalg.norm(x_plain)))
        x_plain = x_plain + branch
        scaled_input = core.layer_norm(x_scaled, (width,)) / math.sqrt(layer)  # LayerNorm Scaling
        x_scaled = x_scaled + np.maximum(scaled_input @ w1, 0) @ w2
    assert contributions[-1] < contributions[0] / 3  # deep blocks barely move the stream
    assert x_scaled.var() < x_plain.var() / 4
    assert correct_texts("seq-curse-of-depth")[0].startswith("The variance of the Pre-LN residual stream grows")


def assert_only_order(question_id: str, steps: dict[str, tuple[set[str], set[str]]]) -> None:
    """The items, matched by their opening words to (needs, makes), form the one order the data flow allows."""
    items = question(question_id)["items"]
    matched = [next(spec for start, spec in steps.items() if item.startswith(start)) for item in items]
    assert len(matched) == len(steps)
    available: set[str] = {"input"}
    for position, (needs, makes) in enumerate(matched):
        assert needs <= available, (question_id, items[position])
        # Exactly one remaining step is ready at each point, so no other order is defensible.
        ready = [spec for spec in matched[position:] if spec[0] <= available]
        assert len(ready) == 1, (question_id, items[position])
        available |= makes


def test_ordering_questions_follow_the_data_flow():
    assert_only_order("ln-fused-kernel-order", {
        "Load the row": ({"input"}, {"x32"}),
        "Accumulate the mean": ({"x32"}, {"mean", "var"}),
        "Compute rstd": ({"var"}, {"rstd"}),
        "Form (x − mean)": ({"x32", "mean", "rstd"}, {"y32"}),
        "Round the result": ({"y32"}, {"output"}),
    })
    assert_only_order("fam-adaln-zero-order", {
        "Layer-normalize each token": ({"input"}, {"normalized"}),
        "Multiply by (1 + scale)": ({"normalized"}, {"modulated"}),
        "Apply self-attention": ({"modulated"}, {"attended"}),
        "Multiply the attention output by the gate": ({"attended"}, {"gated"}),
        "Add the gated output": ({"gated"}, {"output"}),
    })


def test_every_numeric_key_of_these_files_is_recomputed_somewhere():
    """A numeric question added to these files without a key test fails here."""
    sources = "".join(path.read_text(encoding="utf-8") for path in Path(__file__).parent.glob("test_*.py"))
    numeric = {qid for qid, q in questions().items() if q["type"] == "numeric"}
    unchecked = sorted(qid for qid in numeric if f'"{qid}"' not in sources)
    assert unchecked == []


def test_nf_resnet_scaled_branches_and_mean_shift():
    generator = rng()
    width, alpha = 256, 0.2
    h = generator.standard_normal((4096, width))
    expected_var = 1.0
    for _ in range(10):
        beta = math.sqrt(expected_var)
        w = generator.standard_normal((width, width)) / math.sqrt(width)
        branch = (h / beta) @ w  # a unit-scale input and a variance-preserving branch
        h = h + alpha * branch
        expected_var += alpha**2  # the "known, controlled" growth
    assert h.var() == pytest.approx(expected_var, rel=0.05)
    # Mean shift: ReLU outputs have a positive mean; non-centred weights pass it on, standardized ones cancel it.
    relu = np.maximum(generator.standard_normal((4096, width)), 0)
    raw = np.abs(generator.standard_normal((width, 8))) / math.sqrt(width)
    centred = raw - raw.mean(axis=0, keepdims=True)
    assert np.abs((relu @ raw).mean(axis=0)).min() > 0.3
    assert np.abs((relu @ centred).mean(axis=0)).max() < 0.02
    correct = correct_texts("fam-nf-resnet-ingredients")
    assert len(correct) == 3 and not any(t.startswith(("Replacing", "Running")) for t in correct)
