"""Benchmark of the demo screens' computation: state -> view model after one key press, training runs,
and the training demo in the app against the training alone.

Run: python benchmarks/bench_demos.py [--rounds 3]
For each demo's default state it times the plain function the screen calls
after a key press (the computation, not the rendering), and a 300-step
training run for each of none / BN / LN. Targets: under 16 ms per key press,
under 2 s per 300-step run. The numbers are medians of several runs taken in
this process; compare them with the targets, not across machines.

Then the training demo itself (headless, under Pilot): the wall time of its
300 steps x 3 runs, from the key press to the last report drawn, against the
same three runs trained directly in this process (the baseline, interleaved
round by round), with the number of plot renders and their time. Target: at
most 1.3x the training's own time. A row with the redraw throttle off (a
report after every step) shows what the throttle saves.
"""

from __future__ import annotations

import os

# The MLP's matrices are small: with several BLAS threads on a shared machine the
# threads mostly wait for each other (measured 10-30x slower on 2 busy cores).
# The demo's numbers are about the computation, so time it single-threaded.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

from normquiz.lab.training import NORMS, Trainer, TrainingConfig, make_task  # noqa: E402
from normquiz.tui.demos import axes, cost, coupling, cube, running_stats, sequences, small_batch, training  # noqa: E402

KEY_PRESS_TARGET = 0.016
TRAINING_TARGET = 2.0
DEMO_TARGET = 1.3
DEMO_STEPS = 300


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


def three_runs_directly() -> float:
    """Seconds to train none, BN and LN for DEMO_STEPS steps in turn, as the demo's worker does."""
    start = time.perf_counter()
    task = None
    trainers = []
    for norm in NORMS:
        config = TrainingConfig(norm=norm, steps=DEMO_STEPS)
        task = make_task(config) if task is None else task
        trainers.append(Trainer(config, task=task))
    while not all(trainer.finished for trainer in trainers):
        for trainer in trainers:
            if not trainer.finished:
                trainer.step()
                if trainer.finished or trainer.steps_done % training.EVAL_EVERY == 0:
                    trainer.evaluate()
    return time.perf_counter() - start


async def demo_in_the_app(report_seconds: float) -> tuple[float, int, float]:
    """Wall seconds of the training demo's three runs in the app, the plot renders and their seconds."""
    from textual.app import App

    from normquiz.tui.widgets.plots import LinePlot

    renders: list[float] = []
    render = LinePlot.render

    def timed_render(plot: LinePlot):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return render(plot)
        finally:
            renders.append(time.perf_counter() - start)

    class Harness(App):
        def on_mount(self) -> None:
            self.push_screen(screen)

    saved = training.REPORT_SECONDS, training.DRAWING_SHARE
    training.REPORT_SECONDS = report_seconds
    if report_seconds == 0:
        training.DRAWING_SHARE = None  # the old way: every report redraws
    LinePlot.render = timed_render  # type: ignore[method-assign]
    try:
        screen = training.TrainingDemo({"steps": DEMO_STEPS}, autostart=False)
        app = Harness()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            renders.clear()
            start = time.perf_counter()
            await pilot.press("space")
            await app.workers.wait_for_complete()
            await pilot.pause()
            wall = time.perf_counter() - start
            assert all(run.status in ("finished", "diverged") for run in screen.runs.values()), screen.runs
    finally:
        training.REPORT_SECONDS, training.DRAWING_SHARE = saved
        LinePlot.render = render  # type: ignore[method-assign]
    return wall, len(renders), sum(renders)


def bench_demo_in_the_app(rounds: int) -> None:
    rows: dict[str, list[tuple[float, int, float]]] = {"direct": [], "throttled": [], "every step": []}
    for _ in range(rounds):
        rows["direct"].append((three_runs_directly(), 0, 0.0))
        rows["throttled"].append(asyncio.run(demo_in_the_app(training.REPORT_SECONDS)))
        rows["every step"].append(asyncio.run(demo_in_the_app(0.0)))
    baseline = statistics.median(wall for wall, _, _ in rows["direct"])
    print(f"training demo, {DEMO_STEPS} steps x 3 runs (median of {rounds} interleaved rounds; min-max of the ratio):")
    labels = {"direct": "the three runs trained directly (baseline)",
              "throttled": f"in the app (reports {training.REPORT_SECONDS:g} s, drawing <= "
                           f"{training.DRAWING_SHARE:.0%})",
              "every step": "in the app, a report and a redraw after every step"}
    for kind, results in rows.items():
        walls = [wall for wall, _, _ in results]
        ratios = [wall / direct for wall, (direct, _, _) in zip(walls, rows["direct"])]
        renders = statistics.median(count for _, count, _ in results)
        drawing = statistics.median(seconds for _, _, seconds in results)
        extra = f"   {renders:4.0f} renders, {drawing:5.2f} s drawing" if kind != "direct" else ""
        target = f"   (target <= {DEMO_TARGET}x)" if kind == "throttled" else ""
        print(f"  {labels[kind]:52}{statistics.median(walls):6.2f} s  {statistics.median(walls) / baseline:5.2f}x "
              f"[{min(ratios):.2f}-{max(ratios):.2f}]{extra}{target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only-app", action="store_true", help="only the training demo in the app")
    args = parser.parse_args()
    bench_demo_in_the_app(args.rounds)
    if args.only_app:
        return
    print()
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
