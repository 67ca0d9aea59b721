"""Running learner code for real: a separate process with limits, clear messages, the core as the judge."""

from __future__ import annotations

import base64
import os
import resource
import time

import pytest

from normquiz.bank import load_paths
from normquiz.paths import builtin_content_dir
from normquiz.study.exercise_run import (
    DISABLED_MESSAGE,
    DISABLED_VARIABLE,
    ExercisesDisabled,
    RunLimits,
    decode_value,
    run_exercise,
)

QUICK = RunLimits(wall_seconds=8.0, call_seconds=1.0, timing_seconds=1.0, memory_bytes=1 << 30)
HEADER = "import numpy as np\n\n\ndef batchnorm_forward(x, gamma, beta, eps=1e-5):\n"


def bn(body: str) -> str:
    return HEADER + "".join(f"    {line}\n" for line in body.strip("\n").splitlines())


def test_every_reference_solution_passes_in_a_real_child_process() -> None:
    questions = load_paths([builtin_content_dir() / "exercises.yaml"]).questions
    failures = {}
    for question in questions:
        report = run_exercise(question.exercise, question.reference, seed=11)
        if not report.passed:
            failures[question.id] = report.text()
        assert report.lines[-1].label.startswith("vectorized") and report.lines[-1].passed, report.text()
    assert failures == {}


def test_a_python_loop_is_caught_as_not_vectorized() -> None:
    loop = bn("out = np.empty_like(x)\nfor i in range(x.shape[1]):\n    c = x[:, i]\n"
              "    out[:, i] = gamma[i] * (c - c.mean()) / np.sqrt(c.var() + eps) + beta[i]\nreturn out")
    report = run_exercise("bn-forward", loop)
    assert all(line.passed for line in report.lines[:-1]), report.text()
    assert report.lines[-1].passed is False and "not vectorized" in report.lines[-1].detail
    assert not report.passed


def test_an_infinite_loop_is_stopped_within_the_limit() -> None:
    started = time.monotonic()
    report = run_exercise("bn-forward", bn("while True:\n    pass"), limits=QUICK)
    elapsed = time.monotonic() - started
    assert "stopped after 1 s: an infinite loop" in report.lines[0].detail
    assert elapsed < QUICK.wall_seconds  # every check was stopped by its own alarm, the run went on
    assert not report.passed


def test_a_loop_that_swallows_the_alarm_is_killed_at_the_wall_clock_limit() -> None:
    stubborn = bn("while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass")
    started = time.monotonic()
    report = run_exercise("bn-forward", stubborn, limits=RunLimits(wall_seconds=3.0, call_seconds=1.0))
    assert time.monotonic() - started < 3.0 + 5.0
    assert "stopped after 3 s" in report.text() and not report.passed


def test_a_syntax_error_names_its_line() -> None:
    report = run_exercise("bn-forward", HEADER + "    return (x - x.mean(0)\n")
    assert report.problem.startswith("Syntax error at line 5:") and not report.lines


def test_a_missing_function_says_what_the_file_defines() -> None:
    report = run_exercise("bn-forward", "def batch_norm(x):\n    return x\n")
    assert "no function named batchnorm_forward (found: batch_norm)" in report.problem


def test_a_crash_is_the_exception_and_the_line() -> None:
    report = run_exercise("bn-forward", bn("n = 0\nreturn x / n if False else 1 / n"))
    assert report.lines[0].detail == "ZeroDivisionError: division by zero (line 6)"


def test_an_error_at_import_is_reported() -> None:
    report = run_exercise("bn-forward", "import numpy_typo\n")
    assert report.problem == "Your file failed while loading: ModuleNotFoundError: No module named 'numpy_typo' (line 1)"


@pytest.mark.parametrize(("body", "expected"), [
    ("return 'out'", "out is a str"),
    ("return {'out': x}", "out is a dict"),
    ("return x, x", "returned a tuple of 2; return the array out itself"),
    ("class Sneaky:\n    def __array__(self, *a, **k):\n        raise RuntimeError('no')\nreturn Sneaky()",
     "out is a Sneaky"),
    ("return x.mean(0)", "out has shape (5,), expected (8, 5)"),
])
def test_wrong_return_types_and_shapes_are_named(body: str, expected: str) -> None:
    report = run_exercise("bn-forward", bn(body))
    assert expected in report.lines[0].detail, report.text()


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_AS"), reason="no address-space limit on this OS")
def test_a_memory_blow_up_is_stopped_by_the_limit() -> None:
    greedy = bn("chunks = []\nwhile True:\n    chunks.append(np.empty(10 ** 8))  # 800 MB of address space each")
    report = run_exercise("bn-forward", greedy, limits=QUICK)
    assert "ran out of memory" in report.lines[0].detail, report.text()


def test_prints_are_kept_apart_from_the_results() -> None:
    report = run_exercise("bn-forward", bn("print('{\"event\": \"done\"}')\nreturn x"))
    assert '{"event": "done"}' in report.output
    assert len(report.lines) == 5 and report.lines[0].passed is False


def test_running_is_refused_when_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DISABLED_VARIABLE, "disabled")
    with pytest.raises(ExercisesDisabled, match="normquiz serve --allow-exercises"):
        run_exercise("bn-forward", bn("return x"))
    assert DISABLED_MESSAGE.startswith("Running code is turned off on this server")


def test_decoding_accepts_only_numeric_arrays_whose_bytes_fit() -> None:
    data = base64.b64encode(bytes(8 * 6)).decode()
    assert decode_value({"kind": "array", "dtype": "<f8", "shape": [2, 3], "data": data}).array.shape == (2, 3)
    for bad in ({"kind": "array", "dtype": "|O", "shape": [6], "data": data},
                {"kind": "array", "dtype": "<f8", "shape": [7], "data": data},
                {"kind": "array", "dtype": "<f8", "shape": [-6], "data": data},
                {"kind": "array", "dtype": "<f8", "shape": [6], "data": "not base64!"},
                "a string"):
        assert decode_value(bad).array is None


def test_processes_the_learner_starts_do_not_outlive_the_run(tmp_path) -> None:
    marker = tmp_path / "grandchild.pid"
    forks = bn(f"import os, time\nif not os.path.exists({str(marker)!r}):\n    pid = os.fork()\n"
               f"    if pid == 0:\n        open({str(marker)!r}, 'w').write(str(os.getpid()))\n"
               "        time.sleep(60)\n        os._exit(0)\nreturn x")
    started = time.monotonic()
    report = run_exercise("bn-forward", forks, limits=RunLimits(wall_seconds=20.0))
    assert time.monotonic() - started < 15  # not held up by the sleeping process's open pipes
    assert len(report.lines) == 5  # one result per check: the fork's copies stay silent
    for _ in range(50):
        if marker.exists() and marker.read_text():
            break
        time.sleep(0.1)
    pid = int(marker.read_text())
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the forked process {pid} is still running")
