"""Checks of the forward normalizations: BN, spatial BN, LN, GN, IN, RMS norm and masked BN.

Every exercise tries float64 inputs (one with a small variance and a larger
eps, where eps outside the square root shows) and one float32 input on a
common offset of ``OFFSET``: the textbook two-pass solution is accurate
there, ``E[x^2] - E[x]^2`` is not.
"""

from __future__ import annotations

import numpy as np

from normquiz import core
from normquiz.bank.exercises import mistakes as wrong
from normquiz.bank.exercises.cases import (
    EXACT,
    SINGLE,
    Check,
    ExerciseChecks,
    Timing,
    builder,
    describe,
    mistakes,
    normal,
)

#: The float32 common offset: two-pass float32 statistics keep ~1e-4 there,
#: one-pass ones lose the variance's first digits (see tests/bank/test_exercises.py).
OFFSET = 2e3

DDOF = ("the variance is the unbiased one (ddof=1, dividing by n - 1): normalization layers use the "
        "biased variance (divide by n)")
EPS_OUTSIDE = "eps is added outside the square root: divide by sqrt(var + eps), not sqrt(var) + eps"
WHOLE = ("the mean and variance were taken over the whole array: each {unit} needs its own "
         "(reduce over {axes})")


def _affine(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(1.0, 0.5, size), rng.normal(0.0, 0.5, size)


def _inputs(rng, shapes, *, offset_shape):
    """(x, eps, label) for each float64 shape, a small-variance one and the float32 offset one."""
    cases = [(normal(rng, shape, mean=0.5, std=1.5), 1e-5, "") for shape in shapes]
    cases.append((normal(rng, shapes[0], mean=-0.2, std=0.02), 1e-3, "small variance, eps 1e-3"))
    cases.append((normal(rng, offset_shape, mean=OFFSET, dtype=np.float32), 1e-5, ""))
    return cases


def _check(x, args, expected, variants, eps_label):
    offset = OFFSET if x.dtype == np.float32 else 0.0
    return Check(describe(x, offset=offset, extra=eps_label), args, (expected,), mistakes(0, variants),
                 _tolerance(x), offset=offset)


def _tolerance(x: np.ndarray) -> tuple[float, float]:
    return SINGLE if x.dtype == np.float32 else EXACT


def _standard(x, axes, eps, unit, *, gamma, beta, other_layers):
    """The mistakes every mean/variance normalization can make, with the affine step applied.

    ``other_layers``: ``(normalized x, sentence)`` for the other normalizations
    the learner may have written instead, computed with the core where it has them.
    """
    variants = [(xhat * gamma + beta, sentence) for xhat, sentence in other_layers]
    axes_text = "axis " + str(axes) if isinstance(axes, int) else "axes " + str(axes)
    variants += [
        (wrong.standardize(x, None, eps) * gamma + beta, WHOLE.format(unit=unit, axes=axes_text)),
        (wrong.standardize(x, axes, eps, ddof=1) * gamma + beta, DDOF),
        (wrong.standardize(x, axes, eps, eps_outside=True) * gamma + beta, EPS_OUTSIDE),
    ]
    return variants + wrong.affine_variants(wrong.standardize(x, axes, eps), gamma, beta, x)


BN_AS_LN = ("your BN normalizes each example over its features: that is layer norm; batch norm takes "
            "one mean and variance per feature over the batch (axis 0)")


@builder("bn-forward")
def bn_forward(rng: np.random.Generator) -> ExerciseChecks:
    checks = []
    for x, eps, label in _inputs(rng, [(8, 5), (16, 3)], offset_shape=(64, 4)):
        gamma, beta = (p.astype(x.dtype) for p in _affine(rng, x.shape[1]))
        expected = core.batch_norm(x, weight=gamma, bias=beta, training=True, eps=eps)
        variants = _standard(x, 0, eps, "feature", gamma=gamma, beta=beta,
                             other_layers=[(core.layer_norm(x, x.shape[1], eps=eps), BN_AS_LN)])
        checks.append(_check(x, (x, gamma, beta, eps), expected, variants, label))
    pair = _row_pair(lambda shape: (rng.normal(size=shape), *_affine(rng, shape[-1]), 1e-5))
    x = rng.normal(size=(2048, 256))
    gamma, beta = _affine(rng, 256)
    timing = Timing((x, gamma, beta, 1e-5), "batch_norm", (x,),
                    {"weight": gamma, "bias": beta, "training": True, "eps": 1e-5})
    return ExerciseChecks(tuple(checks), pair, timing)


def _row_pair(make_args):
    """The (small, larger) argument pair of a row-wise exercise: (4, 3) and (64, 24) inputs."""
    return make_args((4, 3)), make_args((64, 24))


@builder("bn2d-forward")
def bn2d_forward(rng: np.random.Generator) -> ExerciseChecks:
    checks = []
    for x, eps, label in _inputs(rng, [(4, 3, 2, 3), (2, 2, 3, 4)], offset_shape=(8, 3, 4, 4)):
        gamma, beta = (p.astype(x.dtype) for p in _affine(rng, x.shape[1]))
        g, b = wrong.per_channel(gamma, 4), wrong.per_channel(beta, 4)
        expected = core.batch_norm(x, weight=gamma, bias=beta, training=True, eps=eps)
        variants = _standard(x, (0, 2, 3), eps, "channel", gamma=g, beta=b, other_layers=[
            (core.instance_norm(x, eps=eps),
             "each channel of each example was normalized on its own: that is instance norm; "
             "spatial batch norm reduces over axes (0, 2, 3)"),
            (core.group_norm(x, 1, eps=eps),
             "each example was normalized over all its values: that is layer norm; spatial "
             "batch norm reduces over axes (0, 2, 3), one statistic per channel"),
            (wrong.standardize(x, 0, eps),
             "each pixel got its own statistics (you reduced over axis 0 only): spatial batch norm "
             "shares one mean and variance per channel over N, H and W, axes (0, 2, 3)"),
        ])
        columns = wrong.standardize(x.reshape(-1, x.shape[1]), 0, eps).reshape(x.shape)
        variants.append((columns * g + b, "x was reshaped to (-1, C) without moving the channels last, so "
                                          "the columns are not channels: transpose to (N, H, W, C) first, "
                                          "or reduce over axes (0, 2, 3)"))
        checks.append(_check(x, (x, gamma, beta, eps), expected, variants, label))
    small, large = (2, 2, 2, 3), (8, 4, 6, 5)
    pair = tuple((rng.normal(size=shape), *_affine(rng, shape[1]), 1e-5) for shape in (small, large))
    x = rng.normal(size=(32, 16, 32, 32))
    gamma, beta = _affine(rng, 16)
    timing = Timing((x, gamma, beta, 1e-5), "batch_norm", (x,),
                    {"weight": gamma, "bias": beta, "training": True, "eps": 1e-5})
    return ExerciseChecks(tuple(checks), pair, timing)


LN_AS_BN = ("your LN normalizes each feature over the batch: that is batch norm; layer norm takes one "
            "mean and variance per example over its features (the last axis)")


@builder("ln-forward")
def ln_forward(rng: np.random.Generator) -> ExerciseChecks:
    checks = []
    for x, eps, label in _inputs(rng, [(6, 5), (5, 5), (2, 3, 4)], offset_shape=(16, 32)):
        gamma, beta = (p.astype(x.dtype) for p in _affine(rng, x.shape[-1]))
        expected = core.layer_norm(x, x.shape[-1], gamma, beta, eps)
        other_layers = [(wrong.standardize(x, 0, eps), LN_AS_BN)]
        if x.ndim == 3:
            other_layers.append((wrong.standardize(x, 1, eps),
                                 "the statistics were taken over axis 1: for x (..., D) reduce over the "
                                  "last axis (axis=-1), whatever the number of leading axes"))
        variants = _standard(x, -1, eps, "example", gamma=gamma, beta=beta, other_layers=other_layers)
        if x.ndim == 2 and x.shape[0] == x.shape[1]:
            variants.append((wrong.without_keepdims(x, eps) * gamma + beta,
                             "the per-row mean and variance lost their axis (keepdims=False), so they "
                             "broadcast along the rows: use keepdims=True (shape (N, 1))"))
        checks.append(_check(x, (x, gamma, beta, eps), expected, variants, label))
    pair = _row_pair(lambda shape: (rng.normal(size=shape), *_affine(rng, shape[-1]), 1e-5))
    x = rng.normal(size=(2048, 256))
    gamma, beta = _affine(rng, 256)
    timing = Timing((x, gamma, beta, 1e-5), "layer_norm", (x, 256, gamma, beta, 1e-5))
    return ExerciseChecks(tuple(checks), pair, timing)


def _grouped(x, groups, eps, *, ddof=0, eps_outside=False, interleaved=False):
    n, c = x.shape[:2]
    if interleaved:
        moved = np.swapaxes(x.reshape((n, c // groups, groups) + x.shape[2:]), 1, 2)
        out = wrong.standardize(moved.reshape(n, groups, -1), 2, eps, ddof=ddof, eps_outside=eps_outside)
        return np.swapaxes(out.reshape(moved.shape), 1, 2).reshape(x.shape)
    rows = x.reshape(n, groups, -1)
    return wrong.standardize(rows, 2, eps, ddof=ddof, eps_outside=eps_outside).reshape(x.shape)


@builder("gn-forward")
def gn_forward(rng: np.random.Generator) -> ExerciseChecks:
    checks = []
    specs = [((2, 6, 3, 2), 3), ((3, 4, 2, 2), 2)]
    inputs = _inputs(rng, [shape for shape, _ in specs], offset_shape=(2, 8, 4, 4))
    for (x, eps, label), groups in zip(inputs, [3, 2, 3, 4]):
        gamma, beta = (p.astype(x.dtype) for p in _affine(rng, x.shape[1]))
        g, b = wrong.per_channel(gamma, 4), wrong.per_channel(beta, 4)
        expected = core.group_norm(x, groups, gamma, beta, eps)
        variants = [
            (_grouped(x, groups, eps, interleaved=True) * g + b,
             "channel c went into group c % G: the groups are runs of consecutive channels, so reshape "
             "to (N, G, C // G, H, W)"),
            (core.instance_norm(x, eps=eps) * g + b,
             "each channel was normalized on its own: that is instance norm (G = C)"),
            (core.group_norm(x, 1, eps=eps) * g + b,
             "each example was normalized over all its channels: that is layer norm (G = 1)"),
            (_grouped(x, groups, eps, ddof=1) * g + b, DDOF),
            (_grouped(x, groups, eps, eps_outside=True) * g + b, EPS_OUTSIDE),
            *wrong.affine_variants(_grouped(x, groups, eps), g, b, x),
        ]
        checks.append(_check(x, (x, gamma, beta, groups, eps), expected, variants,
                             ", ".join(filter(None, [f"{groups} groups", label]))))
    pair = tuple((rng.normal(size=shape), *_affine(rng, shape[1]), 2, 1e-5)
                 for shape in ((2, 4, 2, 2), (8, 8, 5, 6)))
    x = rng.normal(size=(32, 16, 32, 32))
    gamma, beta = _affine(rng, 16)
    timing = Timing((x, gamma, beta, 4, 1e-5), "group_norm", (x, 4, gamma, beta, 1e-5))
    return ExerciseChecks(tuple(checks), pair, timing)


@builder("in-forward")
def in_forward(rng: np.random.Generator) -> ExerciseChecks:
    checks = []
    for x, eps, label in _inputs(rng, [(2, 3, 4, 5), (3, 2, 3, 3)], offset_shape=(2, 3, 8, 8)):
        expected = core.instance_norm(x, eps=eps)
        variants = [
            (core.group_norm(x, 1, eps=eps), "each example was normalized over all its channels: "
                                                   "that is layer norm; instance norm reduces over (2, 3)"),
            (core.batch_norm(x, training=True, eps=eps), "the statistics run over the batch: that is batch norm; "
                                                   "instance norm reduces each (example, channel) over (2, 3)"),
            (wrong.standardize(x, 3, eps), "each row of each image was normalized on its own: reduce over "
                                           "both spatial axes, (2, 3)"),
            (wrong.standardize(x, None, eps), WHOLE.format(unit="(example, channel)", axes="axes (2, 3)")),
            (wrong.standardize(x, (2, 3), eps, ddof=1), DDOF),
            (wrong.standardize(x, (2, 3), eps, eps_outside=True), EPS_OUTSIDE),
        ]
        checks.append(_check(x, (x, eps), expected, variants, label))
    pair = tuple((rng.normal(size=shape), 1e-5) for shape in ((2, 2, 2, 3), (6, 5, 4, 6)))
    x = rng.normal(size=(32, 16, 32, 32))
    return ExerciseChecks(tuple(checks), pair, Timing((x, 1e-5), "instance_norm", (x,), {"eps": 1e-5}))


@builder("rms-forward")
def rms_forward(rng: np.random.Generator) -> ExerciseChecks:
    cases = [(normal(rng, (4, 6), mean=0.3), 1e-6, ""), (normal(rng, (2, 3, 8), mean=-0.5), 1e-6, ""),
             (normal(rng, (5, 4), std=0.03), 1e-2, "small values, eps 1e-2"),
             (normal(rng, (16, 32), dtype=np.float32), 1e-6, "")]
    checks = []
    for x, eps, label in cases:
        weight = rng.normal(1.0, 0.5, x.shape[-1]).astype(x.dtype)
        expected = core.rms_norm(x, x.shape[-1], weight, eps)
        x64 = x.astype(np.float64)
        mean_square = np.mean(x64 * x64, axis=-1, keepdims=True)
        variants = [
            (core.layer_norm(x, x.shape[-1], weight, eps=eps), "you subtracted the mean: RMS norm does not re-centre, "
                                                     "it divides x by sqrt(mean(x^2) + eps)"),
            (x64 / np.sqrt(x64.var(axis=-1, keepdims=True) + eps) * weight,
             "you divided by the standard deviation: RMS norm uses the root mean square, sqrt(mean(x^2) + eps)"),
            (x64 / np.sqrt(mean_square * x.shape[-1] + eps) * weight,
             "you divided by the L2 norm: RMS takes the mean of the squares, not their sum"),
            (x64 / (np.sqrt(mean_square) + eps) * weight, EPS_OUTSIDE.replace("var", "mean(x^2)")),
            (wrong.standardize(x, 0, eps, center=False) * weight,
             "the mean square was taken over the batch (axis 0): RMS norm normalizes each example over "
             "its features, the last axis"),
            (x64 / np.sqrt(mean_square + eps), "weight is missing: multiply the normalized x by weight"),
        ]
        checks.append(Check(describe(x, extra=label), (x, weight, eps),
                            (expected,), mistakes(0, variants),
                            _tolerance(x)))
    pair = _row_pair(lambda shape: (rng.normal(size=shape), rng.normal(size=shape[-1]), 1e-6))
    x = rng.normal(size=(2048, 256))
    weight = rng.normal(size=256)
    timing = Timing((x, weight, 1e-6), "rms_norm", (x, 256, weight, 1e-6))
    return ExerciseChecks(tuple(checks), pair, timing)


def _padded(rng, shape, dtype=np.float64, offset=0.0):
    """x (B, T, D) with sequences of random lengths (at least 2); padding holds junk, far from the data."""
    batch, steps, _ = shape
    lengths = rng.integers(2, steps + 1, size=batch)
    lengths[0] = steps
    mask = np.arange(steps)[None, :] < lengths[:, None]
    x = offset + 1.5 * rng.normal(size=shape)
    x[~mask] = offset + 50.0 + rng.normal(size=(int((~mask).sum()), shape[2]))
    return x.astype(dtype), mask


@builder("masked-bn")
def masked_bn(rng: np.random.Generator) -> ExerciseChecks:
    cases = [(*_padded(rng, (3, 5, 4)), 1e-5), (*_padded(rng, (4, 6, 3)), 1e-5),
             (*_padded(rng, (8, 16, 4), np.float32, OFFSET), 1e-5)]
    checks = []
    for x, mask, eps in cases:
        gamma, beta = (p.astype(x.dtype) for p in _affine(rng, x.shape[-1]))
        channels_first = np.ascontiguousarray(np.moveaxis(x, 2, 1))
        expected = np.moveaxis(core.batch_norm(channels_first, weight=gamma, bias=beta, training=True,
                                               eps=eps, mask=mask), 1, 2)
        real = x.astype(np.float64)[mask]
        count = real.shape[0]
        mean = real.mean(axis=0)
        xhat = (x - mean) / np.sqrt(real.var(axis=0) + eps)
        diluted_mean = real.sum(axis=0) / mask.size
        diluted_var = ((real - diluted_mean) ** 2).sum(axis=0) / mask.size
        variants = [
            (wrong.standardize(x, (0, 1), eps) * gamma + beta,
             "the statistics include the padded tokens: take them over the real tokens only (x[mask])"),
            ((x - diluted_mean) / np.sqrt(diluted_var + eps) * gamma + beta,
             "the sums run over the real tokens but you divided by B * T: divide by the number of real "
             "tokens, mask.sum()"),
            ((x - mean) / np.sqrt(real.var(axis=0, ddof=1) + eps) * gamma + beta,
             DDOF.replace("n - 1", f"{count} - 1")),
            ((x - mean) / (np.sqrt(real.var(axis=0)) + eps) * gamma + beta, EPS_OUTSIDE),
            (core.layer_norm(x, x.shape[-1], gamma, beta, eps),
             "each token was normalized over its features: that is layer norm; masked batch norm takes "
             "one statistic per feature over the real tokens of the batch"),
            *wrong.affine_variants(xhat, gamma, beta, x[:, :, :0]),
        ]
        offset = OFFSET if x.dtype == np.float32 else 0.0
        label = describe(x, offset=offset, extra=f"{count} real tokens of {mask.size}")
        checks.append(Check(label, (x, mask, gamma, beta, eps), (expected,), mistakes(0, variants),
                            _tolerance(x), compared=mask, offset=offset))
    pair = []
    for shape in ((2, 3, 2), (8, 12, 10)):
        x, mask = _padded(rng, shape)
        pair.append((x, mask, *_affine(rng, shape[-1]), 1e-5))
    x, mask = _padded(rng, (64, 128, 64))
    gamma, beta = _affine(rng, 64)
    timing = Timing((x, mask, gamma, beta, 1e-5), "batch_norm", (np.ascontiguousarray(np.moveaxis(x, 2, 1)),),
                    {"weight": gamma, "bias": beta, "training": True, "eps": 1e-5, "mask": mask})
    return ExerciseChecks(tuple(checks), tuple(pair), timing)
