"""A stateful batch-norm layer that owns its running statistics, like ``torch.nn.BatchNorm1d/2d``."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np

from normquiz.core import _checks
from normquiz.core.functional import batch_norm

__all__ = ["BatchNorm"]


class BatchNorm:
    r"""Batch normalization with running statistics, as ``torch.nn.BatchNorm1d/2d/3d``.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \gamma + \beta

    Channels are on axis 1 (``(N, C)``, ``(N, C, L)``, ``(N, C, H, W)``, ...).
    In training mode (the default, ``.train()``) each call normalizes with
    the batch's mean and biased variance and, when ``track_running_stats``,
    updates ``running_mean`` and ``running_var`` (unbiased) in place::

        running = (1 - momentum) * running + momentum * batch_stat

    ``momentum=None`` makes that a cumulative average: the factor is
    ``1 / num_batches_tracked``, so after k batches the buffers are the plain
    mean of the k batch statistics (the initial 0 and 1 are forgotten at
    the first batch). In eval mode (``.eval()``) the running statistics
    normalize; without them (``track_running_stats=False``) batch statistics
    are used in both modes, as in PyTorch.

    Attributes:
        weight, bias: ``(C,)`` gamma (ones) and beta (zeros), or None when not affine.
        running_mean, running_var: ``(C,)`` buffers (zeros and ones), or None.
        num_batches_tracked: training batches seen (int), or None.
        training: True in training mode.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        dtype: Any = np.float32,
    ) -> None:
        if isinstance(num_features, bool) or not isinstance(num_features, Integral) or num_features < 1:
            raise ValueError(f"BatchNorm: num_features must be a positive int, got {num_features!r}.")
        if momentum is not None:
            _checks.momentum_value(momentum, "BatchNorm")
        self.num_features = int(num_features)
        self.eps = _checks.positive_eps(eps, "BatchNorm")
        self.momentum = momentum
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        self.dtype = np.dtype(dtype)
        self.training = True
        self.weight: np.ndarray | None = None
        self.bias: np.ndarray | None = None
        self.running_mean: np.ndarray | None = None
        self.running_var: np.ndarray | None = None
        self.num_batches_tracked: int | None = None
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batch seen."""
        if self.track_running_stats:
            self.running_mean = np.zeros(self.num_features, dtype=self.dtype)
            self.running_var = np.ones(self.num_features, dtype=self.dtype)
            self.num_batches_tracked = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, and gamma to 1 and beta to 0."""
        self.reset_running_stats()
        if self.affine:
            self.weight = np.ones(self.num_features, dtype=self.dtype)
            self.bias = np.zeros(self.num_features, dtype=self.dtype)

    def train(self, mode: bool = True) -> BatchNorm:
        """Switch to training mode (or eval with ``mode=False``); returns self."""
        self.training = bool(mode)
        return self

    def eval(self) -> BatchNorm:
        """Switch to eval mode: normalize with the running statistics; returns self."""
        return self.train(False)

    def __call__(self, x: Any, mask: Any = None) -> np.ndarray:
        """Normalize ``x`` ``(N, C, *spatial)``; see ``batch_norm`` for ``mask``."""
        shape = np.shape(x)
        if len(shape) >= 2 and shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm({self.num_features}) expects {self.num_features} channels on axis 1, "
                f"got an input of shape {tuple(shape)}."
            )
        updating = self.training and self.track_running_stats
        factor = 0.0
        if updating:
            # PyTorch's rule: the cumulative average weighs batch k by 1/k.
            factor = 1.0 / (self.num_batches_tracked + 1) if self.momentum is None else self.momentum
        use_batch_stats = self.training or self.running_mean is None
        out = batch_norm(
            x,
            self.running_mean if (updating or not self.training) else None,
            self.running_var if (updating or not self.training) else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
            mask=mask,
        )
        if updating:
            # Counted only once the batch was accepted, so a rejected input leaves no trace.
            self.num_batches_tracked += 1
        return out

    def __repr__(self) -> str:
        return (
            f"BatchNorm({self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats})"
        )
