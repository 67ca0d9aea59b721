"""The training demo's engine (normquiz.lab.training): learning, gradients, reproducibility, divergence, eval mode."""

from __future__ import annotations

import math

import numpy as np
import pytest

from normquiz.lab.training import (
    NORMS,
    StepResult,
    Trainer,
    TrainingConfig,
    sweep,
    train,
)
from normquiz.lab.task import make_spiral_task
from tests.core.gradients import numerical_gradient

#: A small, fast run: enough steps for the loss to fall clearly.
QUICK = TrainingConfig(depth=3, hidden=32, steps=120, learning_rate=0.1)


def _tiny_float64_trainer(norm: str) -> Trainer:
    """A 2-hidden-layer net of 5 units on 4 inputs, in float64, for finite differences."""
    config = TrainingConfig(
        norm=norm, depth=2, hidden=5, input_dim=4, batch_size=8, steps=1, dtype="float64", seed=3
    )
    trainer = Trainer(config)
    # Non-trivial gamma and beta, so their gradients and their effect on dx are exercised.
    rng = np.random.default_rng(11)
    for name, value in trainer.network.parameters.items():
        if name.startswith("norm") or name.endswith(".bias"):
            value += 0.3 * rng.standard_normal(value.shape)
    return trainer


@pytest.mark.parametrize("norm", NORMS)
def test_loss_decreases_at_a_sane_learning_rate(norm: str) -> None:
    losses = [result.loss for result in train(QUICK.replace(norm=norm), eval_every=0)]
    assert len(losses) == QUICK.steps
    first, last = np.mean(losses[:10]), np.mean(losses[-10:])
    assert last < 0.7 * first, (norm, first, last)
    assert last < math.log(3)  # better than chance on 3 classes


@pytest.mark.parametrize("norm", NORMS)
def test_parameter_gradients_match_central_differences(norm: str) -> None:
    trainer = _tiny_float64_trainer(norm)
    network = trainer.network
    x, labels = trainer.task.x_train[:8], trainer.task.y_train[:8]
    _, _, grads = network.loss_and_gradients(x, labels)
    assert grads.keys() == network.parameters.keys()
    for name, value in network.parameters.items():
        numeric = numerical_gradient(lambda: network.loss_and_gradients(x, labels)[0], value)
        error = np.linalg.norm(grads[name] - numeric) / max(np.linalg.norm(numeric), 1e-12)
        assert error < 1e-6, (norm, name, error)


def test_batch_norm_gradient_of_a_bias_before_it_would_be_zero() -> None:
    # Why the hidden linear layers have no bias under batch norm: BN cancels it exactly.
    trainer = _tiny_float64_trainer("batch")
    assert not any(name.startswith("linear") and name.endswith(".bias") for name in trainer.network.parameters)
    assert "linear1.bias" in _tiny_float64_trainer("layer").network.parameters


@pytest.mark.parametrize("norm", NORMS)
def test_a_run_is_reproducible_from_its_seed(norm: str) -> None:
    config = QUICK.replace(norm=norm, steps=40)
    first = [(r.loss, r.grad_norm) for r in train(config)]
    again = [(r.loss, r.grad_norm) for r in train(config)]
    other = [(r.loss, r.grad_norm) for r in train(config.replace(seed=1))]
    assert first == again  # bit-identical, not merely close
    assert first != other


def test_an_absurd_learning_rate_is_reported_as_divergence_not_raised() -> None:
    for norm in NORMS:
        results = list(train(QUICK.replace(norm=norm, learning_rate=1e8)))
        last = results[-1]
        assert last.diverged and not any(r.diverged for r in results[:-1]), norm
        assert last.step == len(results) < QUICK.steps
        assert last.evaluation is not None and math.isnan(last.evaluation.accuracy)


def test_a_diverged_trainer_says_so_and_refuses_more_steps() -> None:
    trainer = Trainer(QUICK.replace(norm="none", learning_rate=1e8))
    while not trainer.finished:
        trainer.step()
    assert trainer.status == "diverged" and trainer.diverged_at == trainer.steps_done
    with pytest.raises(RuntimeError, match="diverged"):
        trainer.step()


def test_a_trainer_finishes_after_its_steps_and_train_evaluates() -> None:
    results = list(train(QUICK.replace(steps=25), eval_every=10))
    assert [r.step for r in results] == list(range(1, 26))
    assert all(isinstance(r, StepResult) for r in results)
    assert [r.step for r in results if r.evaluation] == [10, 20, 25]
    final = results[-1].evaluation
    assert final is not None and 0.0 <= final.accuracy <= 1.0 and math.isfinite(final.loss)


