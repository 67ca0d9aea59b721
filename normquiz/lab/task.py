"""The training demo's synthetic task: a noisy 2-D spiral, lifted to many input dims by a random linear map.

Each class is one arm of a spiral. A point of class ``k`` at position
``t ~ U(0, 1)`` along its arm is::

    angle = 2 * pi * (turns * t + k / classes)
    p     = t * (cos(angle), sin(angle)) + noise * N(0, I_2)

and the network sees ``x = p @ A`` with ``A`` a fixed ``(2, input_dim)``
matrix of N(0, 1) entries drawn from the same seed. The classes are not
linearly separable (the arms wind around each other), so the task needs
the hidden layers; the lift only spreads two informative directions over
``input_dim`` correlated features, as real inputs often are. Nothing in the
task is tuned to favour one normalization.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ClassificationTask", "make_spiral_task"]


@dataclass(frozen=True, eq=False)
class ClassificationTask:
    """A labelled training set and a held-out test set (arrays are read-only).

    Attributes:
        x_train, x_test: ``(n, input_dim)`` inputs.
        y_train, y_test: ``(n,)`` integer labels in ``[0, classes)``.
        classes: number of classes.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int

    @property
    def input_dim(self) -> int:
        """Number of input features."""
        return self.x_train.shape[1]


def _spiral_points(
    rng: np.random.Generator, count: int, classes: int, turns: float, noise: float
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` 2-D spiral points (see the module docstring) and their labels."""
    labels = rng.integers(0, classes, size=count)
    position = rng.random(count)
    angle = 2.0 * np.pi * (turns * position + labels / classes)
    points = position[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    points += noise * rng.standard_normal((count, 2))
    return points, labels


def make_spiral_task(
    seed: int,
    *,
    input_dim: int = 32,
    classes: int = 3,
    turns: float = 1.0,
    noise: float = 0.05,
    train_size: int = 2048,
    test_size: int = 1024,
    dtype: str | np.dtype = "float32",
) -> ClassificationTask:
    """Draw a spiral classification task from ``seed`` (same seed, same arrays, bit for bit).

    Args:
        seed: seeds the points, the labels and the lifting matrix.
        input_dim: number of features the network sees (>= 2).
        classes: number of spiral arms (>= 2).
        turns: how many times each arm winds around the centre.
        noise: standard deviation of the 2-D Gaussian noise added to each point.
        train_size, test_size: number of training and held-out examples.
        dtype: dtype of the inputs.

    Returns:
        A ``ClassificationTask``; train and test are independent draws of
        the same distribution (same lifting matrix).
    """
    if input_dim < 2 or classes < 2 or train_size < 1 or test_size < 1:
        raise ValueError(
            "make_spiral_task needs input_dim >= 2, classes >= 2 and positive set sizes; got "
            f"input_dim={input_dim}, classes={classes}, train_size={train_size}, test_size={test_size}."
        )
    points_rng, lift_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    lift = lift_rng.standard_normal((2, input_dim))
    points, labels = _spiral_points(points_rng, train_size + test_size, classes, turns, noise)
    inputs = (points @ lift).astype(dtype)
    labels = labels.astype(np.intp)
    for array in (inputs, labels):
        array.setflags(write=False)
    return ClassificationTask(
        x_train=inputs[:train_size],
        y_train=labels[:train_size],
        x_test=inputs[train_size:],
        y_test=labels[train_size:],
        classes=classes,
    )
