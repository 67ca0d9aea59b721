"""From what the learner's function returned to one line per check, naming the mistake when it is a known one.

The inputs here are plain data decoded by the caller (arrays of a numeric
dtype, or a description of anything else), never objects the learner's code
made: nothing the learner returns can run code in this process.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from normquiz.bank.exercises.cases import Check
from normquiz.bank.exercises.catalogue import ExerciseSpec

#: A loop shows as executed lines growing with the input: this many more on the larger input is a loop.
LOOP_LINES = 20
#: Slower than the core by more than this factor (and by more than ``SLOW_SECONDS``) is not vectorized.
SLOW_FACTOR = 40.0
SLOW_SECONDS = 0.05

UNSTABLE = ("accurate without an offset, but not on float32 data with a common offset of {offset:g}: "
            "E[x^2] - E[x]^2 cancels there; subtract the mean first and average the squared deviations")
UNSTABLE_EXACT = ("not exact on float32 data with a common offset of {offset:g}: even two-pass statistics "
                  "lose digits in float32 there; shift by a sample value first (d = x - x[0], exact in "
                  "float32), or accumulate in float64")
BROADCAST = ("a broadcasting error: a mean or variance lost its reduced axis (use keepdims=True), or gamma "
             "or beta is shaped for the wrong axis")


@dataclass(frozen=True)
class Returned:
    """One value the learner's function returned: an array, or what else it was (``kind`` and ``text``)."""

    array: np.ndarray | None
    kind: str = "array"
    text: str = ""


@dataclass(frozen=True)
class CallOutcome:
    """What one call did: ``values`` returned (None when it raised), the error, the arguments it modified."""

    values: tuple[Returned, ...] | None
    single: bool = True  # returned one value rather than a tuple or list
    error: str = ""  # "ZeroDivisionError: division by zero (line 4)"
    error_kind: str = ""  # "exception", "timeout", "memory"
    modified: tuple[int, ...] = ()


@dataclass(frozen=True)
class CheckLine:
    """One line of the report: what was tried, passed or not (None: not judged), and why."""

    label: str
    passed: bool | None
    detail: str = ""

    def text(self) -> str:
        mark = {True: "PASS", False: "FAIL", None: "SKIP"}[self.passed]
        return f"{mark}  {self.label}" + (f": {self.detail}" if self.detail else "")


def argument_names(spec: ExerciseSpec) -> list[str]:
    inside = spec.signature.split("(", 1)[1].rsplit(")", 1)[0]
    return [part.split("=")[0].strip() for part in inside.split(",")]


def diagnose(spec: ExerciseSpec, check: Check, outcome: CallOutcome, *, stable_so_far: bool) -> CheckLine:
    """The line for ``check``; ``stable_so_far``: every earlier check without an offset passed."""
    if outcome.values is None:
        return CheckLine(check.label, False, _error_text(outcome))
    problems = _shape_problems(spec, outcome)
    if not problems:
        problems = _value_problems(spec, check, outcome, stable_so_far)
    names = argument_names(spec)
    changed = [names[i] for i in outcome.modified if i in check.protected_args() and i < len(names)]
    if changed:
        problems.append(f"{' and '.join(changed)} modified in place: the caller's arrays must not change; "
                        "compute new arrays (or work on a copy)")
    return CheckLine(check.label, not problems, "; ".join(problems))


def _error_text(outcome: CallOutcome) -> str:
    if outcome.error_kind == "exception" and "could not be broadcast" in outcome.error:
        return f"{outcome.error}: {BROADCAST}"
    return outcome.error


def _shape_problems(spec: ExerciseSpec, outcome: CallOutcome) -> list[str]:
    expected_count = len(spec.outputs)
    values = outcome.values or ()
    if expected_count == 1 and not outcome.single:
        return [f"returned a tuple of {len(values)}; return the array {spec.outputs[0]} itself"]
    if expected_count > 1 and (outcome.single or len(values) != expected_count):
        got = "one value" if outcome.single else f"{len(values)} values"
        return [f"returned {got}; return the tuple ({', '.join(spec.outputs)})"]
    return [f"{name} is {value.text or 'a ' + value.kind}, not an array of numbers"
            for name, value in zip(spec.outputs, values) if value.array is None]


def _close(actual: np.ndarray, expected: np.ndarray, tolerance: tuple[float, float],
           compared: np.ndarray | None) -> bool:
    rtol, atol = tolerance
    actual64, expected64 = actual.astype(np.float64), np.asarray(expected, dtype=np.float64)
    if compared is not None:
        actual64, expected64 = actual64[compared], expected64[compared]
    scale = max(1.0, float(np.max(np.abs(expected64), initial=0.0))) if atol else 1.0
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(actual64 - expected64) <= atol * scale + rtol * np.abs(expected64)))


