"""Checks of the backward passes (BN, LN, RMS norm of x (N, D)): the core's gradients, and central differences.

Each float64 check also carries central-difference gradients, so that a
failure can say the core and the numerical gradient agree and the learner's
``dx`` (or ``dgamma``, ``dbeta``) is the one that differs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from normquiz import core
from normquiz.bank.exercises import mistakes as wrong
from normquiz.bank.exercises.cases import SINGLE, Check, ExerciseChecks, Timing, builder, describe, mistakes

STEP = 1e-6


def central_differences(loss: Callable[[], float], array: np.ndarray) -> np.ndarray:
    """d loss / d array by central differences (float64; ``array`` is changed and restored in place)."""
    gradient = np.zeros_like(array)
    for index in np.ndindex(array.shape):  # a few dozen elements: small check inputs only
        saved = array[index]
        array[index] = saved + STEP
        plus = loss()
        array[index] = saved - STEP
        minus = loss()
        array[index] = saved
        gradient[index] = (plus - minus) / (2 * STEP)
    return gradient


def _inputs(rng):
    """(dout, x, gamma, eps) for two float64 shapes, a small-variance one and a float32 one."""
    cases = []
    for shape, std, eps, dtype in (((6, 4), 1.5, 1e-5, np.float64), ((5, 7), 2.0, 1e-5, np.float64),
                                   ((8, 3), 0.03, 1e-3, np.float64), ((32, 16), 1.0, 1e-5, np.float32)):
        x = (0.5 + std * rng.normal(size=shape)).astype(dtype)
        cases.append((rng.normal(size=shape).astype(dtype), x, rng.normal(1.0, 0.5, shape[1]).astype(dtype), eps))
    return cases


def _label(x, eps):
    return describe(x, extra="small variance, eps 1e-3" if eps != 1e-5 and eps != 1e-6 else "")


def _numerical(forward, dout, x, params):
    """Central differences of sum(dout * forward()) w.r.t. x and each parameter (float64 inputs only)."""
    if x.dtype != np.float64:
        return ()
    loss = lambda: float(np.sum(dout * forward()))  # noqa: E731
    return tuple(central_differences(loss, array) for array in (x, *params))


def _tolerance(x):
    return SINGLE if x.dtype == np.float32 else (1e-6, 1e-8)


def _affine_grad_mistakes(dout, x, xhat, names=("dgamma", "dbeta")):
    gamma_name, beta_name = names
    return [
        (1, dout.sum(axis=0),
         f"{gamma_name} is sum(dout): that is {beta_name}; {gamma_name} = sum(dout * xhat, axis=0)"),
        (1, (dout * x).sum(axis=0), f"{gamma_name} multiplies dout by x: use the normalized xhat, "
                                    f"{gamma_name} = sum(dout * xhat, axis=0)"),
        (2, (dout * xhat).sum(axis=0), f"{beta_name} is sum(dout * xhat): that is {gamma_name}; "
                                       f"{beta_name} = sum(dout, axis=0)"),
    ]


def _centred_backward(rng, *, axis: int, forward, backward, other_axis_sentence: str) -> tuple[Check, ...]:
    checks = []
    for dout, x, gamma, eps in _inputs(rng):
        beta = np.zeros_like(gamma)
        expected = backward(dout, x, gamma, eps)
        xhat = wrong.standardize(x, axis, eps)
        rstd = 1.0 / np.sqrt(x.astype(np.float64).var(axis=axis, keepdims=True) + eps)
        dx_variants = wrong.common_dx_mistakes(dout * gamma, xhat, rstd, axis, dout)
        other = 1 - axis % 2
        other_xhat = wrong.standardize(x, other, eps)
        other_rstd = 1.0 / np.sqrt(x.astype(np.float64).var(axis=other, keepdims=True) + eps)
        dxhat = dout * gamma
        dx_variants.append((other_rstd * (dxhat - dxhat.mean(axis=other, keepdims=True)
                                          - other_xhat * (dxhat * other_xhat).mean(axis=other, keepdims=True)),
                            other_axis_sentence))
        variants = [(0, values, sentence) for values, sentence in dx_variants]
        variants += _affine_grad_mistakes(dout, x, xhat)
        numerical = _numerical(lambda: forward(x, gamma, beta, eps), dout, x, (gamma, beta))
        checks.append(Check(_label(x, eps), (dout, x, gamma, eps), expected,
                            tuple(m for output, values, sentence in variants
                                  for m in mistakes(output, [(values, sentence)])),
                            _tolerance(x), numerical=numerical))
    return tuple(checks)


def _backward_pair_and_timing(rng, core_function, core_args):
    pair = tuple((rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape[1]), 1e-5)
                 for shape in ((4, 3), (64, 24)))
    dout, x, gamma = rng.normal(size=(2048, 256)), rng.normal(size=(2048, 256)), rng.normal(size=256)
    return pair, Timing((dout, x, gamma, 1e-5), core_function, core_args(dout, x, gamma))


@builder("bn-backward")
def bn_backward(rng: np.random.Generator) -> ExerciseChecks:
    checks = _centred_backward(
        rng, axis=0,
        forward=lambda x, g, b, eps: core.batch_norm(x, weight=g, bias=b, training=True, eps=eps),
        backward=lambda dout, x, g, eps: core.batch_norm_backward(dout, x, g, eps),
        other_axis_sentence="dx takes its means over the features (axis 1): that is layer norm's gradient; "
                            "batch norm's statistics, and so dx's means, run over the batch (axis 0)")
    pair, timing = _backward_pair_and_timing(rng, "batch_norm_backward", lambda dout, x, g: (dout, x, g, 1e-5))
    return ExerciseChecks(checks, pair, timing)


@builder("ln-backward")
def ln_backward(rng: np.random.Generator) -> ExerciseChecks:
    checks = _centred_backward(
        rng, axis=1,
        forward=lambda x, g, b, eps: core.layer_norm(x, x.shape[-1], g, b, eps),
        backward=lambda dout, x, g, eps: core.layer_norm_backward(dout, x, x.shape[-1], g, eps),
        other_axis_sentence="dx takes its means over the batch (axis 0): that is batch norm's gradient; "
                            "layer norm's statistics, and so dx's means, run over each row (axis 1)")
    pair, timing = _backward_pair_and_timing(
        rng, "layer_norm_backward", lambda dout, x, g: (dout, x, x.shape[-1], g, 1e-5))
    return ExerciseChecks(checks, pair, timing)


@builder("rms-backward")
def rms_backward(rng: np.random.Generator) -> ExerciseChecks:
    checks = []
    for dout, x, weight, eps in _inputs(rng):
        eps = 1e-6 if eps == 1e-5 else eps
        expected = core.rms_norm_backward(dout, x, x.shape[-1], weight, eps)
        x64 = x.astype(np.float64)
        rms = 1.0 / np.sqrt(np.mean(x64 * x64, axis=1, keepdims=True) + eps)
        xhat = x64 * rms
        dxhat = dout * weight
        variants = [
            (0, dxhat * rms, "dx treats the root mean square as a constant: it depends on x, which adds "
                             "- xhat * mean(dxhat * xhat)"),
            (0, core.layer_norm_backward(dout, x64, x.shape[-1], weight, eps)[0],
             "dx is layer norm's gradient: RMS norm subtracts no mean, so there is no - mean(dxhat) term"),
            (0, rms * (dout - xhat * (dout * xhat).mean(axis=1, keepdims=True)),
             "dx forgot weight: the gradient reaching the normalized x is dout * weight"),
            (1, dout.sum(axis=0), "dweight is sum(dout): multiply by the normalized x, sum(dout * x * r, axis=0)"),
            (1, (dout * x64).sum(axis=0), "dweight multiplies dout by x: use the normalized x * r"),
        ]
        numerical = _numerical(lambda: core.rms_norm(x, x.shape[-1], weight, eps), dout, x, (weight,))
        checks.append(Check(_label(x, eps), (dout, x, weight, eps), expected,
                            tuple(m for output, values, sentence in variants
                                  for m in mistakes(output, [(values, sentence)])),
                            _tolerance(x), numerical=numerical))
    pair = tuple((rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape[1]), 1e-6)
                 for shape in ((4, 3), (64, 24)))
    dout, x, weight = rng.normal(size=(2048, 256)), rng.normal(size=(2048, 256)), rng.normal(size=256)
    timing = Timing((dout, x, weight, 1e-6), "rms_norm_backward", (dout, x, 256, weight, 1e-6))
    return ExerciseChecks(tuple(checks), pair, timing)
