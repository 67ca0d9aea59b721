"""Checks of the batch-norm bookkeeping exercises: running statistics, eval mode, folding, stable variance."""

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

MOMENTUM_FLIPPED = ("momentum weights the old value: in PyTorch momentum is the weight of the new batch, "
                    "running = (1 - momentum) * running + momentum * batch_statistic")


@builder("bn-running-update")
def bn_running_update(rng: np.random.Generator) -> ExerciseChecks:
    checks = []
    for shape, momentum, dtype in (((8, 3), 0.1, np.float64), ((5, 4), 0.3, np.float64), ((16, 2), 0.05, np.float32)):
        x = normal(rng, shape, mean=2.0, std=1.5, dtype=dtype)
        running_mean = rng.normal(size=shape[1]).astype(dtype)
        running_var = rng.uniform(0.5, 2.0, shape[1]).astype(dtype)
        mean, var = running_mean.copy(), running_var.copy()
        core.batch_norm(x, mean, var, training=True, momentum=momentum)
        x64 = x.astype(np.float64)
        batch_mean, unbiased = x64.mean(axis=0), x64.var(axis=0, ddof=1)
        variants = [
            (1, (1 - momentum) * running_var + momentum * x64.var(axis=0),
             "running_var got the biased batch variance: PyTorch normalizes with the biased one but stores "
             "the unbiased one (ddof=1, dividing by N - 1) in running_var"),
            (0, momentum * running_mean + (1 - momentum) * batch_mean, MOMENTUM_FLIPPED),
            (1, momentum * running_var + (1 - momentum) * unbiased, MOMENTUM_FLIPPED),
            (0, batch_mean, "running_mean was replaced by the batch mean: blend it in, "
                            "(1 - momentum) * running_mean + momentum * mean"),
            (1, unbiased, "running_var was replaced by the batch variance: blend it in, "
                          "(1 - momentum) * running_var + momentum * var"),
        ]
        checks.append(Check(describe(x, extra=f"momentum {momentum:g}"), (x, running_mean, running_var, momentum),
                            (mean, var), tuple(m for o, v, s in variants for m in mistakes(o, [(v, s)])),
                            SINGLE if dtype == np.float32 else EXACT, protected=(0,)))
    pair = tuple((rng.normal(size=shape), np.zeros(shape[1]), np.ones(shape[1]), 0.1) for shape in ((4, 3), (64, 24)))
    x = rng.normal(size=(2048, 256))
    timing = Timing((x, np.zeros(256), np.ones(256), 0.1), "batch_norm", (x, np.zeros(256), np.ones(256)),
                    {"training": True, "momentum": 0.1})
    return ExerciseChecks(tuple(checks), pair, timing)


def _eval_args(rng, shape, dtype=np.float64):
    x = normal(rng, shape, mean=2.0, std=1.5, dtype=dtype)
    gamma, beta = rng.normal(1.0, 0.5, shape[1]).astype(dtype), rng.normal(0.0, 0.5, shape[1]).astype(dtype)
    running_mean = rng.normal(size=shape[1]).astype(dtype)
    running_var = rng.uniform(0.3, 3.0, shape[1]).astype(dtype)
    return x, gamma, beta, running_mean, running_var


@builder("bn-eval")
def bn_eval(rng: np.random.Generator) -> ExerciseChecks:
    checks = []
    for shape, eps, dtype in (((6, 4), 1e-5, np.float64), ((3, 5), 1e-3, np.float64), ((1, 4), 1e-5, np.float64),
                              ((16, 8), 1e-5, np.float32)):
        x, gamma, beta, running_mean, running_var = _eval_args(rng, shape, dtype)
        expected = core.batch_norm(x, running_mean, running_var, gamma, beta, training=False, eps=eps)
        x64 = x.astype(np.float64)
        xhat = (x64 - running_mean) / np.sqrt(running_var + eps)
        variants = [
            ((x64 - running_mean) / (running_var + eps) * gamma + beta,
             "you divided by running_var + eps: divide by its square root, sqrt(running_var + eps)"),
            ((x64 - running_mean) / (np.sqrt(running_var) + eps) * gamma + beta,
             "eps is added outside the square root: divide by sqrt(running_var + eps)"),
            ((x64 - running_var) / np.sqrt(running_mean ** 2 + eps) * gamma + beta,
             "running_mean and running_var are swapped"),
            *wrong.affine_variants(xhat, gamma, beta, x),
        ]
        if shape[0] > 1:
            variants.insert(0, (wrong.standardize(x, 0, eps) * gamma + beta,
                                "you normalized with the batch's own statistics: in eval mode batch norm uses "
                                "running_mean and running_var, so an example's output does not depend on the batch"))
        label = describe(x, extra="one example" if shape[0] == 1 else (f"eps {eps:g}" if eps != 1e-5 else ""))
        checks.append(Check(label, (x, gamma, beta, running_mean, running_var, eps), (expected,),
                            mistakes(0, variants), SINGLE if dtype == np.float32 else EXACT))
    pair = tuple((*_eval_args(rng, shape), 1e-5) for shape in ((4, 3), (64, 24)))
    args = _eval_args(rng, (2048, 256))
    x, gamma, beta, running_mean, running_var = args
    timing = Timing((*args, 1e-5), "batch_norm", (x, running_mean, running_var, gamma, beta),
                    {"training": False, "eps": 1e-5})
    return ExerciseChecks(tuple(checks), pair, timing)


