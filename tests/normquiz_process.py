"""Runs ``python -m normquiz`` in a subprocess, as a user's shell would, for the failure tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

TIMEOUT_SECONDS = 120  # a hang fails the test instead of the whole run


def run_normquiz(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None,
                 stdin: int | None = subprocess.DEVNULL, stdout: int | None = subprocess.PIPE,
                 data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``normquiz ARGS`` with this checkout on the path; ``env`` adds to the current environment."""
    environment = dict(os.environ)
    environment.pop("NORMQUIZ_CONTENT", None)
    if data_dir is not None:
        environment["NORMQUIZ_DATA_DIR"] = str(data_dir)
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "normquiz", *args], cwd=cwd, env=environment,
                          stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True,
                          timeout=TIMEOUT_SECONDS, errors="replace")


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    output = (result.stdout or "") + result.stderr
    assert "Traceback" not in output, output[-3000:]
