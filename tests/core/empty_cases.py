"""Zero-size inputs of every public core function, with the PyTorch call each one mirrors.

One table serves two tests: the torch-free one (``test_empty_inputs.py``)
states the expected result, an empty array of the input's shape and dtype;
the cross-check (``test_torch_crosscheck.py``) runs the PyTorch side, so a
change of PyTorch's behaviour shows up as a failing case. ``theirs`` receives
``torch`` and the input as a tensor; it is only called where torch is installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from normquiz import core


class EmptyCase(NamedTuple):
    shape: tuple[int, ...]
    ours: Callable[[np.ndarray], np.ndarray]
    theirs: Callable[[Any, Any], Any]


def _ones(n: int) -> np.ndarray:
    return np.ones(n, np.float32)


def _zeros(n: int) -> np.ndarray:
    return np.zeros(n, np.float32)


def _bn_train(c: int, affine: bool) -> tuple[Callable, Callable]:
    """Training-mode batch norm with running buffers (and weight and bias when ``affine``)."""

    def ours(x: np.ndarray) -> np.ndarray:
        w, b = (_ones(c), _zeros(c)) if affine else (None, None)
        return core.batch_norm(x, _zeros(c), _ones(c), w, b, training=True)

    def theirs(torch: Any, x: Any) -> Any:
        w, b = (torch.ones(c), torch.zeros(c)) if affine else (None, None)
        return torch.nn.functional.batch_norm(x, torch.zeros(c), torch.ones(c), w, b, training=True)

    return ours, theirs


def _bn_eval(c: int) -> tuple[Callable, Callable]:
    return (
        lambda x: core.batch_norm(x, _zeros(c), _ones(c), _ones(c), _zeros(c)),
        lambda torch, x: torch.nn.functional.batch_norm(x, torch.zeros(c), torch.ones(c), torch.ones(c), torch.zeros(c)),
    )


def _bn_eval_plain(c: int) -> tuple[Callable, Callable]:
    # PyTorch crashes with an IndexError on a weight of 0 channels; without one it returns an empty output.
    return (
        lambda x: core.batch_norm(x, _zeros(c), _ones(c)),
        lambda torch, x: torch.nn.functional.batch_norm(x, torch.zeros(c), torch.ones(c)),
    )


def _ln(shape: tuple[int, ...]) -> tuple[Callable, Callable]:
    return (
        lambda x: core.layer_norm(x, shape, np.ones(shape, np.float32), np.zeros(shape, np.float32)),
        lambda torch, x: torch.nn.functional.layer_norm(x, shape, torch.ones(shape), torch.zeros(shape)),
    )


def _rms(shape: tuple[int, ...]) -> tuple[Callable, Callable]:
    return (
        lambda x: core.rms_norm(x, shape, np.ones(shape, np.float32)),
        lambda torch, x: torch.nn.functional.rms_norm(x, shape, torch.ones(shape)),
    )


def _gn(groups: int, c: int) -> tuple[Callable, Callable]:
    return (
        lambda x: core.group_norm(x, groups, _ones(c), _zeros(c)),
        lambda torch, x: torch.nn.functional.group_norm(x, groups, torch.ones(c), torch.zeros(c)),
    )


def _in(c: int, affine: bool) -> tuple[Callable, Callable]:
    # With no samples PyTorch crashes (IndexError) on a weight it repeats 0 times;
    # without one it returns an empty output. Ours returns one either way.
    def ours(x: np.ndarray) -> np.ndarray:
        return core.instance_norm(x, weight=_ones(c) if affine else None, bias=_zeros(c) if affine else None)

    def theirs(torch: Any, x: Any) -> Any:
        w, b = (torch.ones(c), torch.zeros(c)) if affine else (None, None)
        return torch.nn.functional.instance_norm(x, weight=w, bias=b)

    return ours, theirs


def _in_eval(c: int) -> tuple[Callable, Callable]:
    return (
        lambda x: core.instance_norm(x, _zeros(c), _ones(c), use_input_stats=False),
        lambda torch, x: torch.nn.functional.instance_norm(x, torch.zeros(c), torch.ones(c), use_input_stats=False),
    )


def _module(c: int, training: bool) -> tuple[Callable, Callable]:
    def ours(x: np.ndarray) -> np.ndarray:
        return core.BatchNorm(c).train(training)(x)

    def theirs(torch: Any, x: Any) -> Any:
        return torch.nn.BatchNorm1d(c).train(training)(x)

    return ours, theirs


def _masked(c: int) -> tuple[Callable, Callable]:
    # No masks in PyTorch: the unmasked layer is the reference (every position valid).
    return (
        lambda x: core.batch_norm(x, training=True, mask=np.ones(x.shape[:1] + x.shape[2:], bool)),
        lambda torch, x: torch.nn.functional.batch_norm(x, None, None, training=True),
    )


def _case(shape: tuple[int, ...], calls: tuple[Callable, Callable]) -> EmptyCase:
    return EmptyCase(shape, *calls)


CASES: dict[str, EmptyCase] = {
    "batch_norm train (0, 3)": _case((0, 3), _bn_train(3, affine=True)),
    "batch_norm train (0, 3, 4)": _case((0, 3, 4), _bn_train(3, affine=True)),
    "batch_norm train (2, 3, 0)": _case((2, 3, 0), _bn_train(3, affine=True)),
    "batch_norm train (1, 3, 0)": _case((1, 3, 0), _bn_train(3, affine=False)),
    "batch_norm train no channels (2, 0)": _case((2, 0), _bn_train(0, affine=False)),
    "batch_norm eval (0, 3)": _case((0, 3), _bn_eval(3)),
    "batch_norm eval (0, 3, 4)": _case((0, 3, 4), _bn_eval(3)),
    "batch_norm eval (2, 3, 0)": _case((2, 3, 0), _bn_eval(3)),
    "batch_norm eval no channels (2, 0, 4)": _case((2, 0, 4), _bn_eval_plain(0)),
    "batch_norm masked (0, 3, 4)": _case((0, 3, 4), _masked(3)),
    "batch_norm masked (2, 3, 0)": _case((2, 3, 0), _masked(3)),
    "BatchNorm train (0, 3)": _case((0, 3), _module(3, training=True)),
    "BatchNorm eval (0, 3, 4)": _case((0, 3, 4), _module(3, training=False)),
    "layer_norm (0, 5)": _case((0, 5), _ln((5,))),
    "layer_norm (3, 0, 4)": _case((3, 0, 4), _ln((4,))),
    "layer_norm empty rows (2, 0)": _case((2, 0), _ln((0,))),
    "layer_norm empty rows (2, 3, 0)": _case((2, 3, 0), _ln((3, 0))),
    "rms_norm (0, 5)": _case((0, 5), _rms((5,))),
    "rms_norm empty rows (2, 3, 0)": _case((2, 3, 0), _rms((3, 0))),
    "group_norm (0, 4, 3)": _case((0, 4, 3), _gn(2, 4)),
    "group_norm (2, 4, 0)": _case((2, 4, 0), _gn(2, 4)),
    "group_norm no channels (2, 0)": _case((2, 0), _gn(2, 0)),
    "instance_norm (0, 4, 3)": _case((0, 4, 3), _in(4, affine=False)),
    "instance_norm (2, 4, 0)": _case((2, 4, 0), _in(4, affine=True)),
    "instance_norm eval (2, 4, 0)": _case((2, 4, 0), _in_eval(4)),
}
