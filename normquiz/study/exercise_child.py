"""The child process that runs a learner's exercise code: ``python -I exercise_child.py JOB_DIR``.

Run by path in isolated mode (no PYTHONPATH, no user site, no current
directory on ``sys.path``), in ``JOB_DIR`` as the working directory, with
stdin closed. It reads ``job.json`` and ``inputs.npz`` (arrays, no pickles),
sets its own resource limits, imports ``solution.py`` and calls the
function on each argument list. Results go out as one JSON object per line
on the original stdout, which is kept for them; the learner's ``print``
goes to stderr. Only NumPy and the standard library are used before the
limits are set, plus ``normquiz.core`` (the timing baseline).
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
import traceback

import numpy as np

RESULTS = sys.stdout
MAIN_PID = os.getpid()

MAX_RETURNED_ELEMENTS = 1 << 20


class StopRun(BaseException):
    """Raised by the alarm inside the learner's code; a BaseException so ``except Exception`` cannot hide it."""


def emit(**event) -> None:
    if os.getpid() != MAIN_PID:  # a process the learner's code forked must not speak for it
        return
    RESULTS.write(json.dumps(event) + "\n")
    RESULTS.flush()


def set_limits(limits: dict) -> None:
    """Memory, CPU time, file size and no new processes, where the OS has them."""
    try:
        import resource
    except ImportError:  # not on this OS: the parent's wall-clock timeout still holds
        return
    wanted = {
        "RLIMIT_AS": limits["memory_bytes"],
        "RLIMIT_CPU": limits["cpu_seconds"],
        "RLIMIT_FSIZE": limits["file_bytes"],
        "RLIMIT_NPROC": 0,
    }
    for name, value in wanted.items():
        kind = getattr(resource, name, None)
        if kind is None:
            continue
        soft, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        try:
            resource.setrlimit(kind, (value, hard))
        except (ValueError, OSError):
            pass


def on_alarm(signum, frame):
    raise StopRun


def error_line(error: BaseException, path: str) -> int | None:
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == path]
    return frames[-1].lineno if frames else None


def describe_error(error: BaseException, path: str, seconds: float) -> dict:
    if isinstance(error, StopRun):
        return {"kind": "timeout", "message": f"stopped after {seconds:g} s: an infinite loop, or a very slow one?"}
    if isinstance(error, MemoryError):
        return {"kind": "memory", "message": "ran out of memory (MemoryError): is an array far bigger than the input?"}
    line = error_line(error, path)
    text = f"{type(error).__name__}: {error}"[:300]
    return {"kind": "exception", "message": text + (f" (line {line})" if line else "")}


def encode(value) -> dict:
    """A returned value as plain JSON: numeric arrays as base64 bytes, anything else described."""
    try:
        array = np.asarray(value)
    except BaseException as error:  # noqa: BLE001 (any object the learner made)
        return {"kind": type(value).__name__, "text": f"a {type(value).__name__} ({type(error).__name__})"}
    if array.dtype.kind not in "biuf" or array.size > MAX_RETURNED_ELEMENTS:
        what = type(value).__name__
        return {"kind": what, "text": f"a {what}" + (f" of dtype {array.dtype}" if what == "ndarray" else "")}
    array = np.ascontiguousarray(array)
    return {"kind": "array", "dtype": array.dtype.str, "shape": list(array.shape),
            "data": base64.b64encode(array.tobytes()).decode("ascii")}


def encode_result(result) -> tuple[bool, list]:
    if isinstance(result, (tuple, list)) and not isinstance(result, np.ndarray):
        return False, [encode(item) for item in result[:8]]
    return True, [encode(result)]


def arguments(specs: list, arrays) -> list:
    return [arrays[spec["array"]].copy() if "array" in spec else spec["value"] for spec in specs]


def count_lines(function, args, path: str) -> int:
    """How many lines of the learner's file run in one call: constant for vectorized code."""
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def outer(frame, event, arg):
        return local if frame.f_code.co_filename == path else None

    sys.settrace(outer)
    try:
        function(*args)
    finally:
        sys.settrace(None)
    return count


