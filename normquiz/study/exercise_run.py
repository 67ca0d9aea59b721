"""Run a learner's exercise code in a separate, limited process and grade what it returned.

The parent seeds the inputs and computes the expected outputs with the core
(``normquiz.bank.exercises``); the child (``exercise_child.py``, run with
``python -I``) only calls the learner's function and sends back JSON: numbers
as raw bytes of a numeric dtype, anything else as a short description. So
nothing the learner returns is ever an object in this process.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from normquiz.bank.exercises.cases import ExerciseChecks, describe
from normquiz.bank.exercises.checks import build_checks
from normquiz.bank.exercises.catalogue import EXERCISES, ExerciseSpec
from normquiz.bank.exercises.diagnosis import (
    LOOP_LINES,
    CallOutcome,
    CheckLine,
    Returned,
    diagnose,
    vectorization_line,
)
from normquiz.study.exercise_process import RunHandle, run_child

__all__ = ["DISABLED_MESSAGE", "DISABLED_VARIABLE", "ExerciseReport", "ExercisesDisabled", "RunHandle",
           "RunLimits", "decode_value", "exercises_allowed", "run_exercise"]

DISABLED_VARIABLE = "NORMQUIZ_EXERCISES"
DISABLED_MESSAGE = ("Running code is turned off on this server; start it with "
                    "`normquiz serve --allow-exercises` to allow it")
SOURCE_ROOT = Path(__file__).resolve().parents[2]


class ExercisesDisabled(RuntimeError):
    """Running code is refused here (``NORMQUIZ_EXERCISES=disabled``)."""


@dataclass(frozen=True)
class RunLimits:
    """Limits of one run: wall clock for everything, per call, memory, CPU, files written."""

    wall_seconds: float = 30.0
    call_seconds: float = 5.0
    timing_seconds: float = 4.0
    memory_bytes: int = 2 << 30
    file_bytes: int = 1 << 20


@dataclass(frozen=True)
class ExerciseReport:
    """The lines of one run; ``problem`` is set when the code could not be loaded or the run was cut short."""

    exercise: str
    lines: tuple[CheckLine, ...] = ()
    problem: str = ""
    output: str = ""  # what the learner's code printed (the end of it)

    @property
    def passed(self) -> bool:
        return not self.problem and bool(self.lines) and all(line.passed is not False for line in self.lines) \
            and any(line.passed for line in self.lines)

    def text(self) -> str:
        lines = [line.text() for line in self.lines]
        if self.problem:
            lines.append(self.problem)
        return "\n".join(lines)


def exercises_allowed() -> bool:
    return os.environ.get(DISABLED_VARIABLE, "").strip().lower() != "disabled"


def run_exercise(name: str, source: str, *, seed: int = 0, limits: RunLimits = RunLimits(),
                 handle: RunHandle | None = None) -> ExerciseReport:
    """Run ``source`` (the learner's module text) against exercise ``name``'s checks.

    Raises ``ExercisesDisabled`` where ``NORMQUIZ_EXERCISES=disabled``. ``handle``
    can stop the run from another thread.
    """
    if not exercises_allowed():
        raise ExercisesDisabled(DISABLED_MESSAGE)
    spec = EXERCISES[name]
    checks = build_checks(name, seed)
    with tempfile.TemporaryDirectory(prefix="normquiz-exercise-") as job_dir:
        _write_job(Path(job_dir), spec, checks, source, limits)
        child = run_child(Path(job_dir), limits.wall_seconds, handle)
    events = list(child.events)
    if not child.stopped and child.returncode and not any(event.get("event") == "done" for event in events):
        events.append({"event": "crashed", "returncode": child.returncode})
    stderr = child.stderr.replace(f"{job_dir}{os.sep}", "")  # "solution.py:6: ...", not the temp path
    return _grade(spec, checks, events, stderr, child.stopped, limits)


class _Arrays:
    """Collects the arrays of a job under short names, for ``inputs.npz``."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def ref(self, value: Any) -> dict[str, Any]:
        if isinstance(value, np.ndarray):
            key = f"a{len(self.arrays)}"
            self.arrays[key] = value
            return {"array": key}
        return {"value": value}

    def refs(self, values: tuple[Any, ...]) -> list[dict[str, Any]]:
        return [self.ref(value) for value in values]


def _write_job(job_dir: Path, spec: ExerciseSpec, checks: ExerciseChecks, source: str, limits: RunLimits) -> None:
    store = _Arrays()
    timing = checks.timing
    job = {
        "function": spec.function,
        "source_root": str(SOURCE_ROOT),
        "limits": {"memory_bytes": limits.memory_bytes, "file_bytes": limits.file_bytes,
                   "cpu_seconds": int(limits.wall_seconds) + 2, "call_seconds": limits.call_seconds,
                   "timing_seconds": limits.timing_seconds},
        "calls": [{"id": index, "args": store.refs(check.args)} for index, check in enumerate(checks.checks)],
        "scaling": [store.refs(args) for args in checks.scaling],
        "loop_lines": LOOP_LINES,
        "timing": {"args": store.refs(timing.args), "core_function": timing.core_function,
                   "core_args": store.refs(timing.core_args),
                   "core_kwargs": {key: store.ref(value) for key, value in timing.core_kwargs.items()}},
    }
    (job_dir / "solution.py").write_text(source, encoding="utf-8")
    (job_dir / "job.json").write_text(json.dumps(job), encoding="utf-8")
    np.savez(job_dir / "inputs.npz", **store.arrays)


def decode_value(value: Any) -> Returned:
    """One value from the child's JSON: a numeric array whose bytes fit its shape, or a description."""
    if not isinstance(value, dict):
        return Returned(None, "value", "an unreadable value")
    if value.get("kind") != "array":
        return Returned(None, str(value.get("kind", "value"))[:40], str(value.get("text", ""))[:80])
    try:
        dtype = np.dtype(str(value["dtype"]))
        shape = tuple(int(d) for d in value["shape"])
        data = base64.b64decode(str(value["data"]), validate=True)
    except (KeyError, TypeError, ValueError):
        return Returned(None, "value", "an unreadable value")
    if dtype.kind not in "biuf" or any(d < 0 for d in shape) or int(np.prod(shape)) * dtype.itemsize != len(data):
        return Returned(None, "value", "an unreadable value")
    return Returned(np.frombuffer(data, dtype=dtype).reshape(shape).copy())


def _outcome(event: dict[str, Any]) -> CallOutcome:
    error = event.get("error")
    if isinstance(error, dict):
        return CallOutcome(None, error=str(error.get("message", "failed"))[:400], error_kind=str(error.get("kind", "")))
    values = event.get("values")
    decoded = tuple(decode_value(value) for value in values) if isinstance(values, list) else ()
    modified = tuple(int(i) for i in event.get("modified", ()) if isinstance(i, int))
    return CallOutcome(decoded, single=bool(event.get("single", True)), modified=modified)


def _grade(spec: ExerciseSpec, checks: ExerciseChecks, events: list[dict[str, Any]], stderr: str,
           stopped: bool, limits: RunLimits) -> ExerciseReport:
    output = "\n".join(stderr.strip().splitlines()[-12:])
    by_kind: dict[str, dict[str, Any]] = {}
    calls: dict[int, dict[str, Any]] = {}
    for event in events:
        if event.get("event") == "call" and isinstance(event.get("id"), int):
            calls[event["id"]] = event
        else:
            by_kind.setdefault(str(event.get("event")), event)
    if "load_error" in by_kind:
        return ExerciseReport(spec.name, problem=_load_problem(by_kind["load_error"]), output=output)
    if "loaded" not in by_kind:
        return ExerciseReport(spec.name, problem=_cut_short(stopped, by_kind, limits, output), output=output)
    lines: list[CheckLine] = []
    stable = True
    for index, check in enumerate(checks.checks):
        if index not in calls:
            lines.append(CheckLine(check.label, False, _cut_short(stopped, by_kind, limits, output)))
            break
        line = diagnose(spec, check, _outcome(calls[index]), stable_so_far=stable)
        stable = stable and (line.passed or bool(check.offset))
        lines.append(line)
    correct = len(lines) == len(checks.checks) and all(line.passed for line in lines)
    lines.append(_vectorization(checks, by_kind, correct, stopped))
    return ExerciseReport(spec.name, tuple(lines), output=output)


def _vectorization(checks: ExerciseChecks, by_kind: dict[str, dict[str, Any]], correct: bool,
                   stopped: bool) -> CheckLine:
    """The vectorization line from the child's line counts and timings."""
    counted, timing = by_kind.get("lines", {}), by_kind.get("timing", {})

    def number(event, key):
        value = event.get(key)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    small, large = checks.scaling
    return vectorization_line(
        describe(small[0]), describe(large[0]), number(counted, "small"), number(counted, "large"),
        number(timing, "learner"), number(timing, "core"), describe(checks.timing.args[0]),
        correct=correct, timed_out=bool(timing.get("timed_out")) or (stopped and not timing))


def _load_problem(event: dict[str, Any]) -> str:
    kind, message = event.get("kind"), str(event.get("message", ""))[:400]
    if kind == "syntax":
        return f"Syntax error at line {event.get('line')}: {message}"
    if kind == "missing":
        return f"Missing function: your file has {message}; define it with the signature shown."
    return f"Your file failed while loading: {message}"


def _cut_short(stopped: bool, by_kind: dict[str, Any], limits: RunLimits, output: str) -> str:
    if stopped:
        return f"stopped after {limits.wall_seconds:g} s: an infinite loop, or a very slow one?"
    crashed = by_kind.get("crashed")
    if crashed:
        code = crashed.get("returncode")
        if isinstance(code, int) and code < 0:
            import signal

            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            reason = {"SIGXCPU": "used up its CPU time", "SIGKILL": "was killed (out of memory?)",
                      "SIGSEGV": "crashed (segmentation fault)"}.get(name, f"was stopped by {name}")
            return f"The process running your code {reason}."
        last = output.strip().splitlines()[-1] if output.strip() else ""
        return f"The process running your code exited with status {code}" + (f": {last}" if last else ".")
    return "The process running your code stopped without reporting."
