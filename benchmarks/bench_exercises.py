"""Benchmark the exercise runner and the new backward passes, as ratios taken in one run.

Run: python benchmarks/bench_exercises.py [--quick]

* A run of every built-in reference solution (``run_exercise``) against the
  bare cost of starting its child, ``python -I -c "import numpy"``, measured
  alternately: the ratio says how much of a run is the checks themselves.
* ``group_norm_backward``, ``instance_norm_backward`` and
  ``rms_norm_backward`` on float32 inputs against PyTorch autograd (forward +
  backward, one thread), if torch is installed; below 1 means ours is faster.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import numpy as np

from normquiz.bank import load_paths
from normquiz.core import group_norm_backward, instance_norm_backward, rms_norm_backward
from normquiz.paths import builtin_content_dir
from normquiz.study.exercise_run import run_exercise


def _seconds(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_runs(repeats: int) -> None:
    start_child = lambda: subprocess.run([sys.executable, "-I", "-c", "import numpy"], check=True)  # noqa: E731
    print(f"{'exercise':<18} {'run ms':>8} {'start ms':>9} {'ratio':>6}")
    for question in load_paths([builtin_content_dir() / "exercises.yaml"]).questions:
        run = _seconds(lambda: run_exercise(question.exercise, question.reference), repeats)
        bare = _seconds(start_child, repeats)
        print(f"{question.id:<18} {run * 1e3:>8.0f} {bare * 1e3:>9.0f} {run / bare:>6.1f}")


def bench_backward(repeats: int) -> None:
    try:
        import torch
    except ImportError:
        print("torch is not installed: no backward comparison")
        return
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    functional = torch.nn.functional
    print(f"\n{'backward':<30} {'ours ms':>8} {'torch ms':>9} {'ratio':>6}")
    for shape in ((8, 16, 8, 8), (32, 64, 16, 16)):
        x = rng.normal(size=shape).astype(np.float32)
        dy = rng.normal(size=shape).astype(np.float32)
        w = rng.normal(size=shape[1]).astype(np.float32)
        rw = rng.normal(size=shape[-1]).astype(np.float32)
        cases = {
            "group (G=8)": (lambda: group_norm_backward(dy, x, 8, w),
                            lambda xt, wt: functional.group_norm(xt, 8, wt)),
            "instance": (lambda: instance_norm_backward(dy, x, w),
                         lambda xt, wt: functional.instance_norm(xt, weight=wt)),
            "rms (last axis)": (lambda: rms_norm_backward(dy, x, shape[-1], rw),
                                lambda xt, wt: functional.rms_norm(xt, (shape[-1],), wt)),
        }
        for name, (ours, theirs) in cases.items():
            weight = rw if name.startswith("rms") else w

            def torch_step(theirs=theirs, weight=weight):
                xt = torch.tensor(x, requires_grad=True)
                wt = torch.tensor(weight, requires_grad=True)
                theirs(xt, wt).backward(torch.from_numpy(dy))

            mine, reference = _seconds(ours, repeats), _seconds(torch_step, repeats)
            print(f"{name + ' ' + str(shape):<30} {mine * 1e3:>8.2f} {reference * 1e3:>9.2f} {mine / reference:>6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    bench_runs(repeats)
    bench_backward(repeats * 3)


if __name__ == "__main__":
    main()
