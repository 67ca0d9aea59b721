"""The normquiz Textual app: opens on the home screen, loads the bank after the first frame.

Heavy things (the question bank with pydantic, NumPy, the progress store,
Markdown rendering, plots) are imported when first needed, so the first frame
comes about as fast as a bare Textual app's.
"""

from __future__ import annotations

import asyncio
import gc
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from normquiz.tui.commands import DemoCommands, ExerciseCommands, QuestionCommands, QuizCommands
from normquiz.tui.messages import (
    BankLoaded,
    DemoRequested,
    ExerciseRequested,
    FiguresChanged,
    HelpRequested,
    QuizFinished,
    QuizRequested,
    ResumeRequested,
    StatsRequested,
    SummaryRequested,
)
from normquiz.tui.screens.home import HomeScreen
from normquiz.study.request import QuizRequest
from normquiz.tui.themes import RememberedThemeApp

if TYPE_CHECKING:
    from normquiz.bank import LoadResult
    from normquiz.bank.summary import BankSummary
    from normquiz.progress import ProgressStats, ProgressStore
    from normquiz.study.quiz_run import QuizRun
    from normquiz.study.resume import Resumable

T = TypeVar("T")


# NamedTuples, not frozen dataclasses: they are made before the first frame, at a tenth of the cost.
class StartDemo(NamedTuple):
    """Open the app straight into a demo (``normquiz demo NAME``)."""

    name: str
    params: Mapping[str, Any] | None = None


class StartExercise(NamedTuple):
    """Open the app straight into a coding exercise (``normquiz exercise [ID]``); None: the first."""

    question_id: str | None = None


async def _in_daemon_thread(function: Callable[[], T]) -> T:
    """``function()`` in a daemon thread, which the process does not wait for when it exits."""
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[T] = loop.create_future()

    def deliver(result: Callable[[], None]) -> None:
        if not outcome.done():  # cancelled when the worker was (a reload, quitting)
            result()

    def run() -> None:
        try:
            value = function()
        except BaseException as error:  # noqa: BLE001 - handed to the awaiting worker
            report = partial(deliver, partial(outcome.set_exception, error))
        else:
            report = partial(deliver, partial(outcome.set_result, value))
        try:
            loop.call_soon_threadsafe(report)
        except RuntimeError:  # the app has quit and its loop is closed
            pass

    threading.Thread(target=run, name="normquiz-read-bank", daemon=True).start()
    return await outcome


