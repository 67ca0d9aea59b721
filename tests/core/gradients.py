"""Central differences, the reference the backward passes are checked against (float64 only)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

STEP = 1e-6


def numerical_gradient(loss: Callable[[], float], array: np.ndarray) -> np.ndarray:
    """Central differences of a scalar ``loss()`` with respect to every element of ``array``, changed in place."""
    gradient = np.zeros_like(array)
    for index in np.ndindex(array.shape):  # test-side loop over a handful of elements
        saved = array[index]
        array[index] = saved + STEP
        plus = loss()
        array[index] = saved - STEP
        minus = loss()
        array[index] = saved
        gradient[index] = (plus - minus) / (2 * STEP)
    return gradient
