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


class _Spawned:
    """A process on a pseudo-terminal of its own: its pid, the terminal's other end, when it started,
    and (once it is gone) its exit status and CPU seconds."""

    def __init__(self, command: Sequence[str], size: tuple[int, int], env: Mapping[str, str] | None) -> None:
        self.command = list(command)
        self.size = size
        self.env = dict(env or os.environ)
        self.status = 0
        self.cpu = 0.0

    def __enter__(self) -> _Spawned:
        self.master, slave = os.openpty()
        columns, lines = self.size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.started = time.perf_counter()
        self.pid = subprocess.Popen(self.command, stdin=slave, stdout=slave, stderr=slave, env=self.env,
                                    start_new_session=True, close_fds=True).pid
        os.close(slave)
        return self

    def read(self, timeout: float) -> bytes | None:
        """What the process wrote next (b"" once it is gone), or None if nothing came in ``timeout`` s."""
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return None
        try:
            return os.read(self.master, 1 << 16)
        except OSError:  # the other end closed: the process is gone
            return b""

    def __exit__(self, *exc_info: object) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)  # the whole session: nothing outlives a measurement
        except ProcessLookupError:
            pass
        _, status, usage = os.wait4(self.pid, 0)
        self.status = os.waitstatus_to_exitcode(status)
        self.cpu = usage.ru_utime + usage.ru_stime
        os.close(self.master)


def run_on_terminal(command: Sequence[str], *, size: tuple[int, int] = (100, 30),
                    env: Mapping[str, str] | None = None, timeout: float = 600.0) -> int:
    """Run ``command`` on a terminal of its own until it exits; its exit status."""
    with _Spawned(command, size, env) as spawned:
        deadline = spawned.started + timeout
        while (chunk := spawned.read(1.0)) != b"":
            if chunk is None and time.perf_counter() > deadline:
                raise RuntimeError(f"{command[0]} ran past {timeout:.0f} s")
    return spawned.status


def time_on_terminal(command: Sequence[str], patterns: Sequence[str], *, size: tuple[int, int] = (100, 30),
                     env: Mapping[str, str] | None = None, timeout: float = 60.0) -> Timing:
    """When each regex of ``patterns`` (in order) is on the terminal of ``command``, and its CPU time.

    The process is killed as soon as the last pattern is seen, so its CPU time
    is (within a millisecond or two) what it spent to get there: a figure far
    steadier than wall time on a shared machine. Raises RuntimeError with the
    visible output when the process exits or times out first.
    """
    compiled = [re.compile(pattern) for pattern in patterns]
    output = bytearray()
    seen: list[float] = []
    with _Spawned(command, size, env) as spawned:
        deadline = spawned.started + timeout
        while len(seen) < len(compiled):
            chunk = spawned.read(deadline - time.perf_counter())
            arrived = time.perf_counter()
            if not chunk:
                what = "timed out" if chunk is None else f"{command[0]} exited"
                raise RuntimeError(f"{what}; the terminal showed: {visible_text(bytes(output))[-500:]!r}")
            output += chunk
            text = visible_text(bytes(output))
            while len(seen) < len(compiled) and compiled[len(seen)].search(text):
                seen.append(arrived - spawned.started)
    return Timing(seen, spawned.cpu)