def _value_problems(spec: ExerciseSpec, check: Check, outcome: CallOutcome, stable_so_far: bool) -> list[str]:
    wrong: list[str] = []
    right: list[str] = []
    for index, (name, value, expected) in enumerate(zip(spec.outputs, outcome.values or (), check.expected)):
        actual = value.array
        assert actual is not None
        if actual.shape != np.shape(expected):
            wrong.append(f"{name} has shape {tuple(actual.shape)}, expected {tuple(np.shape(expected))} "
                         "(a sum or mean over the wrong axis, or a lost keepdims?)")
            continue
        compared = check.compared if index == 0 else None
        tolerance = check.tolerance_of(index)
        if _close(actual, expected, tolerance, compared):
            right.append(name)
            continue
        wrong.append(_value_sentence(spec, check, index, actual, tolerance, compared, stable_so_far))
    if wrong and right and len(spec.outputs) > 1:
        wrong.append(f"{' and '.join(right)} {'is' if len(right) == 1 else 'are'} right")
    return wrong


def _value_sentence(spec: ExerciseSpec, check: Check, index: int, actual: np.ndarray,
                    tolerance: tuple[float, float], compared: np.ndarray | None, stable_so_far: bool) -> str:
    name = spec.outputs[index]
    prefix = f"{name} is wrong: " if len(spec.outputs) > 1 else ""
    for mistake in check.mistakes:
        if mistake.output == index and mistake.values.shape == actual.shape and \
                _close(actual, mistake.values, tolerance, compared):
            return prefix + mistake.sentence
    if actual.shape == np.shape(check.args[0]) and _close(actual, check.args[0], tolerance, compared):
        return prefix + f"{name} is {argument_names(spec)[0]} itself, unchanged: nothing was computed"
    if check.offset and stable_so_far:
        template = UNSTABLE_EXACT if check.offset >= 1e6 else UNSTABLE
        return prefix + template.format(offset=check.offset)
    return prefix + _largest_error(name, actual, check, index, compared)


def _largest_error(name: str, actual: np.ndarray, check: Check, index: int, compared: np.ndarray | None) -> str:
    expected = np.asarray(check.expected[index], dtype=np.float64)
    error = np.abs(actual.astype(np.float64) - expected)
    error = np.where(np.isnan(error), np.inf, error)
    if compared is not None:
        error = np.where(np.broadcast_to(compared[..., None] if compared.ndim < error.ndim else compared,
                                         error.shape), error, 0.0)
    where = np.unravel_index(int(np.argmax(error)), error.shape) if error.size else ()
    got, want = float(actual[where]), float(expected[where])
    text = (f"{name} differs from the core's: at index {tuple(int(i) for i in where)} it is {got:.6g}, "
            f"expected {want:.6g}")
    if not np.isfinite(got):
        text += " (a NaN or inf: a negative variance under the square root, or a division by zero?)"
    numerical = check.numerical[index] if index < len(check.numerical) else None
    if numerical is not None:
        text += f"; central differences give {float(numerical[where]):.6g} there, as the core does"
    return text


def vectorization_line(small_label: str, large_label: str, small_lines: int | None,
                       large_lines: int | None, learner_seconds: float | None, core_seconds: float | None,
                       timing_label: str, *, correct: bool, timed_out: bool = False) -> CheckLine:
    """The "vectorized" line: executed lines must not grow with the input, nor time explode against the core."""
    label = f"vectorized ({timing_label})"
    if not correct:
        return CheckLine(label, None, "judged once the checks above pass")
    if small_lines is not None and large_lines is not None and large_lines > small_lines + LOOP_LINES:
        return CheckLine(label, False, f"not vectorized: your code ran {large_lines:,} Python lines on "
                                       f"{large_label} against {small_lines:,} on {small_label}, a loop over "
                                       "rows or elements; use whole-array NumPy operations")
    if timed_out:
        return CheckLine(label, False, "not vectorized: still running when stopped, far slower than the core")
    if learner_seconds is None or core_seconds is None:
        return CheckLine(label, None, "not timed")
    ratio = learner_seconds / max(core_seconds, 1e-9)
    timing = f"{learner_seconds * 1e3:.1f} ms, the core {core_seconds * 1e3:.1f} ms"
    if ratio > SLOW_FACTOR and learner_seconds > SLOW_SECONDS:
        return CheckLine(label, False, f"not vectorized: {timing} ({ratio:.0f} times slower)")
    return CheckLine(label, True, timing)
