"""Every computed question of the built-in bank, over 300 seeds: the key is right and no named slip passes.

The answer and each slip are recomputed from the drawn inputs by
``tests.content.oracles`` (plain NumPy), and the layer itself by PyTorch where
it is installed, so neither the generators nor ``normquiz.core`` grade their
own homework.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from normquiz.bank import load_bank
from normquiz.bank.checking import check_answer
from normquiz.bank.computed import generate
from normquiz.bank.model import ComputedQuestion
from tests.content.oracles import expected

SEEDS = range(300)


@cache
def computed_questions() -> dict[str, ComputedQuestion]:
    bank = load_bank()
    return {q.id: q for q in bank.questions if isinstance(q, ComputedQuestion)}


@pytest.mark.parametrize("question_id", sorted(computed_questions()))
def test_key_matches_an_independent_computation_and_no_named_slip_is_accepted(question_id: str) -> None:
    question = computed_questions()[question_id]
    for seed in SEEDS:
        instance = generate(question, seed)
        answer, slips = expected(question.generator, question.params, instance)
        assert instance.answer == pytest.approx(answer, rel=1e-6, abs=1e-6), (question_id, seed)
        for name, value in slips.items():
            verdict = check_answer(question, round(value, 2), instance=instance)
            assert not verdict.correct, f"{question_id} seed {seed}: the slip '{name}' ({value}) is accepted"


def test_the_degenerate_draws_the_review_found_no_longer_occur() -> None:
    """The review's counts: running_var = 1, folded weight = w, row = column, answer 0."""
    questions = computed_questions()
    draws = {qid: [generate(questions[qid], seed) for seed in SEEDS] for qid in (
        "bn-eval-output-computed", "hood-fold-weight-computed", "hood-fold-bias-computed",
        "ln-entry-affine-computed", "hood-ln-weight-grad-computed")}
    assert not [d for d in draws["bn-eval-output-computed"] if d.inputs["running_var"] == 1]
    assert not [d for d in draws["hood-fold-weight-computed"] if abs(d.answer - d.inputs["weight"]) <= 0.02]
    assert not [d for d in draws["hood-fold-bias-computed"]
                if d.inputs["running_var"] == 1 or d.inputs["beta"] == 0 or d.inputs["running_mean"] == 0]
    assert not [d for d in draws["ln-entry-affine-computed"] if d.placeholders["row"] == d.placeholders["col"]]
    assert not [d for d in draws["hood-ln-weight-grad-computed"] if abs(d.answer) <= 0.02]


torch = pytest.importorskip("torch")


def _torch_answer(question: ComputedQuestion, instance) -> float | None:
    """The same number from torch.nn.functional, for the generators that are one layer call."""
    i, p = instance.inputs, instance.placeholders
    t = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))  # noqa: E731
    if question.generator in ("layer_norm_entry", "batch_norm_entry", "rms_norm_entry"):
        x, row, col = t(i["x"]), int(p["row"]), int(p["col"])
        gamma = t(i["gamma"]) if i.get("gamma") is not None else None
        beta = t(i["beta"]) if i.get("beta") is not None else None
        if question.generator == "layer_norm_entry":
            out = torch.nn.functional.layer_norm(x, (x.shape[1],), gamma, beta, eps=1e-5)
        elif question.generator == "rms_norm_entry":
            out = torch.nn.functional.rms_norm(x, (x.shape[1],), eps=1e-5)
        else:
            out = torch.nn.functional.batch_norm(x, None, None, gamma, beta, training=True, eps=1e-5)
        return float(out[row, col])
    if question.generator == "group_norm_entry":
        out = torch.nn.functional.group_norm(t(i["x"]), int(p["groups"]), eps=1e-5)
        return float(out[0, int(p["channel"]), int(p["position"])])
    if question.generator == "running_stat_after_steps":
        params = question.params
        layer = torch.nn.BatchNorm1d(1, momentum=params.get("momentum", 0.1), dtype=torch.float64)
        for batch in i["batches"]:
            layer(t(batch).reshape(-1, 1))
        return float(getattr(layer, params.get("statistic", "running_mean"))[0])
    if question.generator in ("batch_norm_eval_output", "ported_eps_output"):
        out = torch.nn.functional.batch_norm(
            t([[i["x"]]]), t([i["running_mean"]]), t([i["running_var"]]), t([i["gamma"]]), t([i["beta"]]),
            training=False, eps=1e-5)
        return float(out[0, 0])
    if question.generator == "layer_norm_weight_grad":
        x = t(i["x"])
        weight = torch.ones(x.shape[1], dtype=torch.float64, requires_grad=True)
        torch.nn.functional.layer_norm(x, (x.shape[1],), weight, None, eps=1e-5).backward(t(i["upstream"]))
        return float(weight.grad[int(p["col"])])
    if question.generator == "parameter_count":
        return float(sum(parameter.numel() for parameter in _torch_layer(question.params, i["size"]).parameters()))
    if question.generator in ("folded_batch_norm", "folded_batch_norm_before"):
        return _torch_fold(question, i)
    return None


