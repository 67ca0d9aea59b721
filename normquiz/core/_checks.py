"""Input validation for the core: every bad argument becomes a ValueError a person can act on.

Each check returns the cleaned value (a NumPy array of the right dtype, a tuple
shape, a float), so the public functions read as "validate, compute, return".
Messages name the argument, what was expected, what was received and, where it
helps, how to fix it; they never leak a NumPy broadcasting error.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

__all__ = [
    "torch_size",
    "float_input",
    "channel_input",
    "normalized_shape_tuple",
    "per_channel",
    "per_element",
    "optional_parameter",
    "running_buffers",
    "positive_eps",
    "momentum_value",
    "boolean_mask",
    "unknown_choice",
]


def torch_size(shape: tuple[int, ...]) -> str:
    """Format a shape the way PyTorch prints it, e.g. ``torch.Size([1, 3])``.

    Used where we repeat a PyTorch error message word for word, so that people
    who search for the message find the same explanations.
    """
    return f"torch.Size([{', '.join(str(int(d)) for d in shape)}])"


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(int(d)) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def float_input(x: Any, name: str = "x") -> tuple[np.ndarray, np.dtype]:
    """Return ``(array to compute on, dtype to return)`` for an input tensor.

    float32 and float64 are computed in their own precision. float16 is
    computed in float32 (its 11-bit mantissa cannot hold a sum of squares) and
    cast back. Integers and booleans are promoted to float64, as ``np.mean``
    does, so ``layer_norm([1, 2, 3, 4], 4)`` works in a demo.
    """
    array = np.asarray(x)
    if array.dtype.kind == "f":
        if array.dtype.itemsize < 4:
            return array.astype(np.float32), array.dtype
        return array, array.dtype
    if array.dtype.kind in "biu":
        return array.astype(np.float64), np.dtype(np.float64)
    raise ValueError(
        f"{name} must hold real numbers, got an array of dtype {array.dtype}; "
        "convert it with np.asarray(..., dtype=np.float32) first."
    )


def channel_input(x: Any, function: str, *, min_ndim: int = 2) -> tuple[np.ndarray, np.dtype]:
    """Validate an input whose channels sit on axis 1: ``(N, C)`` or ``(N, C, *spatial)``.

    Any axis may have length 0 (no samples, no channels, no positions): the
    layers then return an empty array, as PyTorch does.
    """
    array, out_dtype = float_input(x)
    if array.ndim < min_ndim:
        layouts = "(N, C) or (N, C, *spatial)" if min_ndim == 2 else "(N, C, *spatial)"
        raise ValueError(
            f"{function} expects an input of shape {layouts} with at least {min_ndim} "
            f"dimensions (channels on axis 1), got a {array.ndim}-D array of shape "
            f"{_shape_text(array.shape)}."
        )
    return array, out_dtype


def normalized_shape_tuple(normalized_shape: Any, x: np.ndarray, function: str) -> tuple[int, ...]:
    """Turn an int or sequence into a shape tuple and check it matches x's trailing dims.

    Dimensions may be 0 (an empty input); the tuple may not be empty.
    """
    if type(normalized_shape) is int and 0 < normalized_shape and x.ndim and x.shape[-1] == normalized_shape:
        return (normalized_shape,)  # the common case, without the slower ABC checks below
    if isinstance(normalized_shape, Integral) and not isinstance(normalized_shape, bool):
        shape: tuple[int, ...] = (int(normalized_shape),)
    elif isinstance(normalized_shape, (tuple, list)) and all(
        isinstance(d, Integral) and not isinstance(d, bool) for d in normalized_shape
    ):
        shape = tuple(int(d) for d in normalized_shape)
    else:
        raise ValueError(
            f"{function}: normalized_shape must be an int or a tuple of ints, "
            f"got {normalized_shape!r}."
        )
    # A zero dimension is allowed (an empty input normalizes to an empty output,
    # as in PyTorch); an empty tuple is not: PyTorch refuses it too.
    if not shape or any(d < 0 for d in shape):
        raise ValueError(
            f"{function}: normalized_shape must be a non-empty tuple of non-negative ints, "
            f"got {normalized_shape!r}."
        )
    if x.ndim < len(shape) or tuple(x.shape[x.ndim - len(shape):]) != shape:
        expected = "(*, " + ", ".join(str(d) for d in shape) + ")"
        raise ValueError(
            f"{function}: normalized_shape={shape!r} must match the last {len(shape)} "
            f"dimension(s) of the input, but the input has shape {_shape_text(x.shape)}; "
            f"expected an input of shape {expected}."
        )
    return shape


def per_channel(x_shape: tuple[int, ...]) -> Callable[[], str]:
    """The "one value per ..." phrase for a per-channel vector, built only if an error needs it."""
    return lambda: f"channel (axis 1 of an input of shape {tuple(x_shape)})"


def per_element(normalized_shape: tuple[int, ...]) -> Callable[[], str]:
    """The "one value per ..." phrase for an elementwise (layer/RMS norm) parameter."""
    return lambda: f"element of normalized_shape {normalized_shape}"


def optional_parameter(
    value: Any, shape: tuple[int, ...], name: str, meaning: str | Callable[[], str], dtype: np.dtype
) -> np.ndarray | None:
    """Validate weight/bias (or a similar per-feature vector) against the shape it must have.

    ``meaning`` completes the sentence "expected one value per ...", e.g.
    "channel (axis 1 of an input of shape (2, 3))". The result is cast to the
    computation dtype so a float64 weight never silently promotes a float32
    output. ``meaning`` may be a callable, evaluated only to build an error.
    """
    if value is None:
        return None
    if type(value) is np.ndarray and value.dtype == dtype and value.shape == shape:
        return value  # already right: skip the generic checks (~1 us a parameter at small sizes)
    return _per_feature(value, shape, name, meaning).astype(dtype, copy=False)


def _per_feature(value: Any, shape: tuple[int, ...], name: str, meaning: str | Callable[[], str]) -> np.ndarray:
    """``value`` as an array of real numbers of exactly ``shape`` ("one value per ``meaning``")."""
    array = np.asarray(value)
    if array.dtype.kind not in "fiub":
        raise ValueError(f"{name} must hold real numbers, got an array of dtype {array.dtype}.")
    if array.shape != shape:
        raise ValueError(
            f"{name} has shape {_shape_text(array.shape)}, but it needs shape "
            f"{_shape_text(shape)}: one value per {meaning() if callable(meaning) else meaning}."
        )
    return array


def running_buffers(
    running_mean: Any,
    running_var: Any,
    num_channels: int,
    *,
    updated: bool,
    function: str,
    meaning: str | Callable[[], str],
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Validate the running statistics; when ``updated`` they must be writable float arrays.

    Both or neither must be given: a mean without a variance (or the reverse)
    cannot normalize, and PyTorch's modules always carry the pair. ``meaning``
    completes "one value per ...". A negative variance is rejected: it would
    turn into NaN further on.
    """
    if (running_mean is None) != (running_var is None):
        missing = "running_var" if running_var is None else "running_mean"
        raise ValueError(
            f"{function}: pass both running_mean and running_var or neither; {missing} is None."
        )
    if running_mean is None:
        return None, None
    buffers = []
    for name, value in (("running_mean", running_mean), ("running_var", running_var)):
        if updated and not (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
            raise ValueError(
                f"{function}: {name} must be a floating-point NumPy array, because training "
                f"updates it in place; got {type(value).__name__}"
                + (f" of dtype {value.dtype}" if isinstance(value, np.ndarray) else "")
                + ". Create it with np.zeros(C, dtype=np.float32) (np.ones for running_var)."
            )
        array = _per_feature(value, (num_channels,), name, meaning)
        if updated and not array.flags.writeable:
            raise ValueError(f"{function}: {name} is read-only, but training updates it in place.")
        buffers.append(array)
    if np.any(buffers[1] < 0):
        raise ValueError(
            f"{function}: running_var holds a negative value ({float(np.min(buffers[1]))!r}); "
            "a variance cannot be negative (was running_var swapped with another buffer?)."
        )
    return buffers[0], buffers[1]


def unknown_choice(name: str, value: Any, choices: Iterable[str]) -> ValueError:
    """The error for a ``value`` of ``name`` that is not one of ``choices``, suggesting the closest."""
    import difflib  # only on this error path

    choices = list(choices)
    close = difflib.get_close_matches(str(value), choices, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}.{hint}")


def positive_eps(eps: Any, function: str, *, allow_zero: bool = False) -> float:
    """Check eps. It must be > 0 wherever batch statistics are used (a constant
    feature has variance 0, so eps is all that keeps 0/0 away); normalizing with
    stored running statistics allows 0, as PyTorch does."""
    if type(eps) is float and 0.0 < eps < math.inf:
        return eps  # the common case, without the slower ABC checks below
    if isinstance(eps, bool) or not isinstance(eps, Real) or not math.isfinite(eps):
        raise ValueError(f"{function}: eps must be a finite number, got {eps!r}.")
    if eps < 0 or (eps == 0 and not allow_zero):
        raise ValueError(
            f"{function}: eps must be positive when normalizing with batch statistics "
            f"(a constant feature has variance 0 and would give 0/0), got eps={eps!r}."
        )
    return float(eps)


def momentum_value(momentum: Any, function: str) -> float:
    """Check the running-average momentum, a fraction in [0, 1]."""
    if momentum is None:
        raise ValueError(
            f"{function}: momentum=None (a cumulative average) needs a count of the batches "
            "seen so far; use the BatchNorm class, which tracks num_batches_tracked, or pass "
            "momentum=1/num_batches yourself."
        )
    if isinstance(momentum, bool) or not isinstance(momentum, Real) or not 0.0 <= momentum <= 1.0:
        raise ValueError(
            f"{function}: momentum must be a number between 0 and 1 (the weight of the new "
            f"batch in the running average), got {momentum!r}."
        )
    return float(momentum)


def boolean_mask(mask: Any, x_shape: tuple[int, ...], function: str) -> np.ndarray | None:
    """Validate a padding mask: boolean, with x's shape minus the channel axis (axis 1)."""
    if mask is None:
        return None
    array = np.asarray(mask)
    expected = x_shape[:1] + x_shape[2:]
    if array.dtype != np.bool_:
        raise ValueError(
            f"{function}: mask must be a boolean array (True marks a valid position, False "
            f"a padded one), got dtype {array.dtype}; use mask.astype(bool) if 1 means valid."
        )
    if array.shape != expected:
        raise ValueError(
            f"{function}: mask must have the input's shape without the channel axis, "
            f"{_shape_text(expected)} for an input of shape {_shape_text(x_shape)}; "
            f"got shape {_shape_text(array.shape)}."
        )
    return array


def default_rms_eps(out_dtype: Any) -> float:
    """``eps=None`` of RMS norm: the machine epsilon of the type PyTorch computes in, float32 for
    float16 and bfloat16 input (``torch.finfo(torch.float32).eps``), else the input's own."""
    return float(np.finfo(np.promote_types(out_dtype, np.float32)).eps)