def _fold_args(rng, out_features, in_features):
    weight, bias = rng.normal(size=(out_features, in_features)), rng.normal(size=out_features)
    gamma, beta = rng.normal(1.0, 0.5, out_features), rng.normal(0.0, 0.5, out_features)
    return weight, bias, gamma, beta, rng.normal(size=out_features), rng.uniform(0.3, 3.0, out_features)


@builder("bn-fold")
def bn_fold(rng: np.random.Generator) -> ExerciseChecks:
    checks = []
    for shape, eps in (((4, 3), 1e-5), ((3, 3), 1e-5), ((5, 2), 1e-3)):
        weight, bias, gamma, beta, running_mean, running_var = _fold_args(rng, *shape)
        expected = core.fold_batch_norm(weight, bias, running_mean, running_var, gamma, beta, eps)
        scale = gamma / np.sqrt(running_var + eps)
        variants = []
        if shape[0] == shape[1]:  # else W * s fails to broadcast: a crash, diagnosed as such
            variants.append((0, weight * scale[None, :], "W was scaled along its columns: row o of W (shape "
                                                         "(out, in)) feeds output o, so scale rows, W * s[:, None]"))
        variants += [
            (0, weight * (gamma / (running_var + eps))[:, None],
             "the scale forgot the square root: s = gamma / sqrt(running_var + eps)"),
            (1, bias * scale + beta, "b2 forgot the running mean: b2 = (b - running_mean) * s + beta"),
            (1, (bias - running_mean) * scale, "b2 forgot beta: b2 = (b - running_mean) * s + beta"),
            (1, bias * scale - running_mean + beta,
             "running_mean was subtracted after scaling: b2 = (b - running_mean) * s + beta"),
        ]
        label = f"W {shape} float64" + (f", eps {eps:g}" if eps != 1e-5 else "")
        checks.append(Check(label, (weight, bias, gamma, beta, running_mean, running_var, eps), expected,
                            tuple(m for o, v, s in variants for m in mistakes(o, [(v, s)]))))
    pair = tuple((*_fold_args(rng, *shape), 1e-5) for shape in ((4, 3), (64, 24)))
    weight, bias, gamma, beta, running_mean, running_var = args = _fold_args(rng, 1024, 512)
    timing = Timing((*args, 1e-5), "fold_batch_norm", (weight, bias, running_mean, running_var, gamma, beta, 1e-5))
    return ExerciseChecks(tuple(checks), pair, timing)


@builder("stable-variance")
def stable_variance(rng: np.random.Generator) -> ExerciseChecks:
    checks = []
    for shape, offset in (((64, 3), 0.0), ((256, 4), 1e4), ((2048, 16), 1e6)):
        x = normal(rng, shape, mean=offset, dtype=np.float32)
        statistics = core.normalization_statistics(x, "batch")
        mean, var = statistics.mean.ravel(), statistics.var.ravel()
        count = shape[0]
        variants = [(1, var * count / (count - 1), "the variance is the unbiased one (ddof=1): this exercise "
                                                   "asks for the biased variance (divide by N)")]
        checks.append(Check(describe(x, offset=offset), (x,), (mean, var),
                            tuple(m for o, v, s in variants for m in mistakes(o, [(v, s)])),
                            (1e-3, 1e-6), offset=offset, output_tolerance=((1e-7, 2e-2), (1e-3, 1e-6))))
    pair = tuple((normal(rng, shape, dtype=np.float32),) for shape in ((4, 3), (64, 24)))
    x = normal(rng, (4096, 256), mean=1e6, dtype=np.float32)
    return ExerciseChecks(tuple(checks), pair, Timing((x,), "normalization_statistics", (x, "batch")))
