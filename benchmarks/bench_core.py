"""Benchmark normquiz.core's layer_norm and batch_norm against naive NumPy, a copy and PyTorch.

Run: python benchmarks/bench_core.py [--quick]

For float32 inputs of shapes (8, 16), (64, 512), (1024, 1024) and
(4096, 4096) it times, in one run and interleaved round by round (so a noisy
neighbour slows every contender alike):

* ``ours``: ``layer_norm(x, C)`` and ``batch_norm(x, training=True)``;
* ``naive``: ``(x - x.mean(axis)) / np.sqrt(x.var(axis) + eps)``;
* ``copy``: ``x.copy()``, the memory-bandwidth floor (read + write once);
* ``torch``: ``torch.nn.functional`` with ``torch.set_num_threads(1)``, if installed.

and prints the median of the repeats and the ratios ours/naive, ours/copy and
ours/torch (below 1 means ours is faster). Targets: ours/naive <= 0.67 at
every shape; at (4096, 4096) ours/torch <= 1 and ours/copy <= 5.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set, select an older OpenBLAS
kernel and slow NumPy's dot products; unset both for this command only.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from normquiz.core import batch_norm, layer_norm

SHAPES = [(8, 16), (64, 512), (1024, 1024), (4096, 4096)]
EPS = 1e-5


def _contenders(x: np.ndarray, torch_module) -> dict[str, Callable[[], object]]:
    width = x.shape[1]
    contenders: dict[str, Callable[[], object]] = {
        "LN ours": lambda: layer_norm(x, width),
        "LN naive": lambda: (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + EPS),
        "BN ours": lambda: batch_norm(x, training=True),
        "BN naive": lambda: (x - x.mean(0)) / np.sqrt(x.var(0) + EPS),
        "copy": x.copy,
    }
    if torch_module is not None:
        functional = torch_module.nn.functional
        tensor = torch_module.from_numpy(x)
        contenders["LN torch"] = lambda: functional.layer_norm(tensor, (width,), eps=EPS)
        contenders["BN torch"] = lambda: functional.batch_norm(tensor, None, None, training=True, eps=EPS)
    return contenders


def _time(function: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        function()
    return (time.perf_counter() - start) / number


def measure(shape: tuple[int, int], rounds: int, torch_module, budget: float) -> dict[str, float]:
    """Median seconds per call of every contender, interleaved over ``rounds`` rounds."""
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    contenders = _contenders(x, torch_module)
    numbers = {}
    for name, function in contenders.items():
        function()  # warm up (first-touch allocations, lazy imports)
        single = _time(function, 1)
        numbers[name] = max(1, int(budget / max(single, 1e-7)))
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, function in contenders.items():
            samples[name].append(_time(function, numbers[name]))
    return {name: statistics.median(values) for name, values in samples.items()}


def _format_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} us"
    return f"{seconds * 1e3:8.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    args = parser.parse_args()
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    rounds, budget = (5, 0.01) if args.quick else (15, 0.05)
    print(f"numpy {np.__version__}" + (f", torch {torch.__version__} (1 thread)" if torch else ", torch not installed"))
    print(f"median of {rounds} interleaved rounds; ratios < 1 mean ours is faster\n")
    header = f"{'shape':>12} {'layer':>5} {'ours':>11} {'naive':>11} {'copy':>11} {'torch':>11}  {'ours/naive':>10} {'ours/copy':>9} {'ours/torch':>10}"
    print(header)
    print("-" * len(header))
    for shape in SHAPES:
        times = measure(shape, rounds, torch, budget)
        for layer in ("LN", "BN"):
            ours, naive, copy = times[f"{layer} ours"], times[f"{layer} naive"], times["copy"]
            torch_time = times.get(f"{layer} torch")
            torch_text = _format_time(torch_time) if torch_time else f"{'-':>11}"
            ratio_torch = f"{ours / torch_time:10.2f}" if torch_time else f"{'-':>10}"
            print(
                f"{str(shape):>12} {layer:>5} {_format_time(ours)} {_format_time(naive)} {_format_time(copy)} "
                f"{torch_text}  {ours / naive:10.2f} {ours / copy:9.2f} {ratio_torch}"
            )


if __name__ == "__main__":
    main()