def timed(function, args, kwargs=None, repeats: int = 3, budget: float = 1.0) -> float:
    best = float("inf")
    started = time.perf_counter()
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args, **(kwargs or {}))
        best = min(best, time.perf_counter() - start)
        if time.perf_counter() - started > budget:
            break
    return best


def guarded(seconds: float, work):
    """Run ``work()`` with an alarm after ``seconds`` of wall-clock time."""
    import signal

    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return work()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def load_solution(path: str, function_name: str):
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    try:
        code = compile(source, path, "exec")
    except SyntaxError as error:
        emit(event="load_error", kind="syntax", line=error.lineno, message=error.msg)
        return None
    namespace = {"__name__": "solution", "__file__": path}
    try:
        exec(code, namespace)  # the learner's own code, in this limited process
    except BaseException as error:  # noqa: BLE001
        emit(event="load_error", **describe_error(error, path, 0))
        return None
    function = namespace.get(function_name)
    if not callable(function):
        defined = sorted(name for name, value in namespace.items()
                         if callable(value) and getattr(value, "__module__", None) == "solution")
        emit(event="load_error", kind="missing", message=f"no function named {function_name}"
             + (f" (found: {', '.join(defined)})" if defined else ""))
        return None
    return function


def keep_stdout_for_results() -> None:
    """Results go to the original stdout; the learner's print() goes to stderr so the two never mix."""
    global RESULTS
    sys.stdout.flush()
    RESULTS = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr


def main(job_dir: str) -> None:
    import signal

    with open(os.path.join(job_dir, "job.json"), encoding="utf-8") as handle:
        job = json.load(handle)
    arrays = dict(np.load(os.path.join(job_dir, "inputs.npz"), allow_pickle=False))
    sys.path.append(job["source_root"])
    import normquiz.core as core  # the timing baseline, imported before the limits

    limits = job["limits"]
    set_limits(limits)
    signal.signal(signal.SIGALRM, on_alarm)
    path = os.path.join(job_dir, "solution.py")
    function = load_solution(path, job["function"])
    if function is None:
        return
    emit(event="loaded")
    call_seconds = limits["call_seconds"]
    for call in job["calls"]:
        args = arguments(call["args"], arrays)
        try:
            result = guarded(call_seconds, lambda: function(*args))
        except BaseException as error:  # noqa: BLE001
            emit(event="call", id=call["id"], error=describe_error(error, path, call_seconds))
            continue
        single, values = encode_result(result)
        originals = arguments(call["args"], arrays)
        modified = [index for index, (before, after) in enumerate(zip(originals, args))
                    if isinstance(before, np.ndarray) and not np.array_equal(before, after, equal_nan=True)]
        emit(event="call", id=call["id"], single=single, values=values, modified=modified)
    scaling = job.get("scaling")
    if scaling:
        try:
            lines = [guarded(call_seconds, lambda: count_lines(function, arguments(specs, arrays), path))
                     for specs in scaling]
            emit(event="lines", small=lines[0], large=lines[1])
        except BaseException:  # noqa: BLE001 (judged from the checks above)
            emit(event="lines", small=None, large=None)
        else:
            if lines[1] > lines[0] + job["loop_lines"]:
                return  # a loop already: no need to time it on the large input
    timing = job.get("timing")
    if timing:
        args = arguments(timing["args"], arrays)
        try:
            learner = guarded(limits["timing_seconds"], lambda: timed(function, args))
        except StopRun:
            emit(event="timing", learner=None, core=None, timed_out=True)
            return
        except BaseException:  # noqa: BLE001
            emit(event="timing", learner=None, core=None, timed_out=False)
            return
        baseline = getattr(core, timing["core_function"])
        kwargs = {name: arguments([spec], arrays)[0] for name, spec in timing["core_kwargs"].items()}
        seconds = timed(baseline, arguments(timing["core_args"], arrays), kwargs)
        emit(event="timing", learner=learner, core=seconds, timed_out=False)


if __name__ == "__main__":
    keep_stdout_for_results()
    try:
        main(sys.argv[1])
    finally:
        emit(event="done")
