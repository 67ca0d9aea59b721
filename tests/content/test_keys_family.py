"""Answer keys of content/norm-family.yaml and content/sequences-and-transformers.yaml.

Every fixed number in those files' answer keys (and the numbers their
explanations lean on) is recomputed here with ``normquiz.core`` or, where
counting is the point, plain arithmetic, so a wrong key fails CI.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

import normquiz.core as core
from tests.content.bank_keys import question, questions_of

CONTENT = Path(__file__).resolve().parents[2] / "content"
FILES = ("norm-family.yaml", "sequences-and-transformers.yaml")


def questions() -> dict[str, dict]:
    return questions_of(*FILES)


def numeric_key(question_id: str) -> float:
    q = question(question_id)
    assert q["type"] == "numeric"
    return q["answer"]


def assert_key(question_id: str, expected: float) -> None:
    q = question(question_id)
    tolerance = q["tolerance"]
    if isinstance(tolerance, dict):
        tolerance = abs(expected) * tolerance["relative"]
    assert abs(q["answer"] - expected) <= tolerance, (question_id, q["answer"], expected)
    # The key must also be accurate on its own, not only thanks to a generous tolerance.
    assert q["answer"] == pytest.approx(expected, abs=max(tolerance / 10, 1e-3)), question_id


def rng() -> np.random.Generator:
    return np.random.default_rng(20240607)


# --------------------------------------------------------------------- files


def test_ids_carry_their_file_prefix_and_are_unique():
    for name, prefix in zip(FILES, ("fam-", "seq-")):
        ids = [q["id"] for q in yaml.safe_load((CONTENT / name).read_text(encoding="utf-8"))["questions"]]
        assert len(ids) == len(set(ids))
        assert all(i.startswith(prefix) for i in ids), name


# -------------------------------------------------------- parameter counts


def test_layer_norm_over_chw_versus_group_norm_one_group_parameters():
    assert_key("fam-ln-vs-gn1-params", core.parameter_count("layer_norm", (64, 8, 8)))
    # ... and the contrast the explanation draws: GroupNorm(1, 64) learns per channel only.
    assert core.parameter_count("group_norm", 64) == 128


def test_group_norm_with_one_group_normalizes_like_layer_norm_over_chw():
    x = rng().normal(size=(3, 64, 8, 8))
    np.testing.assert_allclose(core.group_norm(x, 1), core.layer_norm(x, (64, 8, 8)), atol=1e-12)


def test_rms_norm_parameters_of_a_32_block_decoder():
    per_layer = core.parameter_count("rms_norm", 4096)
    assert_key("fam-rms-llm-params", (2 * 32 + 1) * per_layer)
    # The explanation's comparison: layer norm (gain and bias) is twice that.
    assert (2 * 32 + 1) * core.parameter_count("layer_norm", 4096) == 532480


def test_layer_norm_768_parameters():
    assert_key("seq-ln-params", core.parameter_count("layer_norm", 768))
    assert core.parameter_count("rms_norm", 768) == 768


def test_instance_norm_default_has_no_parameters_and_affine_has_two_per_channel():
    assert core.parameter_count("instance_norm", 64) == 0
    assert core.parameter_count("instance_norm", 64, affine=True) == 128


# ----------------------------------------------------------- group counts


def test_group_norm_values_per_statistic():
    x = rng().normal(size=(2, 256, 14, 14))
    stats = core.normalization_statistics(x, "group", num_groups=32)
    assert_key("fam-gn-values-per-statistic", stats.count)
    assert stats.num_statistics == 2 * 32  # "there are 64 such groups"
    # The group really is 8 consecutive channels of one sample over all positions.
    block = x[1, 8:16]
    expected = (block - block.mean()) / np.sqrt(block.var() + 1e-5)
    np.testing.assert_allclose(core.group_norm(x, 32)[1, 8:16], expected, atol=1e-10)


def test_gn_axes_explanation_example_count():
    x = rng().normal(size=(1, 64, 14, 14))
    assert core.normalization_statistics(x, "group", num_groups=32).count == 392


def test_values_per_statistic_ordering():
    x = rng().normal(size=(16, 256, 16, 16))
    counts = {
        "Instance norm": core.normalization_statistics(x, "instance").count,
        "Group norm with 32 groups": core.normalization_statistics(x, "group", num_groups=32).count,
        "Batch norm (training mode)": core.normalization_statistics(x, "batch").count,
        "Layer norm over (C, H, W)": core.normalization_statistics(
            x, "layer", normalized_shape=(256, 16, 16)).count,
    }
    assert counts == {"Instance norm": 256, "Group norm with 32 groups": 2048,
                      "Batch norm (training mode)": 4096, "Layer norm over (C, H, W)": 65536}
    items = question("fam-values-per-statistic-order")["items"]
    assert items == sorted(counts, key=counts.__getitem__)


def test_instance_norm_count_of_means():
    x = rng().normal(size=(4, 8, 5, 5))
    assert core.normalization_statistics(x, "instance").num_statistics == 4 * 8


def test_layer_norm_statistics_count_per_token():
    x = rng().normal(size=(4, 10, 512))
    stats = core.normalization_statistics(x, "layer", normalized_shape=(512,))
    assert_key("seq-ln-statistics-count", stats.num_statistics)


def test_cost_element_ratio():
    x = rng().normal(size=(8, 512, 768))
    ln = core.normalization_statistics(x, "layer", normalized_shape=(768,))
    # Batch norm that treats every token as an example: (N*T, D) with features on axis 1.
    bn = core.normalization_statistics(x.reshape(-1, 768), "batch")
    assert (ln.num_statistics, ln.count) == (4096, 768)
    assert (bn.num_statistics, bn.count) == (768, 4096)
    assert_key("fam-cost-element-ratio", (ln.num_statistics * ln.count) / (bn.num_statistics * bn.count))
    assert ln.num_statistics * ln.count == 3_145_728


# ------------------------------------------------- which layers agree/raise


def test_batch_size_one_which_calls_raise():
    q = question("fam-bn-batch-size-one")
    verdicts = {
        "(1, 16)`": True, "(1, 16, 1, 1)`": True, "(1, 16, 7, 7)`": False,
    }
    for shape, should_raise in {(1, 16): True, (1, 16, 1, 1): True, (1, 16, 7, 7): False}.items():
        x = np.ones(shape) + rng().normal(size=shape)
        if should_raise:
            with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
                core.batch_norm(x, training=True)
        else:
            core.batch_norm(x, training=True)
    core.layer_norm(rng().normal(size=(1, 16)), (16,))
    for choice in q["choices"]:
        for ending, should_raise in verdicts.items():
            if choice["text"].endswith(ending) and "BatchNorm" in choice["text"]:
                assert choice.get("correct", False) is should_raise, choice["text"]
    assert [c.get("correct", False) for c in q["choices"] if "LayerNorm" in c["text"]] == [False]


def test_single_image_instance_norm_equivalents():
    x = rng().normal(size=(1, 6, 4, 4))
    reference = core.instance_norm(x)
    np.testing.assert_allclose(core.group_norm(x, 6), reference, atol=1e-10)
    np.testing.assert_allclose(core.batch_norm(x, training=True), reference, atol=1e-10)
    assert not np.allclose(core.group_norm(x, 1), reference)
    assert not np.allclose(core.layer_norm(x, (6, 4, 4)), reference)
    correct = [c["text"] for c in question("fam-same-stats-as-instance-norm")["choices"] if c.get("correct")]
    assert correct == ["Group norm with G = C groups", "Batch norm in training mode"]


def test_layer_norm_ignores_the_rest_of_the_batch():
    x = rng().normal(size=(5, 7))
    changed = x.copy()
    changed[1:] = rng().normal(size=(4, 7)) * 10
    np.testing.assert_allclose(core.layer_norm(x, (7,))[0], core.layer_norm(changed, (7,))[0])
    assert not np.allclose(core.batch_norm(x, training=True)[0], core.batch_norm(changed, training=True)[0])
    assert question("fam-ln-independent-of-batch")["answer"] is False


# -------------------------------------------------------------- RMSNorm


def test_rms_formula_worked_example():
    x = np.array([[3.0, -4.0]])
    np.testing.assert_allclose(core.rms_norm(x, (2,), eps=1e-5), [[0.8485, -1.1314]], atol=1e-4)
    np.testing.assert_allclose(core.layer_norm(x, (2,)), [[1.0, -1.0]], atol=1e-6)
    # The distractor without 1/d is smaller by a factor sqrt(d).
    assert np.allclose(x / np.linalg.norm(x) * math.sqrt(2), core.rms_norm(x, (2,), eps=1e-12), atol=1e-9)


def test_rms_invariances():
    q = question("fam-rms-invariances")
    x = np.array([[1.0, 3.0]])
    tiny = 1e-12
    # Scaling invariance holds.
    np.testing.assert_allclose(core.rms_norm(7.5 * x, (2,), eps=tiny), core.rms_norm(x, (2,), eps=tiny))
    # Shift invariance does not: (1, 3) versus (11, 13).
    assert not np.allclose(core.rms_norm(x, (2,), eps=tiny), core.rms_norm(x + 10, (2,), eps=tiny))
    # Zero-mean input: RMSNorm equals layer norm.
    centred = rng().normal(size=(3, 6))
    centred -= centred.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(core.rms_norm(centred, (6,), eps=1e-5), core.layer_norm(centred, (6,), eps=1e-5),
                               atol=1e-12)
    # All-positive input stays all-positive (the "mean 0" distractor is false).
    assert np.all(core.rms_norm(np.array([[1.0, 2.0, 5.0]]), (3,)) > 0)
    correct = [c["text"] for c in q["choices"] if c.get("correct")]
    assert len(correct) == 2 and correct[0].startswith("Scaling") and correct[1].startswith("For an input")


# -------------------------------------------------------------- padding


def padded_batch() -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[[2.0, 4.0, 6.0]], [[8.0, 0.0, 0.0]]])  # (N=2, C=1, T=3)
    mask = np.array([[True, True, True], [True, False, False]])
    return x, mask


def test_padding_pollutes_the_batch_mean():
    x, mask = padded_batch()
    running_mean, running_var = np.zeros(1), np.ones(1)
    # momentum=1 copies the batch statistic into the running buffer.
    core.batch_norm(x, running_mean, running_var, training=True, momentum=1.0)
    assert_key("seq-padding-mean", running_mean[0])
    masked_mean = np.zeros(1)
    core.batch_norm(x, masked_mean, np.ones(1), training=True, momentum=1.0, mask=mask)
    assert masked_mean[0] == pytest.approx(5.0)


def test_padding_variance_numbers_in_the_explanation():
    x, mask = padded_batch()
    assert float(core.normalization_statistics(x, "batch").var.ravel()[0]) == pytest.approx(80 / 9)
    assert round(80 / 9, 2) == 8.89
    assert float(core.normalization_statistics(x, "batch", mask=mask).var.ravel()[0]) == pytest.approx(5.0)


def test_padding_with_the_mean_shrinks_the_variance():
    x, mask = padded_batch()
    real = x[:, 0][mask]
    filled = x.copy()
    filled[:, 0][~mask] = real.mean()
    stats = core.normalization_statistics(filled, "batch")
    assert float(stats.mean.ravel()[0]) == pytest.approx(real.mean())
    assert float(stats.var.ravel()[0]) < real.var()


def test_layer_norm_of_real_tokens_ignores_padding():
    tokens = rng().normal(size=(1, 3, 8))
    padded = np.concatenate([tokens, np.zeros((1, 5, 8))], axis=1)
    np.testing.assert_allclose(core.layer_norm(padded, (8,))[:, :3], core.layer_norm(tokens, (8,)))
    assert question("seq-padding-layer-norm")["answer"] is False


# --------------------------------------------------------- recurrent BN


def test_recurrent_bn_statistics_beyond_t_max():
    t_max, step = 50, 80
    assert_key("seq-recurrent-bn-long-sequence", min(step, t_max))
