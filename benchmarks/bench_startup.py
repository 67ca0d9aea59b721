"""Benchmark: start-up to the home screen's first frame, and key press to verdict.

Run: ``python benchmarks/bench_startup.py [--repeats 7] [--answers 24]``.

1. Start-up: each run is a fresh ``python`` process running the app headless;
   the time is from just before the process is spawned to the first frame of
   the home screen (the app's ``after_first_frame``, called after the first
   refresh, where the bank starts loading), against a
   bare Textual app with a Header, a Label and a Footer measured the same way,
   interleaved in the same run. Medians and their ratio. Target: within 1.3x.
2. Answer to verdict: the built-in bank under Pilot; for each question the
   answer is prepared, then the submitting key is pressed. "painted" is the
   time until the first refresh after the verdict is shown; "settled" until
   the app is idle again (footer and all). Target: under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r'''
import sys, time
kind, data_dir = sys.argv[1], sys.argv[2]
if kind == "bare":
    from textual.app import App
    from textual.widgets import Footer, Header, Label

    class Base(App):
        def compose(self):
            yield Header()
            yield Label("Hello")
            yield Footer()

    class Timed(Base):
        def on_mount(self):
            self.call_after_refresh(self.after_first_frame)

        def after_first_frame(self):
            print(time.time(), flush=True)
            self.exit()

    options = {}
else:
    from pathlib import Path
    from normquiz.tui.app import NormquizApp as Base

    class Timed(Base):
        def after_first_frame(self):  # instead of loading the bank
            print(time.time(), flush=True)
            self.exit()

    options = {"data_dir": Path(data_dir)}

Timed(**options).run(headless=True)
'''


def time_start_ups(repeats: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"bare": [], "normquiz": []}
    with tempfile.TemporaryDirectory() as data_dir:
        for _ in range(repeats):
            for kind in times:
                started = time.time()
                result = subprocess.run([sys.executable, "-c", CHILD, kind, data_dir],
                                        capture_output=True, text=True, check=True)
                first_frame = float(result.stdout.strip().splitlines()[-1])
                times[kind].append(first_frame - started)
    return times


async def time_answers(count: int) -> tuple[list[float], list[float]]:
    """Milliseconds from the submitting key press to the verdict painted, and to idle."""
    from normquiz.bank import model as m
    from normquiz.progress import ProgressStore
    from normquiz.study.request import QuizRequest
    from normquiz.tui.app import NormquizApp
    from normquiz.tui.screens import quiz

    painted_at: list[float] = []
    show_verdict = quiz.QuizScreen._show_verdict

    async def timed_show_verdict(self, verdict):  # type: ignore[no-untyped-def]
        await show_verdict(self, verdict)
        self.call_after_refresh(lambda: painted_at.append(time.perf_counter()))

    quiz.QuizScreen._show_verdict = timed_show_verdict  # type: ignore[method-assign]
    painted, settled = [], []
    with tempfile.TemporaryDirectory() as data_dir:
        store = ProgressStore.open(Path(data_dir))
        app = NormquizApp(store=store, start=QuizRequest(count=count, seed=7))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            for _ in range(20):
                await pilot.pause()
                if isinstance(app.screen, quiz.QuizScreen):
                    break
            while isinstance(app.screen, quiz.QuizScreen) and app.screen.run.current is not None:
                screen = app.screen
                question = screen.run.current.question
                if isinstance(question, m.OpenQuestion):
                    await pilot.press("a", "ctrl+s")
                    await pilot.pause()
                elif isinstance(question, (m.NumericQuestion, m.ShortAnswerQuestion, m.ComputedQuestion)):
                    await pilot.press("1")
                elif not isinstance(question, (m.OrderingQuestion, m.MultipleChoiceQuestion)):
                    await pilot.press("1")
                await pilot.pause()
                painted_at.clear()
                started = time.perf_counter()
                await pilot.press("enter")
                settled.append(1000 * (time.perf_counter() - started))
                painted.append(1000 * (painted_at[0] - started) if painted_at else float("nan"))
                await pilot.press("n")
                await pilot.pause()
        store.close()
    quiz.QuizScreen._show_verdict = show_verdict  # type: ignore[method-assign]
    return painted, settled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--answers", type=int, default=24)
    args = parser.parse_args()

    times = time_start_ups(args.repeats)
    bare, ours = statistics.median(times["bare"]), statistics.median(times["normquiz"])
    print(f"start-up to first frame (median of {args.repeats}):")
    print(f"  bare Textual app (Header, Label, Footer)  {1000 * bare:7.1f} ms")
    print(f"  normquiz home screen                      {1000 * ours:7.1f} ms")
    print(f"  ratio                                     {ours / bare:7.2f}x   (target <= 1.3x)")

    painted, settled = asyncio.run(time_answers(args.answers))
    print(f"answer key press -> verdict, {len(painted)} questions of the built-in bank:")
    print(f"  painted  median {statistics.median(painted):6.1f} ms   max {max(painted):6.1f} ms   (target < 50 ms)")
    print(f"  settled  median {statistics.median(settled):6.1f} ms   max {max(settled):6.1f} ms")


if __name__ == "__main__":
    main()