class NormquizApp(RememberedThemeApp):
    """Quizzes and demos on normalization in deep learning."""

    TITLE = "normquiz"
    SUB_TITLE = "batch norm, layer norm and relatives"
    # The home screen's styles with the app's: it is the default screen, whose CSS_PATH
    # Textual does not read, and it saves a restyle before the first frame.
    CSS_PATH = [Path(__file__).parent / "app.tcss", Path(__file__).parent / "screens" / "home.tcss"]
    COMMANDS = App.COMMANDS | {QuizCommands, QuestionCommands, ExerciseCommands, DemoCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (72, "-wide")]
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("r", "reload", "Reload files", show=False),
    ]

    cursor_blink: bool = True
    """Blinking text cursors; tests turn it off so that snapshots are stable."""

    def __init__(
        self,
        *,
        content_dirs: Sequence[Path] = (),
        data_dir: Path | None = None,
        start: QuizRequest | StartDemo | StartExercise | None = None,
        store: ProgressStore | None = None,
        clock: Callable[[], float] = time.monotonic,
        include_builtin: bool = True,
    ) -> None:
        super().__init__()
        self.content_dirs = tuple(Path(folder) for folder in content_dirs)
        self.data_dir = data_dir
        self.start = start
        self.store: ProgressStore | None = store
        if store is not None:
            store.add_saving_listener(self._saving_changed)
        self.clock = clock
        self.include_builtin = include_builtin
        self.bank: LoadResult | None = None
        self.bank_summary: BankSummary | None = None
        self.last_run: QuizRun | None = None  # the last quiz that reached its summary
        self.resumable: Resumable | None = None  # an earlier run's unfinished quiz
        self._seeds = random.Random()
        # What the learner asked for before the questions were read: done once they are.
        self._pending: Callable[[], None] | None = None
        self._started = time.perf_counter()
        # Before the first styling (a change later restyles everything): the theme chosen last time.
        self.start_in_saved_theme(data_dir if data_dir is not None else (
            store.path.parent if store is not None and store.path is not None else None))

    # -- start-up ----------------------------------------------------------------

    def on_mount(self) -> None:
        self.call_after_refresh(self.after_first_frame)

    def get_default_screen(self) -> Screen[Any]:
        from normquiz.bank.summary import read_summary
        from normquiz.paths import bank_paths

        # A few milliseconds and no pydantic: the counts are in the first frame on a second start.
        self.bank_summary = read_summary(bank_paths(self.content_dirs, include_builtin=self.include_builtin))
        # The breakpoint class from the start, so the first resize does not restyle the screen;
        # given to the constructor, since add_class would style the whole app there and then.
        width = self.size.width
        return HomeScreen(classes=next(name for limit, name in reversed(self.HORIZONTAL_BREAKPOINTS)
                                       if width >= limit))

    def after_first_frame(self) -> None:
        """The home screen is on screen: now open the store and read the bank while the learner
        looks at it."""
        self.log.system(f"normquiz: first frame {1000 * (time.perf_counter() - self._started):.0f} ms "
                        "after the app was created")
        self.load_bank()

    def _tell_screens(self, message: Callable[[], Message]) -> None:
        """A new ``message()`` to every screen on the stack."""
        for screen in self.screen_stack:
            screen.post_message(message())

    @work(exclusive=True, group="bank")
    async def load_bank(self, reloaded: bool = False) -> None:
        """Open the progress store the first time (the home screen's mastery figures need only it
        and the summary), then read the question files.

        In daemon threads, not thread workers: quitting must not wait for the
        files to be read (the process waits for thread workers to end).
        """
        if self.store is None:
            self._store_opened(await _in_daemon_thread(self._open_store))
        result = await _in_daemon_thread(self._read_bank)
        self._bank_loaded(result, reloaded)

    def _open_store(self) -> ProgressStore:
        from normquiz.progress import ProgressStore

        return ProgressStore.open(self.data_dir)  # --data-dir, $NORMQUIZ_DATA_DIR or the default

    def _store_opened(self, store: ProgressStore) -> None:
        self.store = store
        store.add_saving_listener(self._saving_changed)
        self._tell_screens(FiguresChanged)

    def _read_bank(self) -> LoadResult:
        from normquiz.bank import load_bank

        return load_bank(self.content_dirs, include_builtin=self.include_builtin)

    def _bank_loaded(self, result: LoadResult, reloaded: bool) -> None:
        from normquiz.bank.summary import BankSummary

        self.bank = result
        self.bank_summary = BankSummary.of(result)
        if not reloaded:
            # What is alive now (modules, the bank, the home screen) stays for the whole run: out
            # of the cyclic collector's sight, its full collections scan only what came after.
            # Garbage first (frozen, it would never be collected): about 25 ms, once.
            gc.collect()
            gc.freeze()
        if not reloaded and self.store is not None:
            from normquiz.study.resume import resumable

            self.resumable = resumable(self.store, result.questions)
        self._tell_screens(partial(BankLoaded, result, reloaded=reloaded))
        if reloaded:
            problems = len(result.problems)
            message = f"Reloaded {len(result.questions)} questions from {len(result.files)} files"
            if problems:
                shown = "\n".join(str(problem) for problem in result.problems[:3])
                self.notify(f"{message}; {problems} problem{'s' * (problems != 1)}:\n{shown}",
                            severity="warning", timeout=8)
            else:
                self.notify(message + ".", timeout=3)
        start, self.start = self.start, None
        if isinstance(start, QuizRequest):
            self.start_quiz(start)
        elif isinstance(start, StartDemo):
            self.open_demo(start.name, start.params)
        elif isinstance(start, StartExercise):
            self.open_exercise(start.question_id)
        pending, self._pending = self._pending, None
        if pending is not None and start is None:
            pending()

    def _saving_changed(self, sentence: str) -> None:
        """The store's news (saving stopped, waiting for a lock), from any thread: shown on any screen."""
        try:
            self.call_from_thread(self.notify, sentence, severity="warning", timeout=12)
        except RuntimeError:  # already on the app's thread
            self.notify(sentence, severity="warning", timeout=12)

    def action_reload(self) -> None:
        """Read the question files again; the quiz in progress keeps its place."""
        self.load_bank(reloaded=True)

    def action_unsuspend_all(self) -> None:
        self.unsuspend_all()

    def unsuspend_all(self) -> None:
        """Bring every suspended question back into sessions (the home screen's count updates)."""
        if self.store is None:
            return
        count = self.store.unsuspend_all()
        self.notify(f"{count} question{'s' * (count != 1)} unsuspended: sessions ask "
                    f"{'them' if count != 1 else 'it'} again." if count else "No question is suspended.")
        if isinstance(self.screen, HomeScreen):
            self.screen.show_figures()

    # -- what screens ask for (messages bubble up to the app) --------------------------

    def on_quiz_requested(self, message: QuizRequested) -> None:
        self.start_quiz(message.request)

    def on_demo_requested(self, message: DemoRequested) -> None:
        self.open_demo(message.name, message.params)

    def on_stats_requested(self, message: StatsRequested) -> None:
        self.open_stats()

    def on_help_requested(self, message: HelpRequested) -> None:
        self.action_help()

    def on_exercise_requested(self, message: ExerciseRequested) -> None:
        self.open_exercise(message.question_id)

    def on_quiz_finished(self, message: QuizFinished) -> None:
        """The quiz screen is done: its summary takes its place (dialogs over it close first)."""
        quiz_screen = message.screen
        if quiz_screen not in self.screen_stack:
            return
        while self.screen is not quiz_screen:
            self.pop_screen()
        self.last_run = message.run
        self.switch_screen(self._summary_screen(message.run))

    def on_resume_requested(self, message: ResumeRequested) -> None:
        """Ask the rest of the unfinished quiz; the old session is closed (its answers stay)."""
        resume, self.resumable = self.resumable, None
        if resume is None or self.store is None:
            return
        self.store.end_session(resume.session_id)
        self.start_quiz(resume.request)

    def on_summary_requested(self, message: SummaryRequested) -> None:
        self.open_last_summary()

    def open_last_summary(self) -> None:
        """Show the last quiz's summary again (home and the command palette offer it)."""
        if self.last_run is None:
            self.notify("No quiz has finished yet in this session.")
            return
        self.push_screen(self._summary_screen(self.last_run))

    @staticmethod
    def _summary_screen(run: QuizRun) -> Screen[Any]:
        from normquiz.tui.screens.summary import SummaryScreen

        return SummaryScreen(run)

    # -- what the command palette and the start-up call ------------------------------

    def start_quiz(self, request: QuizRequest | None = None) -> None:
        """Start the quiz ``request`` asks for (by default: practice of every level)."""
        from normquiz.study.quiz_run import QuizRun, build_session
        from normquiz.tui.screens.quiz import QuizScreen

        request = request or QuizRequest()
        if self.bank is None or self.store is None:
            self._pending = partial(self.start_quiz, request)
            self.notify("Reading the questions: the quiz starts in a moment.")
            return
        session_seed = request.seed if request.seed is not None else self._seeds.randrange(1 << 31)
        session = build_session(self.bank.questions, request, self.store, seed=session_seed,
                                started_at=self.clock())
        if not len(session):
            if request.mode == "review" and not request.cram:
                self.notify("Nothing is due for review. Cram instead: the weakest questions first.")
                self.start_quiz(replace(request, cram=True))
            else:
                self.notify(f"No questions match: {request.describe()}.", severity="warning")
            return
        run = QuizRun(session, request, self.store, self.clock)
        self.push_screen(QuizScreen(run))

    def open_demo(self, name: str, params: Mapping[str, Any] | None = None) -> None:
        """Open a demo screen; says so when the demos are not installed yet."""
        try:
            from normquiz.tui.demos import create_demo_screen
        except ImportError:
            self.notify("The demos are not available yet.", severity="warning")
            return
        try:
            screen = create_demo_screen(name, params)
        except KeyError:
            self.notify(f"There is no demo called {name!r}.", severity="error")
            return
        self.push_screen(screen)

    def code_questions(self) -> list[Any]:
        """The loaded coding exercises, in bank order."""
        from normquiz.bank.model import CodeQuestion

        return [question for question in self.bank.questions if isinstance(question, CodeQuestion)] if self.bank else []

    def open_exercise(self, question_id: str | None = None) -> None:
        """Open the exercise screen on ``question_id`` (or the first exercise)."""
        from normquiz.progress import resolve_data_dir
        from normquiz.study.exercise_attempt import ExerciseAttempt, exercise_dir
        from normquiz.tui.screens.exercise import ExerciseScreen

        if self.bank is None or self.store is None:
            self._pending = partial(self.open_exercise, question_id)
            self.notify("Reading the questions: the exercise opens in a moment.")
            return
        questions = self.code_questions()
        ids = [question.id for question in questions]
        if not questions or (question_id is not None and question_id not in ids):
            self.notify(f"There is no coding exercise {question_id!r}." if question_id else
                        "No coding exercises are loaded.", severity="warning")
            return
        index = ids.index(question_id) if question_id else 0
        if isinstance(self.screen, ExerciseScreen):  # from the palette, on the exercise screen already
            self.screen.show_exercise_at(index)
            return
        store_path = self.store.path
        data_dir = store_path.parent if store_path is not None else (
            resolve_data_dir(self.data_dir) if self.data_dir is not None else None)
        code_dir = exercise_dir(data_dir) if data_dir is not None else None
        store = self.store
        self.push_screen(ExerciseScreen(
            questions, index,
            lambda question: ExerciseAttempt(question, store, code_dir, clock=self.clock)))

    def action_help(self) -> None:
        from normquiz.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        key_help = getattr(self.screen, "key_help", None)  # a demo lists its own keys
        title = getattr(self.screen, "DEMO_NAME", "") or "this screen"
        self.push_screen(HelpScreen((f"the {title} demo", key_help()) if key_help else None))

    def progress_stats(self) -> ProgressStats:
        """``normquiz.progress.progress_stats`` over the bank's questions (reads every answer); before
        the bank is loaded, over its summary's (the same ids, levels and tags)."""
        from normquiz.progress import progress_stats

        assert self.store is not None and self.bank_summary is not None
        return progress_stats(self.store, self.bank_summary.catalog())

    def open_stats(self) -> None:
        from normquiz.tui.screens.stats import StatsScreen

        if self.store is None or self.bank is None:
            self._pending = self.open_stats
            self.notify("Reading your progress: the stats open in a moment.")
            return
        self.push_screen(StatsScreen())
