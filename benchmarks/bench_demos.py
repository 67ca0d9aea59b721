"""Benchmark of the demo screens' computation: state -> view model after one key press, and training runs.

Run: python benchmarks/bench_demos.py
For each demo's default state it times the plain function the screen calls
after a key press (the computation, not the rendering), and a 300-step
training run for each of none / BN / LN. Targets: under 16 ms per key press,
under 2 s per 300-step run. The numbers are medians of several runs taken in
this process; compare them with the targets, not across machines.
"""

from __future__ import annotations

import os

# The MLP's matrices are small: with several BLAS threads on a shared machine the
# threads mostly wait for each other (measured 10-30x slower on 2 busy cores).
# The demo's numbers are about the computation, so time it single-threaded.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

from normquiz.lab.training import NORMS, Trainer, TrainingConfig  # noqa: E402
from normquiz.tui.demos import axes, cost, coupling, cube, running_stats, sequences, small_batch, training  # noqa: E402

KEY_PRESS_TARGET = 0.016
TRAINING_TARGET = 2.0


def median_time(function: Callable[[], object], repeats: int = 15) -> float:
    function()  # warm caches (e.g. small-batch's noise curve, computed once per seed)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def key_press_cases() -> list[tuple[str, str, Callable[[], object]]]:
    """(demo, key, recompute) for each demo's default state: the transition plus the view model."""
    cost_points = list(cost.measurements(cost.CostState(size=64), timer=iter(range(10**9)).__next__))
    runs = {norm: training.RunProgress(norm, tuple(1.0 / (1 + i) for i in range(300)), "finished")
            for norm in NORMS}
    return [
        ("axes", "n (BN -> LN)", lambda: axes.compute_view(axes.AxesState().next_norm())),
        ("coupling", "space (nudge)", lambda: coupling.compute_view(coupling.CouplingState().push(0.5))),
        ("running-stats", "space (next batch)",
         lambda: running_stats.compute_view(running_stats.RunningStatsState().advance(1))),
        ("running-stats", "] at 200 steps",
         lambda: running_stats.compute_view(running_stats.RunningStatsState(steps=190).advance(10))),
        ("small-batch", "] (m x2)", lambda: small_batch.compute_view(small_batch.SmallBatchState().resize(2))),
        ("small-batch", "m = 256", lambda: small_batch.compute_view(small_batch.SmallBatchState(batch_size=256))),
        ("sequences", "m (mask)", lambda: sequences.compute_view(sequences.SequencesState(masked=True))),
        ("sequences", "p at B=16, T=64", lambda: sequences.compute_view(
            sequences.SequencesState(per_step=True, batch_size=16, max_length=64))),
        ("cube", "g (group norm)", lambda: cube.compute_view(cube.CubeState(norm="group"))),
        ("training", "n (300 steps shown)", lambda: training.compute_view(training.TrainingState(), runs)),
        ("cost", "p (replot)", lambda: cost.compute_view(cost.CostState(size=64), cost_points)),
    ]


def training_run(norm: str) -> float:
    start = time.perf_counter()
    trainer = Trainer(TrainingConfig(norm=norm, steps=300))
    while not trainer.finished:
        trainer.step()
    return time.perf_counter() - start


def main() -> None:
    print(f"{'demo':15}{'key press':24}{'computation':>14}{'target':>10}  ok")
    for demo, key, function in key_press_cases():
        seconds = median_time(function)
        ok = "yes" if seconds < KEY_PRESS_TARGET else "NO"
        print(f"{demo:15}{key:24}{seconds * 1e3:>11.2f} ms{KEY_PRESS_TARGET * 1e3:>7.0f} ms  {ok}")
    print()
    print(f"{'training run':39}{'time':>14}{'target':>10}  ok")
    for norm in NORMS:
        seconds = statistics.median(training_run(norm) for _ in range(3))
        ok = "yes" if seconds < TRAINING_TARGET else "NO"
        print(f"{'300 steps, norm=' + norm:39}{seconds:>12.2f} s{TRAINING_TARGET:>8.0f} s  {ok}")


if __name__ == "__main__":
    main()