def _torch_layer(params: dict, size) -> torch.nn.Module:
    layer, affine = params["layer"], params.get("affine")
    if layer in ("layer_norm", "rms_norm"):
        cls = torch.nn.LayerNorm if layer == "layer_norm" else torch.nn.RMSNorm
        return cls(size) if affine is None else cls(size, elementwise_affine=affine)
    cls = {"batch_norm": torch.nn.BatchNorm2d, "instance_norm": torch.nn.InstanceNorm2d}.get(layer)
    if cls is None:
        return torch.nn.GroupNorm(1, size) if affine is None else torch.nn.GroupNorm(1, size, affine=affine)
    return cls(size) if affine is None else cls(size, affine=affine)


def _torch_bn(features: int, i: dict) -> torch.nn.BatchNorm1d:
    bn = torch.nn.BatchNorm1d(features, dtype=torch.float64).eval()
    with torch.no_grad():
        for name, buffer in (("running_mean", bn.running_mean), ("running_var", bn.running_var),
                             ("gamma", bn.weight), ("beta", bn.bias)):
            buffer.copy_(torch.as_tensor(np.atleast_1d(i[name]), dtype=torch.float64))
    return bn


def _torch_fold(question: ComputedQuestion, i: dict) -> float:
    """Run the unfolded pair in eval mode: the folded bias is its output at 0, a weight the slope."""
    before = question.generator == "folded_batch_norm_before"
    linear = torch.nn.Linear(2 if before else 1, 1, dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.as_tensor(np.atleast_2d(i["weights"] if before else i["weight"])))
        linear.bias.fill_(i["bias"])
    model = torch.nn.Sequential(_torch_bn(2, i), linear) if before else torch.nn.Sequential(linear, _torch_bn(1, i))
    features = 2 if before else 1
    with torch.no_grad():
        at_zero = float(model(torch.zeros(1, features, dtype=torch.float64))[0, 0])
        if question.params.get("quantity", "bias" if before else "weight") == "bias":
            return at_zero
        unit = torch.zeros(1, features, dtype=torch.float64)
        unit[0, i["feature"] if before else 0] = 1
        return float(model(unit)[0, 0]) - at_zero


@pytest.mark.parametrize("question_id", sorted(computed_questions()))
def test_key_matches_pytorch(question_id: str) -> None:
    question = computed_questions()[question_id]
    for seed in range(60):
        instance = generate(question, seed)
        reference = _torch_answer(question, instance)
        if reference is None:
            pytest.skip(f"{question.generator} is not one PyTorch call (checked by the NumPy oracle)")
        assert instance.answer == pytest.approx(reference, rel=1e-6, abs=1e-6), (question_id, seed)
