"""The worker lifecycle of the demos that compute for a while (training runs, timing sweeps).

A ``LiveDemoScreen`` runs its work in one thread worker at a time. Each start
bumps a generation counter and so does each stop, and a report from the worker
is applied only when its generation is still the current one: a stopped run's
last word, already on its way to the event loop, is dropped. Leaving the screen
stops the work (so nothing is drawn into a screen that is gone), and so does
covering it with another full screen (a quiz); a dialog over it (help) does not.

A worker has two ways to be seen. ``report`` posts one message per call: for
results that each must be drawn (a cost measurement's points). ``publish`` only
replaces the run's latest state in a slot, which the screen reads at a fixed
rate (``REFRESH_SECONDS``) and once more when the run ends: for a state that
supersedes the last (a training run's losses so far). Publishing costs the
worker one reference assignment and never wakes the event loop, so the loop's
work (and its share of the GIL) is a few redraws a second however fast the
worker goes, and states nobody would see are never drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.worker import Worker, get_current_worker

from normquiz.tui.demos.base import DemoScreen


class LiveDemoScreen(DemoScreen):
    """A demo screen with one background computation (see the module docstring).

    Subclasses implement ``work(generation, *args)``, which runs in a thread and
    calls ``self.report(generation, method, *values)`` to have ``method(*values)``
    run on the event loop, or ``self.publish(generation, state)`` for its latest state, which
    ``adopt_published(state)`` takes over on the event loop; and ``work_finished()`` for the
    end of a run.
    """

    WORKER_GROUP: ClassVar[str] = "live-demo"
    #: While a run goes, the latest published state is drawn this often: a few times a second
    #: is what a person can follow, and each redraw holds the GIL the worker needs.
    REFRESH_SECONDS: ClassVar[float] = 0.25

    def __init__(self, params: Mapping[str, Any] | None = None, *, autostart: bool = True) -> None:
        super().__init__(params)
        self.autostart = autostart
        self.running = False
        self.generation = 0  # which start of the work the worker's reports belong to
        self.left = False  # the screen is gone: nothing more is started or drawn
        # (generation, state) from ``publish``: the worker swaps the whole tuple, never mutates it.
        self._published: tuple[int, Any] | None = None
        self._adopted: tuple[int, Any] | None = None  # the published pair last taken over
        self._refresh_timer: Timer | None = None

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
        self._refresh_timer = self.set_interval(self.REFRESH_SECONDS, self._draw_published)
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
        self._stop_refreshing()

    def _stop_refreshing(self) -> None:
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = None

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

    def publish(self, generation: int, state: Any) -> None:
        """From the worker: ``state`` is now the run's latest (see the module docstring). Pass a
        value the worker no longer changes: the event loop reads it whenever it likes."""
        self._published = (generation, state)

    def _adopt_latest(self) -> bool:
        """Take over the latest published state of the current run, if there is a new one."""
        published = self._published
        if published is None or published is self._adopted or published[0] != self.generation or self.left:
            return False
        self._adopted = published
        self.adopt_published(published[1])
        return True

    def _draw_published(self) -> None:
        if self._adopt_latest():
            self.refresh_view()

    def adopt_published(self, state: Any) -> None:
        """On the event loop: make ``state`` from ``publish`` the screen's own (override; no
        drawing here, ``refresh_view`` follows)."""

    def _finished(self) -> None:
        # The run's last state, the end of the run and the redraw: one frame.
        self._stop_refreshing()
        self._adopt_latest()
        self.running = False
        self.work_finished()
        self.refresh_view()

    def work_finished(self) -> None:
        """On the event loop, when a run ended by itself (override to act on it)."""
