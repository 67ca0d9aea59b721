"""Benchmark normquiz.core as users call it, against naive NumPy, a copy and PyTorch, in one run.

Run: python benchmarks/bench_core.py [--quick] [--runs N] [--only TEXT]

Rows, all float32:

* ``LN``: ``layer_norm(x, K, weight, bias)`` over the last axis, with
  weight and bias (``affine``) and without (``plain``), at (8, 16),
  (64, 512), (1024, 1024), (4096, 4096) and (32, 128, 768) (tokens);
* ``BN``: training-mode ``batch_norm(x, weight=..., bias=..., training=True)``,
  affine and plain, at the same 2-D shapes and (32, 64, 56, 56) (NCHW);
* ``LN bwd`` / ``BN bwd``: ``layer_norm_backward`` and ``batch_norm_backward``
  with a weight, at the same shapes.

Columns, timed interleaved round by round (a noisy neighbour slows every
contender alike), median of the rounds:

* ``ours``: normquiz.core;
* ``naive``: the textbook formula written plainly with NumPy
  (``(x - x.mean(axis)) / np.sqrt(x.var(axis) + eps) * w + b``, and the
  backward formula of docs/core.md with ``mean``/``var`` recomputed, as ours does);
* ``copy``: ``np.copy(x)``, the memory-bandwidth floor (read and write once);
* ``torch``: ``torch.nn.functional`` (forward) or the ATen backward kernel fed
  with the statistics its forward saved (what autograd runs), with
  ``torch.set_num_threads(1)``, when torch is installed.

and the ratios ours/naive, ours/copy and ours/torch (below 1: ours is
faster). ``--runs N`` repeats the whole measurement and adds the min-max of
each ratio over the runs. Targets (issue 13): with affine, BN <= 0.7x torch
at (4096, 4096) and NCHW; LN <= 1.0x torch at (4096, 4096) and <= 3x at
(1024, 1024); every row ours/naive <= 0.67.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set, select an older OpenBLAS
kernel and slow NumPy's dot products; unset both for this command only.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from normquiz.core import batch_norm, batch_norm_backward, layer_norm, layer_norm_backward

SQUARE_SHAPES = [(8, 16), (64, 512), (1024, 1024), (4096, 4096)]
TOKENS = (32, 128, 768)
NCHW = (32, 64, 56, 56)
EPS = 1e-5


# --- the naive versions: the formulas as a textbook writes them ---------------------------


def _bn_axes(x: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Batch norm's reduced axes and the shape a per-channel vector broadcasts with."""
    return (0,) + tuple(range(2, x.ndim)), (1, -1) + (1,) * (x.ndim - 2)


def naive_layer_norm(x, w, b):
    y = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + EPS)
    return y if w is None else y * w + b


def naive_batch_norm(x, w, b):
    axes, shape = _bn_axes(x)
    y = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + EPS)
    return y if w is None else y * w.reshape(shape) + b.reshape(shape)


def _naive_backward(dy, x, w, axes, shared_axes, w_shape):
    """dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), means over ``axes``."""
    rstd = 1 / np.sqrt(x.var(axes, keepdims=True) + EPS)
    xhat = (x - x.mean(axes, keepdims=True)) * rstd
    dbias = dy.sum(shared_axes)
    dweight = (dy * xhat).sum(shared_axes)
    dxhat = dy * w.reshape(w_shape)
    dx = rstd * (dxhat - dxhat.mean(axes, keepdims=True) - xhat * (dxhat * xhat).mean(axes, keepdims=True))
    return dx, dweight, dbias


def naive_layer_norm_backward(dy, x, w):
    return _naive_backward(dy, x, w, -1, tuple(range(x.ndim - 1)), w.shape)


def naive_batch_norm_backward(dy, x, w):
    axes, shape = _bn_axes(x)
    return _naive_backward(dy, x, w, axes, axes, shape)


# --- the rows -----------------------------------------------------------------------------


@dataclass
class Row:
    layer: str
    shape: tuple[int, ...]
    affine: str
    contenders: dict[str, Callable[[], object]]


