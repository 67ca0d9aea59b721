"""One browser tab's app process, and the temporary progress store the server keeps for it.

The server, not the app, owns the temporary store: it is created before the
process starts and removed after the process has ended, however it ended
(quit, crash, kill, the tab closing, the server stopping).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from textual_serve.app_service import AppService

log = logging.getLogger("normquiz.serve")

TEMPORARY_STORE_PREFIX = "normquiz-tab-"
QUIT_GRACE_SECONDS = 3.0
"""How long an app may take to quit after being asked, before it is terminated."""
TERMINATE_GRACE_SECONDS = 2.0
"""How long it may take to end after SIGTERM, before it is killed."""


def tab_command(app_args: Sequence[str], data_dir: Path) -> str:
    """The shell command of one tab: this interpreter running ``normquiz``, quoted for the shell.

    ``--data-dir`` wins over a ``$NORMQUIZ_DATA_DIR`` the tab inherits from the
    server. textual-serve starts the command with ``create_subprocess_shell``;
    ``exec`` makes the app the shell's own process, so that ending the process
    ends the app.
    """
    argv = [sys.executable, "-m", "normquiz", "--data-dir", str(data_dir), *app_args]
    if os.name == "nt":  # pragma: no cover - cmd.exe quoting, no exec
        return subprocess.list2cmdline(argv)
    return "exec " + shlex.join(argv)


def _load_prctl() -> Callable[..., int] | None:
    """libc's ``prctl`` on Linux; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - no usable libc
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _end_with(server_pid: int) -> Callable[[], None] | None:
    """What the app process runs before exec (Linux): SIGTERM when the server dies, even by SIGKILL.

    Without it an app whose server was killed would wait for input forever.
    """
    def set_parent_death_signal() -> None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
        if os.getppid() != server_pid:  # the server died before the line above
            os.kill(os.getpid(), signal.SIGTERM)

    return set_parent_death_signal if _PRCTL is not None else None


async def _exited_within(process: asyncio.subprocess.Process, seconds: float) -> bool:
    try:
        await asyncio.wait_for(process.wait(), seconds)
    except asyncio.TimeoutError:
        return False
    return True


class TabProcess(AppService):
    """The app process of one browser tab (a textual-serve ``AppService``).

    With ``shared_data_dir`` None the tab gets a new temporary progress store;
    otherwise every tab uses ``shared_data_dir``.
    """

    def __init__(self, app_args: Sequence[str], shared_data_dir: Path | None, **service: Any) -> None:
        super().__init__("", **service)
        self.app_args = tuple(app_args)
        self.shared_data_dir = shared_data_dir
        self._temporary_store: Path | None = None
        self._stopping: asyncio.Future[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        data_dir = self.shared_data_dir
        if data_dir is None:
            data_dir = self._temporary_store = Path(tempfile.mkdtemp(prefix=TEMPORARY_STORE_PREFIX))
        self.command = tab_command(self.app_args, data_dir)
        # A session of its own: Ctrl-C in the server's terminal reaches the
        # server only, which then ends the apps in order.
        self._process = process = await asyncio.create_subprocess_shell(
            self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width, height),
            start_new_session=True,
            preexec_fn=_end_with(os.getpid()),
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def run(self) -> None:
        await super().run()
        # The app's output has ended (it quit, crashed or was killed): close
        # the tab's websocket so that the server stops this service and the
        # browser shows "Session ended".
        try:
            await self.remote_close()
        except Exception:  # the websocket may be gone already
            pass

    async def stop(self) -> None:
        """End the app (ask, then terminate, then kill) and remove its temporary store.

        Safe to call more than once and from several tasks; a cancelled caller
        does not interrupt the clean-up.
        """
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop_once())
        await asyncio.shield(self._stopping)

    async def _stop_once(self) -> None:
        try:
            if self._process is not None and self._process.returncode is None:
                try:
                    await asyncio.wait_for(super().stop(), QUIT_GRACE_SECONDS)
                except (asyncio.TimeoutError, OSError):
                    pass
            await self._end_process()
            if self._task is not None:  # the output reader, when the app did not quit on request
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)
                self._task = None
        finally:
            self._remove_temporary_store()

    async def _end_process(self) -> None:
        process = self._process
        if process is None or await _exited_within(process, 0.5):
            return
        for ending, grace in (("terminate", TERMINATE_GRACE_SECONDS), ("kill", QUIT_GRACE_SECONDS)):
            log.warning("the app of a tab (pid %s) did not quit: %s", process.pid, ending)
            try:
                getattr(process, ending)()
            except ProcessLookupError:
                return
            if await _exited_within(process, grace):
                return

    def _remove_temporary_store(self) -> None:
        if self._temporary_store is not None:
            shutil.rmtree(self._temporary_store, ignore_errors=True)
            self._temporary_store = None
