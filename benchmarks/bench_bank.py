"""Benchmark: load and validate 10,000 questions in 100 files, against a bare YAML parse.

Run: ``python benchmarks/bench_bank.py``. Prints the median time of
``load_paths`` (read, compose, build, validate every question, run each
computed question's generator once) and of a bare
``yaml.load(..., CSafeLoader)`` of the same files, measured in the same run,
and their ratio. Targets (issue 3): under 1 s, within 3x of the bare parse.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from normquiz.bank import QUESTION_TYPES, load_paths
from normquiz.bank.scaffold import template_question

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as Loader  # type: ignore[assignment]

TYPES = tuple(QUESTION_TYPES)


def write_bank(folder: Path, files: int, per_file: int) -> list[Path]:
    """``files`` question files of ``per_file`` questions, cycling through the types."""
    paths = []
    for file_index in range(files):
        blocks = [f"# yaml-language-server: $schema=question-file.schema.json\n"
                  f"topic: Benchmark topic {file_index}\nquestions:\n"]
        for question_index in range(per_file):
            kind = TYPES[(file_index + question_index) % len(TYPES)]
            blocks.append(template_question(kind, f"f{file_index}-q{question_index}"))
        path = folder / f"topic-{file_index:03d}.yaml"
        path.write_text("".join(blocks), encoding="utf-8")
        paths.append(path)
    return paths


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare_parse(paths: list[Path]) -> None:
    for path in paths:
        with path.open("rb") as handle:
            yaml.load(handle.read().decode("utf-8"), Loader=Loader)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--per-file", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        paths = write_bank(Path(folder), args.files, args.per_file)
        result = load_paths([folder])  # warm-up: imports NumPy and core once
        assert result.ok and len(result.questions) == args.files * args.per_file, result.problems[:3]
        bare = median_seconds(lambda: bare_parse(paths), args.repeats)
        gc.disable()
        bare_no_gc = median_seconds(lambda: bare_parse(paths), args.repeats)
        gc.enable()
        loaded = median_seconds(lambda: load_paths([folder]), args.repeats)
    print(f"{len(result.questions)} questions in {len(paths)} files "
          f"({result.counts('type')['computed']} computed)")
    print(f"bare yaml.load ({Loader.__name__}): {bare * 1000:8.1f} ms")
    print(f"  (same, gc disabled as load_paths does: {bare_no_gc * 1000:.1f} ms)")
    print(f"load_paths + validation:  {loaded * 1000:8.1f} ms")
    print(f"ratio: {loaded / bare:.2f}x the bare parse (target < 3x); "
          f"total {'under' if loaded < 1 else 'OVER'} 1 s")


if __name__ == "__main__":
    main()