def _rows(shape: tuple[int, ...], layers: tuple[str, ...], torch) -> list[Row]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    dy = rng.standard_normal(shape, dtype=np.float32)
    k, c = shape[-1], shape[1]
    ln_w, ln_b = rng.standard_normal(k, dtype=np.float32), rng.standard_normal(k, dtype=np.float32)
    bn_w, bn_b = rng.standard_normal(c, dtype=np.float32), rng.standard_normal(c, dtype=np.float32)
    rows = []
    for affine in ("affine", "plain"):
        lw, lb = (ln_w, ln_b) if affine == "affine" else (None, None)
        bw, bb = (bn_w, bn_b) if affine == "affine" else (None, None)
        if "LN" in layers:
            rows.append(Row("LN", shape, affine, {
                "ours": lambda lw=lw, lb=lb: layer_norm(x, k, lw, lb),
                "naive": lambda lw=lw, lb=lb: naive_layer_norm(x, lw, lb),
            }))
        if "BN" in layers:
            rows.append(Row("BN", shape, affine, {
                "ours": lambda bw=bw, bb=bb: batch_norm(x, weight=bw, bias=bb, training=True),
                "naive": lambda bw=bw, bb=bb: naive_batch_norm(x, bw, bb),
            }))
    if "LN" in layers:
        rows.append(Row("LN bwd", shape, "affine", {
            "ours": lambda: layer_norm_backward(dy, x, k, ln_w),
            "naive": lambda: naive_layer_norm_backward(dy, x, ln_w),
        }))
    if "BN" in layers:
        rows.append(Row("BN bwd", shape, "affine", {
            "ours": lambda: batch_norm_backward(dy, x, bn_w),
            "naive": lambda: naive_batch_norm_backward(dy, x, bn_w),
        }))
    if torch is not None:
        _add_torch(rows, torch, x, dy, (ln_w, ln_b), (bn_w, bn_b))
    return rows


def _add_torch(rows: list[Row], torch, x, dy, ln_params, bn_params) -> None:
    functional, aten = torch.nn.functional, torch.ops.aten
    xt, dyt = torch.from_numpy(x), torch.from_numpy(dy)
    lw, lb = (torch.from_numpy(p) for p in ln_params)
    bw, bb = (torch.from_numpy(p) for p in bn_params)
    k = (x.shape[-1],)
    everything = [True, True, True]
    for row in rows:
        affine = row.affine == "affine"
        if row.layer == "LN":
            params = (lw, lb) if affine else (None, None)
            row.contenders["torch"] = lambda p=params: functional.layer_norm(xt, k, *p, eps=EPS)
        elif row.layer == "BN":
            params = (bw, bb) if affine else (None, None)
            row.contenders["torch"] = lambda p=params: functional.batch_norm(xt, None, None, *p, training=True, eps=EPS)
        elif row.layer == "LN bwd":
            _, mean, rstd = torch.native_layer_norm(xt, k, lw, lb, EPS)
            row.contenders["torch"] = lambda m=mean, r=rstd: aten.native_layer_norm_backward(dyt, xt, k, m, r, lw, lb, everything)
        else:
            _, mean, invstd = torch.native_batch_norm(xt, bw, bb, None, None, True, 0.1, EPS)
            row.contenders["torch"] = lambda m=mean, s=invstd: aten.native_batch_norm_backward(
                dyt, xt, bw, None, None, m, s, True, EPS, everything
            )


# --- timing -------------------------------------------------------------------------------


