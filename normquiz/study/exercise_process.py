"""Start the exercise child process, collect its JSON lines, stop it: the wall-clock side of a run.

The child (``exercise_child.py``) runs in its own session with ``python -I``,
stdin closed, a cleaned environment and its job folder as working directory.
Its results are read line by line until it says ``done``, the pipes close, or
the wall-clock limit passes; then the whole session is killed, so nothing the
learner's code started outlives the run.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHILD = Path(__file__).with_name("exercise_child.py")
MAX_STDERR_BYTES = 64 * 1024


@dataclass(frozen=True)
class ChildResult:
    events: list[dict[str, Any]]
    stderr: str
    stopped: bool  # the wall-clock limit was reached
    returncode: int | None


class RunHandle:
    """Lets another thread stop a run (the screen that started it went away)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self.stopped = False

    def started(self, process: subprocess.Popen) -> None:
        self._process = process
        if self.stopped:
            kill_session(process)

    def stop(self) -> None:
        """Kill the child process, if one is running; a run started afterwards is killed at once."""
        self.stopped = True
        if self._process is not None and self._process.poll() is None:
            kill_session(self._process)


def child_environment() -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    # One BLAS thread: the child may not start threads once its limits are set, and timings stay fair.
    environment.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return environment


def kill_session(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the child's whole session, whatever it started
    except (ProcessLookupError, PermissionError, AttributeError, OSError):
        process.kill()


def run_child(job_dir: Path, wall_seconds: float, handle: RunHandle | None = None) -> ChildResult:
    process = subprocess.Popen(
        [sys.executable, "-I", str(CHILD), str(job_dir)], cwd=job_dir, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_environment(), start_new_session=True)
    if handle is not None:
        handle.started(process)
    try:
        stdout, stderr, stopped = _collect(process, time.monotonic() + wall_seconds)
    finally:
        kill_session(process)
        process.wait()
    events = []
    for line in stdout.decode("utf-8", "replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return ChildResult(events, stderr.decode("utf-8", "replace"), stopped, process.returncode)


def _collect(process: subprocess.Popen, deadline: float) -> tuple[bytes, bytes, bool]:
    """Read both pipes until the child reports ``done``, they close, or ``deadline`` passes."""
    assert process.stdout is not None and process.stderr is not None
    chunks: dict[Any, bytearray] = {process.stdout: bytearray(), process.stderr: bytearray()}
    with selectors.DefaultSelector() as selector:
        for stream in chunks:
            os.set_blocking(stream.fileno(), False)
            selector.register(stream, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return bytes(chunks[process.stdout]), bytes(chunks[process.stderr]), True
            for key, _ in selector.select(timeout=min(remaining, 0.5)):
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fileobj)
                    continue
                buffer = chunks[key.fileobj]
                if key.fileobj is process.stderr and len(buffer) > MAX_STDERR_BYTES:
                    continue  # keep the start of a flood of prints; the rest is dropped
                buffer.extend(data)
            if b'"event": "done"' in chunks[process.stdout][-64:]:
                break  # a process the learner started may still hold the pipes open
    return bytes(chunks[process.stdout]), bytes(chunks[process.stderr]), False
