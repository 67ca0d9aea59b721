"""Run a command in a pseudo-terminal, as a user's terminal would, and time what appears on it.

Shared by the start-up benchmarks. The command gets a terminal of the given
size (its own session, so that it can be killed whole); the output is read as
it arrives, stripped of escape sequences, and searched for each of a list of
patterns in turn. The time of a pattern is when the bytes that complete it
arrive: Textual writes a frame in one write, so that is when the frame that
shows it is on the terminal.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from typing import NamedTuple

# CSI and OSC sequences, then any other two-byte escape.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")


def visible_text(output: bytes) -> str:
    """What ``output`` writes, without its escape sequences (lines run together)."""
    return _ESCAPES.sub(b"", output).decode("utf-8", "replace")


class Timing(NamedTuple):
    seen: list[float]  # seconds from spawning to each pattern on the terminal
    cpu: float  # the process's CPU seconds (user and system, all threads) until it was killed


def compile_normquiz() -> None:
    """Byte-compile the normquiz package, as ``pip install`` does, so that no timed start pays for
    compiling its modules (which every start does where PYTHONDONTWRITEBYTECODE is set)."""
    import compileall

    import normquiz

    compileall.compile_dir(os.path.dirname(normquiz.__file__), quiet=1)


def run_on_terminal(command: Sequence[str], *, size: tuple[int, int] = (100, 30),
                    env: Mapping[str, str] | None = None, timeout: float = 600.0) -> int:
    """Run ``command`` on a terminal of its own until it exits; its exit status."""
    master, slave = os.openpty()
    columns, lines = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    process = subprocess.Popen(list(command), stdin=slave, stdout=slave, stderr=slave, env=dict(env or os.environ),
                               start_new_session=True, close_fds=True)
    os.close(slave)
    deadline = time.perf_counter() + timeout
    try:
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if ready:
                try:
                    if not os.read(master, 1 << 16):
                        break
                except OSError:  # the other end closed: the process is gone
                    break
        else:
            raise RuntimeError(f"{command[0]} ran past {timeout:.0f} s")
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        code = process.wait()
        os.close(master)
    return code


def time_on_terminal(command: Sequence[str], patterns: Sequence[str], *, size: tuple[int, int] = (100, 30),
                     env: Mapping[str, str] | None = None, timeout: float = 60.0) -> Timing:
    """When each regex of ``patterns`` (in order) is on the terminal of ``command``, and its CPU time.

    The process is killed as soon as the last pattern is seen, so its CPU time
    is (within a millisecond or two) what it spent to get there: a figure far
    steadier than wall time on a shared machine. Raises RuntimeError with the
    visible output when the process exits or times out first.
    """
    master, slave = os.openpty()
    columns, lines = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    compiled = [re.compile(pattern) for pattern in patterns]
    started = time.perf_counter()
    process = subprocess.Popen(list(command), stdin=slave, stdout=slave, stderr=slave, env=dict(env or os.environ),
                               start_new_session=True, close_fds=True)
    os.close(slave)
    output = bytearray()
    seen: list[float] = []
    try:
        deadline = started + timeout
        while len(seen) < len(compiled):
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.perf_counter()))
            if not ready:
                raise RuntimeError(f"timed out; the terminal showed: {visible_text(bytes(output))[-500:]!r}")
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # the other end closed: the process is gone
                chunk = b""
            arrived = time.perf_counter()
            if not chunk:
                raise RuntimeError(f"{command[0]} exited; the terminal showed: {visible_text(bytes(output))[-500:]!r}")
            output += chunk
            text = visible_text(bytes(output))
            while len(seen) < len(compiled) and compiled[len(seen)].search(text):
                seen.append(arrived - started)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        os.close(master)
    return Timing(seen, usage.ru_utime + usage.ru_stime)
