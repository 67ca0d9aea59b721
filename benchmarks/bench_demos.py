"""Benchmark of the demo screens' computation: state -> view model after one key press, training runs,
and the training demo in the app against the training alone.

Run: python benchmarks/bench_demos.py [--rounds 3]
For each demo's default state it times the plain function the screen calls
after a key press (the computation, not the rendering), and a 300-step
training run for each of none / BN / LN. Targets: under 16 ms per key press,
under 2 s per 300-step run. The numbers are medians of several runs taken in
this process; compare them with the targets, not across machines.

Then the training demo itself, as a user runs it: the real app opened as by
``normquiz demo training`` (headless, under Pilot), the first run (started by
opening the demo) left to finish, then ``r``; timed from the key press to the
runs' last frame. Its baseline is the same three runs trained directly in this
process right before and right after it (their mean), so that a change in the
machine's load moves both. Wall ratio target: at most 1.3x. The CPU ratio
(process CPU seconds against the direct runs') is the app's own extra work,
which the load does not move. ``--unthrottled`` adds the demo redrawing at
every frame, to show what the drawing budget saves.
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
from pathlib import Path  # noqa: E402

from normquiz.lab.training import NORMS, Trainer, TrainingConfig, make_task  # noqa: E402
from normquiz.tui.demos.live import LiveDemoScreen  # noqa: E402
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


async def demo_in_the_app(throttled: bool) -> tuple[float, float, float, int, float]:
    """The training demo's three runs in the app, as a user runs them: ``normquiz demo training``
    (the real app, its styles and screens; the first run starts by itself and is not timed), then
    ``r`` to train again from step 0. Wall and CPU seconds from the key press until the runs are
    over and their last frame is drawn, the event loop's CPU seconds (the app's own work: input,
    layout, drawing), the plot renders and their seconds. ``throttled=False``:
    the way before the drawing budget, a redraw at every frame with the latest losses."""
    import tempfile

    from normquiz.tui.app import NormquizApp, StartDemo
    from normquiz.tui.widgets.plots import LinePlot

    renders: list[float] = []
    render = LinePlot.render

    def timed_render(plot: LinePlot):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return render(plot)
        finally:
            renders.append(time.perf_counter() - start)

    saved = training.PUBLISH_SECONDS, training.DRAWING_SHARE, LiveDemoScreen.REFRESH_SECONDS
    if not throttled:
        training.PUBLISH_SECONDS, training.DRAWING_SHARE, LiveDemoScreen.REFRESH_SECONDS = 0.0, None, 1 / 60
    LinePlot.render = timed_render  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            app = NormquizApp(data_dir=Path(data_dir), start=StartDemo("training", {"steps": DEMO_STEPS}))
            async with app.run_test(size=(100, 30)) as pilot:
                while not isinstance(app.screen, training.TrainingDemo):
                    await pilot.pause(0.05)
                screen = app.screen
                await app.workers.wait_for_complete()  # the first run, started by opening the demo
                await pilot.pause()
                renders.clear()
                start, cpu, loop = time.perf_counter(), time.process_time(), time.thread_time()
                await pilot.press("r")
                await app.workers.wait_for_complete()
                await pilot.pause()
                wall, cpu = time.perf_counter() - start, time.process_time() - cpu
                loop = time.thread_time() - loop  # this thread runs the app's event loop
                assert all(run.status in ("finished", "diverged") for run in screen.runs.values()), screen.runs
                assert all(len(run.losses) == DEMO_STEPS for run in screen.runs.values()), screen.runs
    finally:
        training.PUBLISH_SECONDS, training.DRAWING_SHARE, LiveDemoScreen.REFRESH_SECONDS = saved
        LinePlot.render = render  # type: ignore[method-assign]
    return wall, cpu, loop, len(renders), sum(renders)


def timed_three_runs() -> tuple[float, float]:
    """(wall, CPU) seconds of ``three_runs_directly``."""
    wall, cpu = time.perf_counter(), time.process_time()
    three_runs_directly()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_demo_in_the_app(rounds: int, unthrottled: bool) -> None:
    """Each round: the direct runs, the demo, the direct runs again. The demo's ratio is against
    the mean of the two direct timings around it, so that a change in the machine's load during
    the round (other processes on the two cores) moves the baseline with it. The CPU ratio (the
    process's CPU seconds) and the event loop's CPU as a share of the training's show the app's
    own work, which the load moves much less."""
    kinds = ["throttled", "every frame"] if unthrottled else ["throttled"]
    ratios: dict[str, list[tuple[float, float, float]]] = {kind: [] for kind in kinds}
    details: dict[str, list[tuple[float, int, float]]] = {kind: [] for kind in kinds}
    baselines: list[float] = []
    for _ in range(rounds):
        for kind in kinds:
            before = timed_three_runs()
            wall, cpu, loop, count, drawing = asyncio.run(demo_in_the_app(kind == "throttled"))
            after = timed_three_runs()
            direct_wall, direct_cpu = (before[0] + after[0]) / 2, (before[1] + after[1]) / 2
            baselines.append(direct_wall)
            ratios[kind].append((wall / direct_wall, cpu / direct_cpu, loop / direct_cpu))
            details[kind].append((wall, count, drawing))
    print(f"training demo, {DEMO_STEPS} steps x 3 runs, in the app as `normquiz demo training` then r "
          f"({rounds} rounds):")
    print(f"  the three runs trained directly (baseline, around each demo run): median "
          f"{statistics.median(baselines):.2f} s [{min(baselines):.2f}-{max(baselines):.2f}]")
    labels = {"throttled": f"the demo (redraws {1 / LiveDemoScreen.REFRESH_SECONDS:g}/s, plot <= {training.DRAWING_SHARE:.0%})",
              "every frame": "the demo, a redraw at every frame (no budget)"}
    for kind in kinds:
        walls = [wall for wall, _, _ in ratios[kind]]
        cpus = [cpu for _, cpu, _ in ratios[kind]]
        loops = [loop for _, _, loop in ratios[kind]]
        renders = statistics.median(count for _, count, _ in details[kind])
        drawing = statistics.median(seconds for _, _, seconds in details[kind])
        target = f"   (target <= {DEMO_TARGET}x)" if kind == "throttled" else ""
        print(f"  {labels[kind]:50} wall {statistics.median(walls):4.2f}x [{min(walls):.2f}-{max(walls):.2f}]"
              f"  CPU {statistics.median(cpus):4.2f}x [{min(cpus):.2f}-{max(cpus):.2f}]"
              f"  event loop {statistics.median(loops):4.0%} [{min(loops):.0%}-{max(loops):.0%}]"
              f"  {renders:3.0f} renders, {drawing:4.2f} s drawing{target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only-app", action="store_true", help="only the training demo in the app")
    parser.add_argument("--unthrottled", action="store_true",
                        help="also the demo redrawing at every frame (what the drawing budget saves)")
    args = parser.parse_args()
    bench_demo_in_the_app(args.rounds, args.unthrottled)
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
