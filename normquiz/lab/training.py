"""The training demo's engine: train a small MLP from scratch with SGD, with no, batch or layer normalization.

Built for a live UI: a ``Trainer`` advances one minibatch per ``step()`` (so
a worker thread can stop between any two steps), ``train()`` wraps it in a
generator, and ``sweep()`` runs a grid of (norm, learning rate, init scale)
for a summary table. Divergence (a NaN, infinite or huge loss) is a
state of the run, never an exception. Everything is drawn from the
config's seeds, so the same config gives bit-identical losses.

The network and its forward/backward are in ``training_network``; the
synthetic task (a spiral lifted to ``input_dim`` features) in
``training_data``. Findings on that task: docs/training-demo.md.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Literal

import numpy as np

from normquiz.lab.task import ClassificationTask, make_spiral_task
from normquiz.lab.network import MLP, NORMS

__all__ = [
    "DEMO_PRESETS",
    "NORMS",
    "SWEEP_INIT_SCALES",
    "SWEEP_LEARNING_RATES",
    "DemoPreset",
    "EvalResult",
    "StepResult",
    "SweepCell",
    "Trainer",
    "TrainingConfig",
    "TrainingStatus",
    "sweep",
    "iter_sweep",
    "make_task",
    "run_to_end",
    "train",
]

TrainingStatus = Literal["ready", "training", "finished", "diverged"]

#: Default grid of ``sweep``: learning rates and multipliers of He initialization.
SWEEP_LEARNING_RATES = (0.01, 0.1, 1.0, 10.0)
SWEEP_INIT_SCALES = (0.1, 1.0, 10.0)


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that determines a training run (two equal configs give bit-identical runs).

    Attributes:
        norm: ``"none"``, ``"batch"`` or ``"layer"``: what follows each hidden linear layer.
        learning_rate: SGD step size.
        init_scale: multiplier of He initialization (``std = init_scale * sqrt(2 / fan_in)``).
        hidden: units per hidden layer.
        depth: number of hidden layers (Linear -> norm -> ReLU blocks).
        batch_size: examples per SGD step.
        steps: number of SGD steps in the run.
        seed: seeds the initial weights and the order of the minibatches.
        momentum: SGD momentum (0 is plain SGD), PyTorch's form ``v = mu v + g; p -= lr v``.
        task_seed: seeds the synthetic task (points, labels and lifting map).
        input_dim: features the network sees.
        bn_momentum: weight of each batch in batch norm's running statistics.
        eps: the normalization layers' eps.
        dtype: ``"float32"`` or ``"float64"``.
        max_loss: a training loss above this (or not finite) ends the run as
            diverged; chance level is ``ln(classes)``, about 1.1. With a
            normalization after every hidden layer the loss can grow without
            ever overflowing (only the output layer is unnormalized), so NaN
            alone would miss runs that plainly blew up.
    """

    norm: str = "batch"
    learning_rate: float = 0.1
    init_scale: float = 1.0
    hidden: int = 64
    depth: int = 6
    batch_size: int = 128
    steps: int = 300
    seed: int = 0
    momentum: float = 0.0
    task_seed: int = 0
    input_dim: int = 32
    bn_momentum: float = 0.1
    eps: float = 1e-5
    dtype: str = "float32"
    max_loss: float = 100.0

    def __post_init__(self) -> None:
        if self.norm not in NORMS:
            raise ValueError(f"TrainingConfig: norm must be one of {', '.join(NORMS)}; got {self.norm!r}.")
        for name in ("hidden", "depth", "batch_size", "steps", "input_dim"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
                raise ValueError(f"TrainingConfig: {name} must be a positive int, got {value!r}.")
        if self.batch_size < 2 and self.norm == "batch":
            raise ValueError("TrainingConfig: batch norm needs batch_size >= 2 (one example has no variance).")
        for name in ("learning_rate", "init_scale", "eps", "max_loss"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < math.inf:
                raise ValueError(f"TrainingConfig: {name} must be a positive finite number, got {value!r}.")
        for name in ("momentum", "bn_momentum"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value <= 1:
                raise ValueError(f"TrainingConfig: {name} must be a number in [0, 1], got {value!r}.")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"TrainingConfig: dtype must be 'float32' or 'float64', got {self.dtype!r}.")

    def replace(self, **changes: object) -> TrainingConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class DemoPreset:
    """A named starting point for the training demo: run ``config`` with each norm and compare the curves."""

    name: str
    description: str
    config: TrainingConfig


#: Settings where the sweep (docs/training-demo.md, 3 seeds) shows a clear, seed-stable contrast.
DEMO_PRESETS = (
    DemoPreset("baseline", "He init, lr 0.1: all three learn; batch norm gets there first.", TrainingConfig()),
    DemoPreset(
        "high learning rate", "lr 1: batch norm still learns; none and layer norm stall near chance.",
        TrainingConfig(learning_rate=1.0),
    ),
    DemoPreset(
        "small init", "He init x0.1: no norm never leaves chance (the signal vanishes); batch norm learns.",
        TrainingConfig(init_scale=0.1),
    ),
    DemoPreset(
        "large init", "He init x10: no norm blows up at step 1; layer norm stalls; batch norm learns.",
        TrainingConfig(init_scale=10.0),
    ),
)


def make_task(config: TrainingConfig) -> ClassificationTask:
    """The synthetic task a config trains on (a function of ``task_seed``, ``input_dim`` and ``dtype``)."""
    return make_spiral_task(config.task_seed, input_dim=config.input_dim, dtype=config.dtype)


@dataclass(frozen=True)
class EvalResult:
    """Eval-mode loss and accuracy on the held-out set, after ``step`` SGD steps (NaN once diverged)."""

    step: int
    loss: float
    accuracy: float


@dataclass(frozen=True)
class StepResult:
    """One SGD step: ``step`` counts from 1; ``loss``/``accuracy`` are the minibatch's, in training mode,
    before the update; ``grad_norm`` is the global L2 norm of all parameter gradients. ``diverged``: the
    loss was NaN, infinite or above ``config.max_loss``, or a gradient was not finite; the update was
    not applied, and the run is over.
    ``evaluation`` is filled in by ``train()`` every ``eval_every`` steps."""

    step: int
    loss: float
    accuracy: float
    grad_norm: float
    diverged: bool = False
    evaluation: EvalResult | None = None


class Trainer:
    """One training run, advanced a minibatch at a time.

    ``step()`` until ``finished``; ``evaluate()`` at any point. To restart,
    make a new ``Trainer`` from the same config: it replays the same run.

    Attributes:
        config: the run's ``TrainingConfig``.
        task: the data (by default ``make_task(config)``).
        network: the ``MLP`` being trained.
        status: ``"ready"`` (no step yet), ``"training"``, ``"finished"``
            (``config.steps`` steps done) or ``"diverged"``.
        losses: the training loss of every step so far.
        steps_done: SGD steps taken, ``len(losses)`` (the diverging step counts).
        diverged_at: the step whose loss was not finite or above ``config.max_loss``, or None.
    """

    def __init__(self, config: TrainingConfig = TrainingConfig(), *, task: ClassificationTask | None = None) -> None:
        self.config = config
        self.task = make_task(config) if task is None else task
        if config.batch_size > self.task.x_train.shape[0]:
            raise ValueError(
                f"Trainer: batch_size {config.batch_size} exceeds the task's "
                f"{self.task.x_train.shape[0]} training examples; use a smaller batch."
            )
        init_seed, batch_seed = np.random.SeedSequence(config.seed).spawn(2)
        self.network = MLP(
            input_dim=self.task.input_dim,
            classes=self.task.classes,
            hidden=config.hidden,
            depth=config.depth,
            norm=config.norm,
            init_scale=config.init_scale,
            rng=np.random.default_rng(init_seed),
            dtype=config.dtype,
            eps=config.eps,
            bn_momentum=config.bn_momentum,
        )
        self._velocity = {name: np.zeros_like(p) for name, p in self.network.parameters.items()}
        self._batch_rng = np.random.default_rng(batch_seed)
        self._order = np.empty(0, dtype=np.intp)
        self._cursor = 0
        self.status: TrainingStatus = "ready"
        self.losses: list[float] = []

    @property
    def steps_done(self) -> int:
        """SGD steps taken (the diverging step counts)."""
        return len(self.losses)

    @property
    def diverged_at(self) -> int | None:
        """The step whose loss was not finite or above ``config.max_loss``, or None."""
        return self.steps_done if self.status == "diverged" else None

    @property
    def finished(self) -> bool:
        """True once the run is over: all steps done, or diverged."""
        return self.status in ("finished", "diverged")

    def _next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """The next minibatch: epochs of a fresh random permutation, the last partial batch dropped."""
        size = self.config.batch_size
        train_size = self.task.x_train.shape[0]
        if self._cursor + size > self._order.size:
            self._order = self._batch_rng.permutation(train_size)
            self._cursor = 0
        indices = self._order[self._cursor : self._cursor + size]
        self._cursor += size
        return self.task.x_train[indices], self.task.y_train[indices]

    def step(self) -> StepResult:
        """One SGD step on the next minibatch (batch norm in training mode, recording running statistics).

        Raises:
            RuntimeError: the run is already over (check ``finished``; start a new Trainer to run again).
        """
        if self.finished:
            raise RuntimeError(
                f"Trainer: this run is {self.status} (step {self.steps_done}); make a new Trainer to train again."
            )
        x, labels = self._next_batch()
        params, lr, mu = self.network.parameters, self.config.learning_rate, self.config.momentum
        with np.errstate(all="ignore"):  # overflow is expected when a run diverges; it is checked below
            loss, accuracy, grads = self.network.loss_and_gradients(x, labels, update_running=True)
            grad_norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
            diverged = not (loss <= self.config.max_loss and math.isfinite(grad_norm))
            if not diverged:
                for name, grad in grads.items():
                    velocity = self._velocity[name]
                    velocity *= mu
                    velocity += grad
                    params[name] -= lr * velocity
        self.losses.append(loss)
        if diverged:
            self.status = "diverged"
        else:
            self.status = "finished" if self.steps_done >= self.config.steps else "training"
        return StepResult(self.steps_done, loss, accuracy, grad_norm, diverged)

    def evaluate(self) -> EvalResult:
        """Eval-mode loss and accuracy on the held-out set (batch norm uses its running statistics)."""
        if self.status == "diverged":
            return EvalResult(self.steps_done, math.nan, math.nan)
        with np.errstate(all="ignore"):
            loss, accuracy = self.network.evaluate(self.task.x_test, self.task.y_test)
        return EvalResult(self.steps_done, loss, accuracy)


def train(config: TrainingConfig = TrainingConfig(), *, eval_every: int = 50) -> Iterator[StepResult]:
    """Yield one ``StepResult`` per SGD step until the run finishes or diverges.

    Every ``eval_every`` steps, and at the last step, the result carries an
    ``EvalResult`` (``eval_every=0``: only at the last step). Stop early by
    leaving the loop; iterate ``train(config)`` again to restart the same run.
    """
    trainer = Trainer(config)
    while not trainer.finished:
        result = trainer.step()
        if trainer.finished or (eval_every and result.step % eval_every == 0):
            result = dataclasses.replace(result, evaluation=trainer.evaluate())
        yield result


@dataclass(frozen=True)
class SweepCell:
    """The outcome of one run of a sweep.

    ``final_loss`` is the mean training loss of the last tenth of the steps
    (minibatch losses are noisy), ``inf`` if the run diverged; ``eval_loss``
    and ``eval_accuracy`` are eval-mode, on the held-out set, at the end
    (NaN if diverged).
    """

    norm: str
    learning_rate: float
    init_scale: float
    seed: int
    final_loss: float
    eval_loss: float
    eval_accuracy: float
    diverged_at: int | None


def run_to_end(config: TrainingConfig, *, task: ClassificationTask | None = None) -> SweepCell:
    """Train one config to its last step (or divergence) and summarize it as a ``SweepCell``."""
    trainer = Trainer(config, task=task)
    while not trainer.finished:
        trainer.step()
    evaluation = trainer.evaluate()
    tail = trainer.losses[-max(1, config.steps // 10) :]
    final_loss = math.inf if trainer.diverged_at is not None else float(np.mean(tail))
    return SweepCell(
        config.norm, config.learning_rate, config.init_scale, config.seed,
        final_loss, evaluation.loss, evaluation.accuracy, trainer.diverged_at,
    )


def iter_sweep(
    base: TrainingConfig = TrainingConfig(),
    *,
    norms: Iterable[str] = NORMS,
    learning_rates: Iterable[float] = SWEEP_LEARNING_RATES,
    init_scales: Iterable[float] = SWEEP_INIT_SCALES,
    seeds: Iterable[int] = (0,),
) -> Iterator[SweepCell]:
    """Run ``base`` over the grid norms x learning rates x init scales x seeds, yielding each cell when done.

    The order is norm, then learning rate, then init scale, then seed
    (the last varies fastest). All runs share one task (``base.task_seed``).
    """
    task = make_task(base)
    seeds = tuple(seeds)
    for norm in norms:
        for learning_rate in learning_rates:
            for init_scale in init_scales:
                for seed in seeds:
                    config = base.replace(norm=norm, learning_rate=learning_rate, init_scale=init_scale, seed=seed)
                    yield run_to_end(config, task=task)


def sweep(
    base: TrainingConfig = TrainingConfig(),
    *,
    norms: Iterable[str] = NORMS,
    learning_rates: Iterable[float] = SWEEP_LEARNING_RATES,
    init_scales: Iterable[float] = SWEEP_INIT_SCALES,
    seeds: Iterable[int] = (0,),
) -> list[SweepCell]:
    """All the cells of ``iter_sweep`` (same arguments), as a list."""
    return list(
        iter_sweep(base, norms=norms, learning_rates=learning_rates, init_scales=init_scales, seeds=seeds)
    )