def _time(function: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        function()
    return (time.perf_counter() - start) / number


def measure(rows: list[Row], copy: Callable[[], object], rounds: int, budget: float) -> tuple[list[dict[str, float]], float]:
    """Median seconds per call of every contender of ``rows`` and of ``copy``, interleaved."""
    functions = {("copy", ""): copy}
    for index, row in enumerate(rows):
        for name, function in row.contenders.items():
            functions[(index, name)] = function
    numbers = {}
    for key, function in functions.items():
        function()  # warm up (first-touch allocations, lazy imports)
        numbers[key] = max(1, int(budget / max(_time(function, 1), 1e-7)))
    samples: dict[tuple, list[float]] = {key: [] for key in functions}
    for _ in range(rounds):
        for key, function in functions.items():
            samples[key].append(_time(function, numbers[key]))
    medians = {key: statistics.median(values) for key, values in samples.items()}
    return [{name: medians[(i, name)] for name in row.contenders} for i, row in enumerate(rows)], medians[("copy", "")]


def _format_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    return f"{seconds * 1e3:.2f} ms"


def _groups(torch, only: str | None) -> list[tuple[tuple[int, ...], tuple[str, ...]]]:
    groups = [(shape, ("LN", "BN")) for shape in SQUARE_SHAPES] + [(TOKENS, ("LN",)), (NCHW, ("BN",))]
    if only:
        groups = [g for g in groups if only in str(g[0]) or any(only in layer for layer in g[1])]
    return groups


def run_once(torch, rounds: int, budget: float, only: str | None) -> dict[tuple, dict[str, float]]:
    """Measure every row and print the table; return the ratios by row."""
    header = "| shape | layer | weight, bias | ours | naive | copy | torch | ours/naive | ours/copy | ours/torch |"
    print(header)
    print("|" + "---|" * 3 + "---:|" * 7)
    ratios = {}
    for shape, layers in _groups(torch, only):
        rows = _rows(shape, layers, torch)
        rows = [row for row in rows if not only or only in str(shape) or only in row.layer]
        x = np.random.default_rng(1).standard_normal(shape, dtype=np.float32)
        times, copy = measure(rows, lambda x=x: np.copy(x), rounds, budget)
        for row, row_times in zip(rows, times):
            ours, naive, theirs = row_times["ours"], row_times["naive"], row_times.get("torch")
            row_ratios = {"ours/naive": ours / naive, "ours/copy": ours / copy}
            if theirs is not None:
                row_ratios["ours/torch"] = ours / theirs
            ratios[(row.shape, row.layer, row.affine)] = row_ratios
            print(
                f"| {row.shape} | {row.layer} | {'yes' if row.affine == 'affine' else 'no'} | {_format_time(ours)} "
                f"| {_format_time(naive)} | {_format_time(copy)} | {_format_time(theirs) if theirs else '-'} "
                f"| {ours / naive:.2f} | {ours / copy:.1f} | {f'{ours / theirs:.2f}' if theirs else '-'} |",
                flush=True,
            )
    return ratios


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = ", load average %.1f" % os.getloadavg()[0] if hasattr(os, "getloadavg") else ""
    return f"{model}, {os.cpu_count()} cores{load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds (about a quarter of the time)")
    parser.add_argument("--runs", type=int, default=1, help="repeat the measurement; print the min-max of each ratio")
    parser.add_argument("--only", help="only the rows whose shape or layer contains this text, e.g. 4096 or BN")
    args = parser.parse_args()
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    rounds, budget = (5, 0.01) if args.quick else (15, 0.04)
    print(_machine())
    print(f"numpy {np.__version__}" + (f", torch {torch.__version__} ({torch.get_num_threads()} thread)" if torch else ", torch not installed"))
    print(f"float32, median of {rounds} interleaved rounds; ratios < 1 mean ours is faster\n")
    runs = []
    for run in range(args.runs):
        if args.runs > 1:
            print(f"\nrun {run + 1} of {args.runs}")
        runs.append(run_once(torch, rounds, budget, args.only))
    if args.runs > 1:
        print(f"\nmin-max of each ratio over {args.runs} runs\n")
        print("| shape | layer | weight, bias | ours/naive | ours/copy | ours/torch |")
        print("|---|---|---|---:|---:|---:|")
        for key in runs[0]:
            cells = []
            for name in ("ours/naive", "ours/copy", "ours/torch"):
                values = [run[key][name] for run in runs if name in run[key]]
                cells.append(f"{min(values):.2f}-{max(values):.2f}" if values else "-")
            shape, layer, affine = key
            print(f"| {shape} | {layer} | {'yes' if affine == 'affine' else 'no'} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
