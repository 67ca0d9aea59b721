"""Benchmark: loading a bank in a fresh process, cold and warm cache, against a bare YAML parse.

Run: ``python benchmarks/bench_bank.py [--rounds 5]``. Writes 10,000 questions
in 100 files (every type, computed ones included) and, in each round, starts
one fresh process per case, interleaved so that the machine's load hits them
alike:

- ``bare``: ``yaml.load(..., CSafeLoader)`` of the same files: the baseline;
- ``no cache``: ``load_bank(cached=False)``: read, check, run each computed
  question's generator once (which imports NumPy, as a first start does);
- ``cold cache``: ``load_bank()`` with an empty cache folder: the same, plus
  writing the cache;
- ``warm cache``: ``load_bank()`` again with the cache the cold case wrote.

The built-in bank is measured the same way, since that is what a quiz waits
for; and the app itself: from spawning ``normquiz`` (headless) to the whole
bank loaded and painted (a quiz can start), on a first start (empty cache)
and a second one (warm cache), against a bare Textual app's first frame.
(The home screen's counts come sooner, from the cache's summary of the bank,
in the first frame of a second start: ``bench_startup.py`` times that in a
terminal.) Each case is timed in one process and its
peak memory taken in another (tracemalloc slows what it traces): the peak of
Python allocations during the load (tracemalloc) and the growth of the
process's peak RSS. Ratios are against ``bare`` of the same round; min, median
and max over the rounds are printed. Targets (issue 13): 10k questions under
1 s and under 100 MiB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = ("bare", "no cache", "cold cache", "warm cache")
HOUR_NS = 3600 * 10**9


def write_bank(folder: Path, files: int, per_file: int) -> list[Path]:
    """``files`` question files of ``per_file`` questions, cycling through the types, dated an hour ago.

    (Files changed in the last seconds are not cached: see normquiz.bank.cache.)
    """
    from normquiz.bank import QUESTION_TYPES
    from normquiz.bank.scaffold import template_question

    types = tuple(QUESTION_TYPES)
    paths = []
    then = time.time_ns() - HOUR_NS
    for file_index in range(files):
        blocks = [f"# yaml-language-server: $schema=question-file.schema.json\n"
                  f"topic: Benchmark topic {file_index}\nquestions:\n"]
        for question_index in range(per_file):
            kind = types[(file_index + question_index) % len(types)]
            blocks.append(template_question(kind, f"f{file_index}-q{question_index}"))
        path = folder / f"topic-{file_index:03d}.yaml"
        path.write_text("".join(blocks), encoding="utf-8")
        os.utime(path, ns=(then, then))
        paths.append(path)
    return paths


def measure(case: str, folder: str, trace: bool) -> dict[str, float]:
    """In this (fresh) process: load once and report seconds, traced peak and RSS growth."""
    import gc
    import resource
    import tracemalloc

    import yaml

    from normquiz.bank import load_bank

    try:
        from yaml import CSafeLoader as Loader
    except ImportError:  # pragma: no cover
        from yaml import SafeLoader as Loader  # type: ignore[assignment]

    builtin = folder == "builtin"
    if builtin:
        from normquiz.paths import builtin_content_dir

        folder = str(builtin_content_dir())
    paths = sorted(Path(folder).glob("*.yaml"))
    extra = [] if builtin else [folder]

    def bare() -> int:
        return sum(len(yaml.load(path.read_bytes().decode("utf-8"), Loader=Loader)["questions"])
                   for path in paths)

    def load(cached: bool) -> int:
        result = load_bank(extra, include_builtin=builtin, cached=cached)
        assert result.ok, result.problems[:3]
        return len(result.questions)

    action = {"bare": bare, "no cache": lambda: load(False)}.get(case, lambda: load(True))
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    questions = action()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024  # KiB on Linux
    return {"seconds": seconds, "peak_mib": peak, "rss_mib": rss, "questions": questions}


HOME_CHILD = r'''
import sys, time
from pathlib import Path
kind, data_dir = sys.argv[1], sys.argv[2]
if kind == "bare":
    from textual.app import App
    from textual.widgets import Footer, Header, Label

    class Timed(App):
        def compose(self):
            yield Header()
            yield Label("Hello")
            yield Footer()

        def on_mount(self):
            self.call_after_refresh(self.painted)

        def painted(self):
            print(time.time(), flush=True)
            self.exit()

    options = {}
else:
    from normquiz.tui.app import NormquizApp

    class Timed(NormquizApp):
        def _bank_loaded(self, result, reloaded):  # the whole bank is in: a quiz can start
            super()._bank_loaded(result, reloaded)
            self.call_after_refresh(self.painted)

        def painted(self):
            print(time.time(), flush=True)
            self.exit()

    options = {"data_dir": Path(data_dir)}
Timed(**options).run(headless=True)
'''
HOME_CASES = ("bare first frame", "first start", "second start")


def time_home_screen(work: Path, rounds: int) -> dict[str, list[float]]:
    """Seconds from spawning the process to the painted frame, per case and round."""
    times: dict[str, list[float]] = {case: [] for case in HOME_CASES}
    warm = work / "home-cache-warm"
    for round_index in range(rounds + 1):  # the first round only warms the cache
        for case in HOME_CASES:
            cache = warm if case == "second start" else work / f"home-cache-{round_index}"
            env = {**os.environ, "NORMQUIZ_CACHE_DIR": str(cache)}
            kind = "bare" if case == "bare first frame" else "app"
            started = time.time()
            output = subprocess.run([sys.executable, "-c", HOME_CHILD, kind, str(work / "data")], env=env,
                                    capture_output=True, text=True, check=True).stdout
            if round_index:
                times[case].append(float(output.strip().splitlines()[-1]) - started)
    return times


def report_home_screen(times: dict[str, list[float]]) -> None:
    bare = times["bare first frame"]
    print(f"\nnormquiz to the whole bank loaded and painted ({len(bare)} rounds)")
    for case in HOME_CASES:
        print(f"  {case:<16} {spread([seconds * 1000 for seconds in times[case]], ' ms', 0)}")
        if case != "bare first frame":
            ratios = [seconds / base for seconds, base in zip(times[case], bare)]
            print(f"  {'':<16} vs bare first frame {spread(ratios, 'x')}")


def run_case(case: str, folder: str, cache_dir: Path, *, trace: bool) -> dict[str, float]:
    env = {**os.environ, "NORMQUIZ_CACHE_DIR": str(cache_dir)}
    command = [sys.executable, __file__, "--child", case, folder] + (["--trace"] if trace else [])
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(output.splitlines()[-1])


def one_round(folder: str, work: Path, round_index: int) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    for trace in (False, True):
        cache_dir = work / f"cache-{round_index}-{trace}"  # empty: the cold case fills it
        for case in CASES:
            measured = run_case(case, folder, cache_dir, trace=trace)
            entry = figures.setdefault(case, {})
            if trace:
                entry["peak_mib"] = measured["peak_mib"]
            else:
                entry.update(seconds=measured["seconds"], rss_mib=measured["rss_mib"],
                             questions=measured["questions"])
    return figures


def spread(values: list[float], unit: str, digits: int = 2) -> str:
    return (f"min {min(values):.{digits}f}{unit}  median {statistics.median(values):.{digits}f}{unit}  "
            f"max {max(values):.{digits}f}{unit}")


def report(title: str, rounds: list[dict[str, dict[str, float]]]) -> None:
    print(f"\n{title} ({int(rounds[0]['bare']['questions'])} questions, {len(rounds)} rounds)")
    for case in CASES:
        seconds = [figures[case]["seconds"] * 1000 for figures in rounds]
        ratios = [figures[case]["seconds"] / figures["bare"]["seconds"] for figures in rounds]
        print(f"  {case:<11} time {spread(seconds, ' ms', 0)}")
        if case != "bare":
            print(f"  {'':<11} vs bare {spread(ratios, 'x')}")
        print(f"  {'':<11} peak traced {spread([f[case]['peak_mib'] for f in rounds], ' MiB', 1)};"
              f" RSS growth {spread([f[case]['rss_mib'] for f in rounds], ' MiB', 1)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--per-file", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("CASE", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], args.child[1], args.trace)))
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from terminal import compile_normquiz

    compile_normquiz()  # as pip install does: no timed process compiles the modules
    with tempfile.TemporaryDirectory() as work_folder:
        work = Path(work_folder)
        bank = work / "bank"
        bank.mkdir()
        write_bank(bank, args.files, args.per_file)
        large, builtin = [], []
        for round_index in range(args.rounds):
            large.append(one_round(str(bank), work, round_index))
            builtin.append(one_round("builtin", work, round_index + args.rounds))
            print(f"round {round_index + 1}/{args.rounds} done", file=sys.stderr)
        home = time_home_screen(work, args.rounds)
    report(f"{args.files} files x {args.per_file} questions", large)
    report("the built-in bank", builtin)
    report_home_screen(home)
    warm = [figures["warm cache"]["seconds"] for figures in large]
    peak = max(figures["no cache"]["peak_mib"] for figures in large)
    print(f"\ntargets: 10k questions warm {'under' if max(warm) < 1 else 'OVER'} 1 s in every round; "
          f"uncached traced peak {peak:.0f} MiB ({'under' if peak < 100 else 'OVER'} 100 MiB)")


if __name__ == "__main__":
    main()
