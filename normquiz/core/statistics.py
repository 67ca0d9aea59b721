"""The statistics each normalization computes, for the forward passes and for display.

``normalization_statistics`` returns the mean, the variance, which axes were
reduced and which elements share a statistic, so a demo can show them without
re-deriving anything. The forward and backward passes go through the same
functions (``batch_statistics`` and the row layouts below, on top of
``normquiz.core.moments`` and ``normquiz.core.columns``): one formula, one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from normquiz.core import _checks
from normquiz.core.columns import column_moments
from normquiz.core.moments import combine_moments, row_moments
from normquiz.vocabulary import NORM_KINDS

__all__ = [
    "KINDS",
    "NormStatistics",
    "normalization_statistics",
    "batch_statistics",
    "batch_count",
    "group_rows",
    "instance_rows",
    "layer_rows",
]

#: The statistics ``normalization_statistics`` knows, by the layer that uses them.
KINDS = NORM_KINDS


@dataclass(frozen=True)
class NormStatistics:
    """The statistics one normalization layer computes from an input ``x``.

    Attributes:
        kind: ``"batch"``, ``"layer"``, ``"instance"``, ``"group"`` or ``"rms"``.
        mean: float64 mean, with x's number of dimensions and size 1 along the
            reduced axes, so ``x - mean`` broadcasts. Zeros for ``"rms"``.
        var: float64 *biased* variance (divide by ``count``), same shape as
            ``mean``; for ``"rms"`` the mean square ``mean(x^2)``, so every
            layer normalizes as ``(x - mean) / sqrt(var + eps)``.
        reduced_axes: the axes of x each statistic runs over. For
            ``"group"`` this is ``(1, 2, ...)``: the channel axis is reduced
            within each group of ``C / num_groups`` channels only.
        group_index: int array of x's shape; elements with the same id share
            one mean and variance. Ids run from 0 to ``num_statistics - 1`` in
            C order of the statistics (batch: channel c; layer/rms: row
            number; instance: ``n * C + c``; group: ``n * G + g``).
            Positions excluded by a batch-norm mask get ``-1``.
        count: how many elements each statistic was computed over (for a
            masked batch norm: the valid positions per channel).
    """

    kind: str
    mean: np.ndarray
    var: np.ndarray
    reduced_axes: tuple[int, ...]
    group_index: np.ndarray
    count: int

    @property
    def num_statistics(self) -> int:
        """How many separate (mean, variance) pairs there are."""
        return int(self.group_index.max(initial=-1)) + 1

    @property
    def unbiased_var(self) -> np.ndarray:
        """``var * count / (count - 1)``: what batch norm stores in ``running_var``."""
        if self.count < 2:
            return np.full_like(self.var, np.nan)
        return self.var * (self.count / (self.count - 1))

    def rstd(self, eps: float = 1e-5) -> np.ndarray:
        """``1 / sqrt(var + eps)``, the factor that scales ``x - mean``."""
        return 1.0 / np.sqrt(self.var + eps)

    def per_statistic(self, values: np.ndarray) -> np.ndarray:
        """Pick one value per statistic (id order) from an array broadcastable to x, e.g.
        ``stats.per_statistic(stats.mean)`` is the 1-D list of means a demo tabulates."""
        flat = np.broadcast_to(values, self.group_index.shape).ravel()
        ids = self.group_index.ravel()
        result = np.full(self.num_statistics, np.nan)
        result[ids[ids >= 0]] = flat[ids >= 0]
        return result


def channel_moments(x: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Batch-norm statistics: per channel (axis 1) over all other axes of ``x`` ``(N, C, *S)``.

    With a boolean ``mask`` of shape ``(N, *S)`` only the valid (True)
    positions count. Returns float64 ``mean`` and biased ``var`` of shape
    ``(C,)`` and the number of values each was computed over.
    """
    num_channels = x.shape[1]
    if x.size == 0:  # an empty batch (or no channels): the mean of nothing is NaN, as np.mean gives
        count = x.shape[0] * math.prod(x.shape[2:]) if mask is None else int(mask.sum())
        return np.full(num_channels, np.nan), np.full(num_channels, np.nan), count
    if mask is not None:
        # Gather the valid positions into a (count, C) matrix: one column per channel.
        valid = np.moveaxis(x, 1, -1)[mask]
        mean, var, _ = column_moments(valid)
        return mean, var, valid.shape[0]
    if x.ndim == 2:
        mean, var, _ = column_moments(x)
        return mean, var, x.shape[0]
    # Spatial inputs: statistics of each (sample, channel) row of S values, then
    # merged across samples, so the big reduction runs over contiguous memory.
    samples, spatial = x.shape[0], x[0, 0].size
    row_mean, row_var = row_moments(x.reshape(samples * num_channels, spatial))
    mean, m2 = combine_moments(
        row_mean.reshape(samples, num_channels),
        row_var.reshape(samples, num_channels) * spatial,
        np.float64(spatial),
    )
    return mean, m2 / (samples * spatial), samples * spatial


