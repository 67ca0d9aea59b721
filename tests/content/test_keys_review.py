"""Keys and claims changed by the fact-check review of the senior questions, rerun with PyTorch.

Each test reruns the behaviour a rewritten question or choice now states, and
checks that the bank marks the choice the way that behaviour says it should.
"""

from __future__ import annotations

import pytest

from tests.content.bank_keys import correct_texts, question

torch = pytest.importorskip("torch")
nn = torch.nn


def _first_to_last_gradient_ratios(steps: int, lr: float) -> list[float]:
    """A 50-layer ReLU MLP, BN after every linear layer, no skips: ‖∇W₁‖ / ‖∇W₅₀‖ before each SGD step."""
    torch.manual_seed(0)
    depth, width = 50, 256
    layers = [nn.Linear(width, width, bias=False) for _ in range(depth)]
    for layer in layers:
        nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    norms = [nn.BatchNorm1d(width) for _ in range(depth)]
    head = nn.Linear(width, 10)
    parameters = [p for module in [*layers, *norms, head] for p in module.parameters()]
    optimizer = torch.optim.SGD(parameters, lr=lr)
    x, labels = torch.randn(128, width), torch.randint(0, 10, (128,))
    ratios = []
    for _ in range(steps):
        h = x
        for layer, norm in zip(layers, norms):
            h = torch.relu(norm(layer(h)))
        loss = nn.functional.cross_entropy(head(h), labels)
        optimizer.zero_grad()
        loss.backward()
        ratios.append(layers[0].weight.grad.norm().item() / layers[-1].weight.grad.norm().item())
        optimizer.step()
    return ratios


def test_exploded_gradients_settle_after_one_step_so_a_late_log_proves_nothing() -> None:
    assert question("bn-explosion-after-first-steps")["answer"] is False
    at_init, after_one_step = _first_to_last_gradient_ratios(steps=2, lr=0.1)
    assert at_init > 1000  # exploded towards the input at initialization
    assert after_one_step < at_init / 10  # "a dramatically smaller dynamic range" after a single step


def test_momentum_zero_keeps_the_buffers_but_training_mode_still_uses_batch_statistics() -> None:
    bn = nn.BatchNorm2d(3, momentum=0.0)
    with torch.no_grad():
        bn.running_mean.fill_(5.0)
        bn.running_var.fill_(4.0)
    bn.requires_grad_(False)
    bn.train()
    x = torch.randn(4, 3, 5, 5)
    y = bn(x)
    assert torch.equal(bn.running_mean, torch.full((3,), 5.0))  # kept...
    torch.testing.assert_close(y, nn.functional.batch_norm(x, None, None, training=True))  # ...but not used
    texts = correct_texts("bn-frozen-modes")
    assert len(texts) == 3 and not any("momentum=0" in text for text in texts)


def test_the_validation_loop_measures_in_eval_mode_and_then_leaves_the_model_there() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
    modes_seen_by_validation = []
    model.train()
    for _epoch in range(2):
        model(torch.randn(8, 4)).sum().backward()  # training step, whatever mode the model is in
        model.eval()
        modes_seen_by_validation.append(model.training)
    assert modes_seen_by_validation == [False, False]  # every validation in eval mode
    assert not model[1].training  # and the second epoch trained in eval mode
    texts = correct_texts("hood-forgot-eval-validation")
    assert len(texts) == 3 and any("validation accuracy is measured in eval mode" in t for t in texts)
    assert not any("keep following the weights" in t for t in texts)


def test_test_time_adaptation_questions_cite_the_study_of_its_failures() -> None:
    for qid in ("dyn-tent", "dyn-domain-shift-open"):
        assert any("arXiv:2302.12400" in ref for ref in question(qid)["references"]), qid


def test_ported_eps_factor_over_the_drawn_variances() -> None:
    import math

    factors = [math.sqrt((v + 1e-3) / (v + 1e-5)) for v in (0.004, 0.002, 0.001, 0.0005)]
    assert 1.1 < min(factors) < 1.15 and 1.7 < max(factors) < 1.75  # "1.1 to 1.7 times"
    assert "1.1 to 1.7 times" in " ".join(question("bn-port-eps-computed")["explanation"].split())
