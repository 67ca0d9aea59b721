"""normquiz.core: the vectorized NumPy computation core (batch, layer, group, instance and RMS norm).

Functions mirror ``torch.nn.functional`` (names, argument order, defaults,
semantics); channels sit on axis 1. Statistics are numerically stable in
float32; dtype is preserved and inputs are never modified (only running
buffers, by contract). Imports NumPy and the standard library only.
See docs/core.md.
"""

from normquiz.core.backward import batch_norm_backward, layer_norm_backward
from normquiz.core.backward_family import group_norm_backward, instance_norm_backward, rms_norm_backward
from normquiz.core.functional import batch_norm, group_norm, instance_norm, layer_norm, rms_norm
from normquiz.core.inference import fold_batch_norm, parameter_count
from normquiz.core.modules import BatchNorm
from normquiz.core.statistics import NormStatistics, normalization_statistics

__all__ = [
    "BatchNorm",
    "NormStatistics",
    "batch_norm",
    "batch_norm_backward",
    "fold_batch_norm",
    "group_norm",
    "group_norm_backward",
    "instance_norm",
    "instance_norm_backward",
    "layer_norm",
    "layer_norm_backward",
    "normalization_statistics",
    "parameter_count",
    "rms_norm",
    "rms_norm_backward",
]