def batch_count(x: np.ndarray, mask: np.ndarray | None, function: str) -> int:
    """Values per channel in a training batch (valid positions, when masked).

    Raises PyTorch's ValueError when a channel would have a single value (its
    variance is 0 and the unbiased correction divides by 0). An empty batch
    (no positions at all) gives 0, which PyTorch accepts too: there is
    nothing to normalize and nothing to record.
    """
    positions = x.shape[0] * math.prod(x.shape[2:])
    count = int(mask.sum()) if mask is not None else positions
    if count == 0 and positions:
        raise ValueError(
            f"{function}: the mask marks no valid position, so no channel has a value to "
            "compute statistics from; mark at least 2 positions True (True = valid)."
        )
    if count == 1:
        detail = "" if mask is None else f" (the mask leaves {count} valid position per channel)"
        raise ValueError(
            "Expected more than 1 value per channel when training, got input size "
            f"{_checks.torch_size(x.shape)}{detail}"
        )
    return count


def batch_statistics(
    x: np.ndarray, mask: np.ndarray | None, function: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """Training-mode batch-norm statistics of a validated ``(N, C, *S)`` input.

    Returns ``(mean, var, count)``. Raises as ``batch_count`` does for a batch
    with one value per channel; an empty batch gives NaN statistics. The unmasked ``(N, C)`` forward pass computes
    the same statistics inside ``columns.normalize_columns``.
    """
    batch_count(x, mask, function)
    return channel_moments(x, mask)


def layer_rows(x: np.ndarray, normalized_shape: tuple[int, ...]) -> np.ndarray:
    """View ``(*, *normalized_shape)`` as ``(M, K)``: one row per leading index (layer and RMS norm).

    The row count is spelled out: ``reshape(-1, 0)`` cannot infer it for an empty input.
    """
    k = len(normalized_shape)
    return x.reshape(math.prod(x.shape[: x.ndim - k]), math.prod(normalized_shape))


def instance_rows(x: np.ndarray, function: str) -> np.ndarray:
    """View ``(N, C, *S)`` as ``(N * C, S)``: one row per (sample, channel).

    One spatial position is refused with PyTorch's message; none (an empty
    input) is accepted, as PyTorch does.
    """
    spatial = math.prod(x.shape[2:])
    if spatial == 1:
        raise ValueError(
            "Expected more than 1 spatial element when training, got input size "
            f"{_checks.torch_size(x.shape)} ({function} normalizes each channel of each "
            "sample over its spatial positions)"
        )
    return x.reshape(x.shape[0] * x.shape[1], spatial)


def group_rows(x: np.ndarray, num_groups: Any, function: str) -> np.ndarray:
    """View ``(N, C, *S)`` as ``(N * G, C / G * S)``: one row per (sample, group)."""
    channels = x.shape[1]
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)) or num_groups < 1:
        raise ValueError(f"{function}: num_groups must be a positive int, got {num_groups!r}.")
    if channels % num_groups:
        raise ValueError(
            f"{function}: the number of channels ({channels}, axis 1 of input shape "
            f"{tuple(x.shape)}) must be divisible by num_groups={num_groups}; "
            f"try a divisor of {channels}."
        )
    # Explicit row length: reshape cannot infer -1 for an empty input.
    return x.reshape(x.shape[0] * int(num_groups), channels // int(num_groups) * math.prod(x.shape[2:]))


def normalization_statistics(
    x: Any,
    kind: str,
    *,
    normalized_shape: Any = None,
    num_groups: int | None = None,
    mask: Any = None,
) -> NormStatistics:
    """Mean and (biased) variance that a normalization layer computes from ``x``.

    ============  ===============================  ==========================
    kind          input and extra argument          statistics over
    ============  ===============================  ==========================
    ``batch``     ``(N, C, *S)``, optional ``mask``  axes 0, 2, ...: per channel
    ``layer``     ``(*, *normalized_shape)``        the trailing ``normalized_shape``
    ``instance``  ``(N, C, *S)``                    axes 2, ...: per sample and channel
    ``group``     ``(N, C, *S)``, ``num_groups``      each group of ``C / G`` channels
                                                    and all spatial positions
    ``rms``       ``(*, *normalized_shape)``        like ``layer``; mean 0 and
                                                    ``var = mean(x^2)``
    ============  ===============================  ==========================

    Batch statistics are the training-mode ones (the current batch, not the
    running averages). Every layer then computes
    ``y = (x - mean) / sqrt(var + eps) * weight + bias``. See
    :class:`NormStatistics` for the fields.
    """
    if kind not in KINDS:
        raise _checks.unknown_choice("kind", kind, KINDS)
    function = f"normalization_statistics(kind={kind!r})"
    extras = {"normalized_shape": normalized_shape, "num_groups": num_groups, "mask": mask}
    allowed = {"batch": "mask", "layer": "normalized_shape", "rms": "normalized_shape", "group": "num_groups"}
    for name, value in extras.items():
        if value is not None and allowed.get(kind) != name:
            raise ValueError(f"{function}: {name} does not apply to kind={kind!r}; leave it out.")
    if kind in ("layer", "rms"):
        if normalized_shape is None:
            raise ValueError(f"{function} needs normalized_shape (the trailing dimensions to normalize).")
        array, _ = _checks.float_input(x)
        shape = _checks.normalized_shape_tuple(normalized_shape, array, function)
        k = len(shape)
        mean, var = row_moments(layer_rows(array, shape), center=kind == "layer")
        stat_shape = array.shape[: array.ndim - k] + (1,) * k
        return _build(kind, array, mean, var, stat_shape, tuple(range(array.ndim - k, array.ndim)),
                      mean.size, math.prod(shape))
    array, _ = _checks.channel_input(x, function, min_ndim=3 if kind == "instance" else 2)
    n, c, spatial_axes = array.shape[0], array.shape[1], tuple(range(2, array.ndim))
    ones = (1,) * len(spatial_axes)
    if kind == "batch":
        valid = _checks.boolean_mask(mask, array.shape, function)
        mean, var, count = batch_statistics(array, valid, function)
        return _build(kind, array, mean, var, (1, c) + ones, (0,) + spatial_axes, c, count, valid)
    if kind == "instance":
        rows = instance_rows(array, function)
        mean, var = row_moments(rows)
        return _build(kind, array, mean, var, (n, c) + ones, spatial_axes, n * c, rows.shape[1])
    if num_groups is None:
        raise ValueError(f"{function} needs num_groups.")
    rows = group_rows(array, num_groups, function)
    mean, var = row_moments(rows)
    # One statistic per (sample, group); repeat it over the group's channels so it
    # broadcasts against x like the other kinds.
    per_group = c // int(num_groups)
    mean, var = (np.repeat(v.reshape(n, int(num_groups)), per_group, axis=1) for v in (mean, var))
    return _build(kind, array, mean, var, (n, c) + ones, (1,) + spatial_axes, n * int(num_groups), rows.shape[1],
                  num_groups=int(num_groups))


def _build(
    kind: str,
    x: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    stat_shape: tuple[int, ...],
    reduced_axes: tuple[int, ...],
    num_ids: int,
    count: int,
    valid: np.ndarray | None = None,
    num_groups: int = 1,
) -> NormStatistics:
    """Assemble a read-only NormStatistics, deriving group_index from the statistic layout.

    ``valid`` (a batch-norm mask, x's shape without axis 1) marks the positions
    that took part; the others get group id -1. ``num_groups``: for ``"group"``.
    """
    mean = np.ascontiguousarray(mean, dtype=np.float64).reshape(stat_shape)
    var = np.ascontiguousarray(var, dtype=np.float64).reshape(stat_shape)
    if kind == "group":
        n, c = x.shape[:2]
        groups = num_groups
        ids = (np.arange(n)[:, None] * groups + np.arange(c)[None, :] // max(1, c // groups))
        ids = ids.reshape((n, c) + (1,) * (x.ndim - 2))
    else:
        ids = np.arange(num_ids).reshape(tuple(1 if a in reduced_axes else d for a, d in enumerate(x.shape)))
    group_index = np.array(np.broadcast_to(ids, x.shape), dtype=np.intp)
    if valid is not None:
        np.copyto(group_index, -1, where=~np.expand_dims(valid, 1))
    for array in (mean, var, group_index):
        array.setflags(write=False)
    return NormStatistics(kind, mean, var, reduced_axes, group_index, int(count))
