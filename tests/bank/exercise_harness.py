"""Grade a solution in the test process, through the same encoding, decoding and diagnosis as a real run.

The product always runs learner code in a child process (tests/study/test_exercise_run.py
covers that); here the many wrong versions are graded without starting one process each.
"""

from __future__ import annotations

import json

import numpy as np

from normquiz.bank.exercises.checks import build_checks
from normquiz.bank.exercises.catalogue import EXERCISES
from normquiz.bank.exercises.diagnosis import CheckLine, diagnose
from normquiz.study import exercise_child
from normquiz.study.exercise_run import _outcome


def define(name: str, body: str) -> str:
    """A module defining exercise ``name``'s function with ``body`` (indented by 4)."""
    spec = EXERCISES[name]
    head = spec.signature.split(" ->")[0]
    lines = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return f"import numpy as np\n\n\ndef {head}:\n{lines}\n"


def grade_in_process(name: str, source: str, seed: int = 0) -> list[CheckLine]:
    spec = EXERCISES[name]
    namespace: dict = {}
    exec(compile(source, "solution.py", "exec"), namespace)
    function = namespace[spec.function]
    lines, stable = [], True
    for check in build_checks(name, seed).checks:
        args = [arg.copy() if isinstance(arg, np.ndarray) else arg for arg in check.args]
        try:
            with np.errstate(all="ignore"):  # the learner's NaNs are diagnosed, not warned about
                single, values = exercise_child.encode_result(function(*args))
            event = {"single": single, "values": values,
                     "modified": [i for i, (a, b) in enumerate(zip(check.args, args))
                                  if isinstance(a, np.ndarray) and not np.array_equal(a, b, equal_nan=True)]}
        except Exception as error:  # noqa: BLE001
            event = {"error": exercise_child.describe_error(error, "solution.py", 0)}
        line = diagnose(spec, check, _outcome(json.loads(json.dumps(event))), stable_so_far=stable)
        stable = stable and (line.passed or bool(check.offset))
        lines.append(line)
    return lines