def test_batch_norm_eval_mode_uses_running_statistics() -> None:
    trainer = Trainer(QUICK.replace(norm="batch", steps=30, dtype="float64"))
    while not trainer.finished:
        trainer.step()
    network, x = trainer.network, trainer.task.x_test[:64]
    assert not np.allclose(network.running_means[0], 0.0)  # the buffers recorded the batches
    alone, _ = network.forward(x[:1], training=False)
    in_batch, _ = network.forward(x, training=False)
    other_batch, _ = network.forward(np.concatenate([x[:1], 10.0 * x[1:]]), training=False)
    np.testing.assert_allclose(alone[0], in_batch[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(alone[0], other_batch[0], rtol=1e-10, atol=1e-12)
    # In training mode the same example's output does depend on its batch.
    train_a, _ = network.forward(x, training=True)
    train_b, _ = network.forward(np.concatenate([x[:1], 10.0 * x[1:]]), training=True)
    assert not np.allclose(train_a[0], train_b[0])


def test_evaluation_does_not_touch_the_running_statistics() -> None:
    trainer = Trainer(QUICK.replace(norm="batch", steps=5))
    for _ in range(5):
        trainer.step()
    before = [buffer.copy() for buffer in trainer.network.running_means + trainer.network.running_vars]
    trainer.evaluate()
    trainer.network.loss_and_gradients(trainer.task.x_train[:16], trainer.task.y_train[:16])
    after = trainer.network.running_means + trainer.network.running_vars
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_sweep_covers_the_grid() -> None:
    cells = sweep(
        QUICK.replace(steps=10), norms=("none", "layer"), learning_rates=(0.1, 1e8), init_scales=(1.0,)
    )
    assert [(c.norm, c.learning_rate) for c in cells] == [
        ("none", 0.1), ("none", 1e8), ("layer", 0.1), ("layer", 1e8)
    ]
    assert cells[0].diverged_at is None and math.isfinite(cells[0].final_loss)
    assert cells[1].diverged_at is not None and cells[1].final_loss == math.inf


def test_the_task_is_a_function_of_its_seed() -> None:
    a, b, c = make_spiral_task(0), make_spiral_task(0), make_spiral_task(1)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)
    assert a.x_train.shape == (2048, 32) and set(np.unique(a.y_train)) == {0, 1, 2}


@pytest.mark.parametrize(
    "changes",
    [{"norm": "group"}, {"depth": 0}, {"learning_rate": -1.0}, {"momentum": 1.5}, {"dtype": "float16"}],
)
def test_a_bad_config_is_a_clear_value_error(changes: dict) -> None:
    with pytest.raises(ValueError, match="TrainingConfig"):
        TrainingConfig(**changes)


@pytest.mark.parametrize("norm", NORMS)
def test_matches_the_same_network_in_pytorch(norm: str) -> None:
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    trainer = _tiny_float64_trainer(norm)
    network = trainer.network
    params = {name: torch.tensor(value, requires_grad=True) for name, value in network.parameters.items()}
    x, labels = trainer.task.x_train[:8], trainer.task.y_train[:8]
    running = [(torch.zeros(5, dtype=torch.float64), torch.ones(5, dtype=torch.float64)) for _ in range(2)]

    def torch_logits(inputs: np.ndarray, training: bool) -> torch.Tensor:
        h = torch.tensor(inputs)
        for layer in (1, 2):
            z = h @ params[f"linear{layer}.weight"]
            if f"linear{layer}.bias" in params:
                z = z + params[f"linear{layer}.bias"]
            gamma, beta = params.get(f"norm{layer}.weight"), params.get(f"norm{layer}.bias")
            if norm == "batch":
                mean, var = running[layer - 1]
                z = functional.batch_norm(z, mean, var, gamma, beta, training, 0.1, 1e-5)
            elif norm == "layer":
                z = functional.layer_norm(z, (5,), gamma, beta, 1e-5)
            h = torch.relu(z)
        return h @ params["output.weight"] + params["output.bias"]

    loss = functional.cross_entropy(torch_logits(x, True), torch.tensor(labels))
    loss.backward()
    ours, _, grads = network.loss_and_gradients(x, labels, update_running=True)
    assert ours == pytest.approx(loss.item(), rel=1e-12)
    for name, grad in grads.items():
        np.testing.assert_allclose(grad, params[name].grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
    for (mean, var), our_mean, our_var in zip(running, network.running_means, network.running_vars):
        np.testing.assert_allclose(our_mean, mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(our_var, var.numpy(), rtol=1e-12)
    eval_logits, _ = network.forward(trainer.task.x_test[:16], training=False)
    with torch.no_grad():
        np.testing.assert_allclose(eval_logits, torch_logits(trainer.task.x_test[:16], False).numpy(), rtol=1e-10)
