"""The worker lifecycle of the demos that compute for a while (training runs, timing sweeps).

A ``LiveDemoScreen`` runs its work in one thread worker at a time. Each start
bumps a generation counter and so does each stop, and a report from the worker
is applied only when its generation is still the current one: a stopped run's
last word, already on its way to the event loop, is dropped. Leaving the screen
stops the work (so nothing is drawn into a screen that is gone), and so does
covering it with another full screen (a quiz); a dialog over it (help) does not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from textual.message import Message
from textual.screen import ModalScreen
from textual.worker import Worker, get_current_worker

from normquiz.tui.demos.base import DemoScreen


class LiveDemoScreen(DemoScreen):
    """A demo screen with one background computation (see the module docstring).

    Subclasses implement ``work(generation, *args)``, which runs in a thread and
    calls ``self.report(generation, method, *values)`` to have ``method(*values)``
    run on the event loop, and ``work_finished()`` for the end of a run.
    """

    WORKER_GROUP: ClassVar[str] = "live-demo"

    def __init__(self, params: Mapping[str, Any] | None = None, *, autostart: bool = True) -> None:
        super().__init__(params)
        self.autostart = autostart
        self.running = False
        self.generation = 0  # which start of the work the worker's reports belong to
        self.left = False  # the screen is gone: nothing more is started or drawn

    def on_mount(self) -> None:
        # (Textual calls every class's on_mount: DemoScreen's draws the first view.)
        if self.autostart:
            self.start_work()

    # -- starting and stopping ------------------------------------------------------------

    def start_work(self, *args: Any) -> None:
        """Stop what runs, then run ``work`` again with ``args`` (a new generation)."""
        if self.left:
            return
        self._cancel()
        self.generation += 1
        self.running = True
        self.refresh_view()
        self.run_worker(self._work_thread(self.generation, args), thread=True, exclusive=True,
                        group=self.WORKER_GROUP, name=f"{self.DEMO_NAME} #{self.generation}")

    def stop_work(self) -> None:
        """Stop the work; a report it still sends is ignored."""
        self._cancel()
        self.generation += 1
        self.running = False
        if not self.left:
            self.refresh_view()

    def _cancel(self) -> None:
        self.workers.cancel_group(self, self.WORKER_GROUP)

    def on_unmount(self) -> None:
        self.left = True
        self.stop_work()

    def on_screen_suspend(self) -> None:
        # A dialog (help, the palette) leaves the run going; another screen (a quiz) stops it.
        if self.running and not isinstance(self.app.screen, ModalScreen):
            self.stop_work()

    # -- the worker's side ---------------------------------------------------------------

    def _work_thread(self, generation: int, args: tuple[Any, ...]) -> Callable[[], None]:
        def run() -> None:
            self.work(generation, *args)
            self.report(generation, self._finished)

        return run

    def work(self, generation: int, *args: Any) -> None:
        """The computation, in a worker thread (override); report with ``self.report``."""
        raise NotImplementedError

    def work_cancelled(self) -> bool:
        """In ``work``: whether to stop now (the screen stopped the run or was left)."""
        worker: Worker[Any] = get_current_worker()
        return worker.is_cancelled

    class Report(Message):
        """From the worker: run ``method(*values)`` on the event loop, if ``generation`` is current."""

        def __init__(self, generation: int, method: Callable[..., None], values: tuple[Any, ...]) -> None:
            super().__init__()
            self.generation = generation
            self.method = method
            self.values = values

    def report(self, generation: int, method: Callable[..., None], *values: Any) -> None:
        """From the worker: have ``method(*values)`` run on the event loop if ``generation`` is
        still current then. A message (posting is thread-safe): the worker does not wait for
        the event loop, so drawing never holds up the computation."""
        if not self.work_cancelled():
            self.post_message(self.Report(generation, method, values))

    def on_live_demo_screen_report(self, report: Report) -> None:
        report.stop()
        if report.generation == self.generation and not self.left:
            report.method(*report.values)

    def _finished(self) -> None:
        self.running = False
        self.work_finished()
        self.refresh_view()

    def work_finished(self) -> None:
        """On the event loop, when a run ended by itself (override to act on it)."""
