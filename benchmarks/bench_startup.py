"""Benchmark: start-up to the home screen, as a user starts it, and key press to verdict.

Run: ``python benchmarks/bench_startup.py [--rounds 9] [--answers 24]``.

1. Start-up, in a terminal: each run spawns ``python -m normquiz`` in a
   pseudo-terminal of 100x30 (``benchmarks/terminal.py``) and times what
   appears on it: the home screen's first frame (its "Practice, review,
   interview" heading), the question counts ("Basic  52 q") and the mastery
   figures. The baseline, in the same rounds, interleaved: a bare Textual app
   (Header, Label, Footer) spawned the same way, to its first frame. normquiz
   runs twice per round: a first start (empty bank cache) and a second start
   (the cache the earlier starts wrote). Targets (issue 13): first frame at most
   1.15x the bare app's; counts on a second start at most 1.3x its first frame.
   The package is byte-compiled first, as ``pip install`` does, so that no run
   pays for compiling (this matters where PYTHONDONTWRITEBYTECODE is set).
   With ``--instructions`` (needs valgrind), each start is also counted in
   instructions (callgrind) up to the first frame written to the terminal:
   the same ratios without the noise of a shared machine (within about 1%),
   for finding what costs what.
2. Answer to verdict: the built-in bank under Pilot; for each question the
   answer is prepared, then the submitting key is pressed. "painted" is the
   time until the first refresh after the verdict is shown; "settled" until
   the app is idle again (footer and all). Target: under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from terminal import compile_normquiz, run_on_terminal, time_on_terminal  # noqa: E402

BARE_APP = '''
from textual.app import App
from textual.widgets import Footer, Header, Label


class Bare(App):
    TITLE = "bare"

    def compose(self):
        yield Header()
        yield Label("Hello from a bare Textual app")
        yield Footer()


Bare().run()
'''
# Prepended to a start when counting instructions: exit once the first frame is written.
EXIT_AFTER_FIRST_FRAME = '''
import os, sys
from textual.app import App
_display = App._display
def _display_then_exit(self, screen, renderable):
    _display(self, screen, renderable)
    if renderable is not None and not self._batch_count and self._driver is not None and not self.is_headless:
        os._exit(0)
App._display = _display_then_exit
'''
FIRST_FRAME = r"Practice, review, interview"
COUNTS = r"Basic\s+\d+ q"
MASTERY = r"\d+ mastered"
CASES = ("bare first frame", "first frame", "counts, first start", "counts, second start",
         "mastery, second start")


def time_start_ups(rounds: int) -> dict[str, list[float]]:
    """Seconds from spawning to each case's frame, per round."""
    compile_normquiz()
    times: dict[str, list[float]] = {case: [] for case in CASES}
    with tempfile.TemporaryDirectory() as work_folder:
        work = Path(work_folder)
        bare = work / "bare.py"
        bare.write_text(BARE_APP, encoding="utf-8")
        warm = work / "cache-warm"
        command = [sys.executable, "-m", "normquiz", "--data-dir", str(work / "data")]
        for round_index in range(rounds + 1):  # the first round only warms the cache
            first = time_on_terminal([sys.executable, str(bare)], ["Hello from a bare Textual app"]).seen
            cold = time_on_terminal(command, [FIRST_FRAME, COUNTS],
                                    env={**os.environ, "NORMQUIZ_CACHE_DIR": str(work / f"cache-{round_index}")}).seen
            second = time_on_terminal(command, [FIRST_FRAME, COUNTS, MASTERY],
                                      env={**os.environ, "NORMQUIZ_CACHE_DIR": str(warm)}).seen
            if round_index:
                for case, seconds in zip(CASES, (first[0], second[0], cold[1], second[1], second[2])):
                    times[case].append(seconds)
    return times


def count_instructions(code: str, env: dict[str, str], work: Path, name: str) -> int:
    """Instructions (callgrind) from spawning ``python -c code`` to its first frame on a terminal."""
    log = work / f"{name}.valgrind.log"
    run_on_terminal(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", f"--log-file={log}",
                     sys.executable, "-c", EXIT_AFTER_FIRST_FRAME + code], env=env)
    found = re.search(r"refs:\s+([\d,]+)", log.read_text(encoding="utf-8"))
    if found is None:
        raise RuntimeError(f"valgrind reported no count: see {log}")
    return int(found.group(1).replace(",", ""))


def report_instructions() -> None:
    """Each start once under callgrind: bare app, normquiz on a first and on a second start."""
    if shutil.which("valgrind") is None:
        print("instructions: valgrind is not installed, skipped")
        return
    with tempfile.TemporaryDirectory() as work_folder:
        work = Path(work_folder)
        cache = str(work / "cache")
        app = (f"import sys\nsys.argv = ['normquiz', '--data-dir', {str(work / 'data')!r}]\n"
               "from normquiz.cli import main\nmain()\n")
        env = {**os.environ, "NORMQUIZ_CACHE_DIR": cache}
        bare = count_instructions(BARE_APP, env, work, "bare")
        first = count_instructions(app, env, work, "first")  # writes the cache and its summary
        time_on_terminal([sys.executable, "-m", "normquiz", "--data-dir", str(work / "data")], [MASTERY], env=env)
        second = count_instructions(app, env, work, "second")
    print("instructions to the first frame (callgrind, one run each; steady to about 1%)")
    print(f"  bare Textual app            {bare / 1e6:7.0f} M")
    print(f"  normquiz, first start       {first / 1e6:7.0f} M   {first / bare:.2f}x   (no counts yet)")
    print(f"  normquiz, second start      {second / 1e6:7.0f} M   {second / bare:.2f}x   (with the counts)")


def spread(values: list[float], unit: str, digits: int) -> str:
    return (f"min {min(values):.{digits}f}{unit}  median {statistics.median(values):.{digits}f}{unit}  "
            f"max {max(values):.{digits}f}{unit}")


def report_start_ups(times: dict[str, list[float]]) -> None:
    bare = times["bare first frame"]
    print(f"start-up in a 100x30 terminal, {len(bare)} rounds (ratios: to the bare app's first frame "
          "in the same round)")
    targets = {"first frame": 1.15, "counts, second start": 1.3}
    for case in CASES:
        print(f"  {case:<22} {spread([1000 * seconds for seconds in times[case]], ' ms', 0)}")
        if case != "bare first frame":
            ratios = [seconds / base for seconds, base in zip(times[case], bare)]
            target = f"   (target <= {targets[case]}x)" if case in targets else ""
            print(f"  {'':<22} ratio {spread(ratios, 'x', 2)}{target}")


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
                if isinstance(question, m.OpenQuestion):  # written, then one key point ticked
                    await pilot.press("a", "ctrl+s")
                    await pilot.pause()
                    await pilot.press("1")
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
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--answers", type=int, default=24)
    parser.add_argument("--instructions", action="store_true", help="also count instructions (valgrind)")
    args = parser.parse_args()

    report_start_ups(time_start_ups(args.rounds))
    if args.instructions:
        report_instructions()
    painted, settled = asyncio.run(time_answers(args.answers))
    print(f"answer key press -> verdict, {len(painted)} questions of the built-in bank:")
    print(f"  painted  median {statistics.median(painted):6.1f} ms   max {max(painted):6.1f} ms   (target < 50 ms)")
    print(f"  settled  median {statistics.median(settled):6.1f} ms   max {max(settled):6.1f} ms")


if __name__ == "__main__":
    main()
