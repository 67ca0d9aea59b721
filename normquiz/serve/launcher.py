"""One browser tab's app process, and the temporary progress store the server keeps for it.

The server, not the app, owns the temporary store: it is created before the
process starts and removed only once the process has ended, however it
ended (quit, crash, kill, the tab closing, the server stopping). The app
never sees its folder disappear, so it never creates it again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from textual_serve.app_service import AppService

from normquiz.serve.tab_stores import create_tab_store, record_app, remove_tab_store

log = logging.getLogger("normquiz.serve")

QUIT_GRACE_SECONDS = 3.0
"""How long an app may take to quit after being asked, before it is terminated."""
TERMINATE_GRACE_SECONDS = 2.0
"""How long it may take to end after SIGTERM, before it is killed."""
KILL_GRACE_SECONDS = 10.0
"""How long the system may take to end it after SIGKILL (it cannot refuse)."""
TAB_UMASK = 0o077
"""Whatever a tab's app creates is readable by this user only."""


def tab_argv(app_args: Sequence[str], data_dir: Path) -> list[str]:
    """The command of one tab: this interpreter running ``normquiz --data-dir DIR APP_ARGS``.

    ``--data-dir`` wins over a ``$NORMQUIZ_DATA_DIR`` the tab inherits from the server.
    """
    return [sys.executable, "-m", "normquiz", "--data-dir", str(data_dir), *app_args]


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


class AppErrors:
    """A tab app's stderr, kept here (its last 64 KB) rather than copied into the server's output.

    textual-serve prints whatever the app wrote to stderr once it has ended;
    it reads the stream through ``read``, which takes everything and then
    reports the end.
    """

    LIMIT = 64 * 1024

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self._stream = stream
        self.data = bytearray()

    async def read(self, size: int = -1) -> bytes:
        while chunk := await self._stream.read(size):
            self.data += chunk
            del self.data[:-self.LIMIT]
        return b""

    def text(self) -> str:
        return self.data.decode("utf-8", "replace").strip()


async def _exited_within(process: asyncio.subprocess.Process, seconds: float) -> bool:
    try:
        await asyncio.wait_for(process.wait(), seconds)
    except asyncio.TimeoutError:
        return False
    return True


class TabProcess(AppService):
    """The app process of one browser tab (a textual-serve ``AppService``).

    With ``shared_data_dir`` None the tab gets a new temporary progress store;
    otherwise every tab uses ``shared_data_dir``. ``environment`` is added to
    the app's environment (the server's, with textual-serve's). ``on_ended``
    is called with the tab once its app has ended and its store is removed.
    """

    def __init__(self, app_args: Sequence[str], shared_data_dir: Path | None, *,
                 environment: Mapping[str, str] | None = None,
                 on_ended: Callable[[TabProcess], None] | None = None, **service: Any) -> None:
        super().__init__("", **service)
        self.app_args = tuple(app_args)
        self.shared_data_dir = shared_data_dir
        self.environment = dict(environment or {})
        self.on_ended = on_ended
        self.temporary_store: Path | None = None
        self._starting: asyncio.Future[None] | None = None
        self._stopping: asyncio.Future[None] | None = None
        self._errors: AppErrors | None = None
        self._ended_by_server = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def start(self, width: int, height: int) -> None:
        """Start the app; once begun, a start runs to its end even if the caller is cancelled.

        Otherwise a tab closed while its process was being created would leave
        a process nobody knows about.
        """
        if self._starting is None:
            self._starting = asyncio.ensure_future(super().start(width, height))
        await asyncio.shield(self._starting)

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        data_dir = self.shared_data_dir
        if data_dir is None:
            data_dir = self.temporary_store = create_tab_store()
        environment = {**self._build_environment(width, height), **self.environment}
        # A session (and process group) of its own: Ctrl-C in the server's
        # terminal reaches the server only, which then ends the apps in order,
        # and ending the group also ends whatever the app started.
        self._process = process = await asyncio.create_subprocess_exec(
            *tab_argv(self.app_args, data_dir),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=environment,
            start_new_session=True,
            umask=TAB_UMASK,
            preexec_fn=_end_with(os.getpid()),
        )
        if self.temporary_store is not None:
            record_app(self.temporary_store, process.pid)
        assert process.stderr is not None
        self._errors = AppErrors(process.stderr)
        process.stderr = self._errors  # type: ignore[assignment]
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
        if self._starting is not None:
            await asyncio.gather(self._starting, return_exceptions=True)
        ended = False
        try:
            if self._process is not None and self._process.returncode is None:
                self._ended_by_server = True
                try:
                    await asyncio.wait_for(super().stop(), QUIT_GRACE_SECONDS)
                except (asyncio.TimeoutError, OSError):
                    pass
            ended = await self._end_process()
            if self._task is not None:  # the output reader, when the app did not quit on request
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)
                self._task = None
        finally:
            self._remove_store(ended)
            self._report_errors()
            if self.on_ended is not None:
                self.on_ended(self)

    async def _end_process(self) -> bool:
        """End the app if it is still running; whether it has ended."""
        process = self._process
        if process is None or await _exited_within(process, 0.5):
            return True
        for ending, signal_number, grace in (("terminate", signal.SIGTERM, TERMINATE_GRACE_SECONDS),
                                             ("kill", signal.SIGKILL, KILL_GRACE_SECONDS)):
            log.warning("the app of a tab (pid %s) did not quit: %s", process.pid, ending)
            self._signal_group(process, signal_number)
            if await _exited_within(process, grace):
                return True
        return process.returncode is not None

    def _report_errors(self) -> None:
        """What the app wrote to stderr: in full if it ended by itself (a crash), else one line."""
        text = self._errors.text() if self._errors is not None else ""
        if not text:
            return
        if self._ended_by_server:
            # Ending an app mid-start can make Textual complain; the tab was closing anyway.
            log.info("the app of a tab (pid %s), ended as its tab closed, wrote to stderr: %s",
                     self.pid, text.splitlines()[-1])
        else:
            log.warning("the app of a tab (pid %s) ended with this on stderr:\n%s", self.pid, text)

    @staticmethod
    def _signal_group(process: asyncio.subprocess.Process, signal_number: int) -> None:
        # The app leads its own process group (start_new_session): its pid is the group's id.
        try:
            os.killpg(process.pid, signal_number)
        except (ProcessLookupError, PermissionError):
            pass

    def _remove_store(self, app_ended: bool) -> None:
        store, self.temporary_store = self.temporary_store, None
        if store is None:
            return
        if not app_ended and self._process is not None and self._process.returncode is None:
            # Removing it under a running app would let the app make it again;
            # the owner file names the app, so the next server removes it.
            self._signal_group(self._process, signal.SIGKILL)
            log.warning("left the store of a tab (pid %s) in %s: its app had not ended yet",
                        self._process.pid, store)
            return
        remove_tab_store(store)
