"""The exercise screen: write the function, run the checks in a child process, hints, the reference.

The screen renders an ``ExerciseAttempt`` (study layer) and forwards keys:
saving the code, running it (a thread worker waiting on the limited child
process, stopped when the screen goes), recording the attempt, all happen there.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable, Sequence
from importlib.util import find_spec
from typing import TYPE_CHECKING

from textual import getters, on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown, Static, TextArea

from normquiz.study.exercise_attempt import ExerciseAttempt
from normquiz.study.exercise_run import (
    DISABLED_MESSAGE,
    ExerciseReport,
    ExercisesDisabled,
    RunHandle,
    exercises_allowed,
)

if TYPE_CHECKING:
    from normquiz.bank.model import CodeQuestion

#: Syntax highlighting in TextArea needs tree-sitter (``pip install "textual[syntax]"``); without it, plain text.
HIGHLIGHTING = find_spec("tree_sitter") is not None and find_spec("tree_sitter_python") is not None
SAVE_DELAY = 1.0
MARKS = {True: ("PASS", "bold $text-success"), False: ("FAIL", "bold $text-error"), None: ("SKIP", "$text-muted")}


class ExerciseScreen(Screen[None]):
    """One coding exercise at a time; ``n``/``p`` move through ``questions``."""

    CSS_PATH = "exercise.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-stacked"), (96, "-side-by-side")]
    BINDINGS = [
        Binding("ctrl+r", "run_checks", "Run checks", priority=True),
        Binding("escape", "leave", "Back"),
        Binding("r", "run_checks", "Run", show=False),
        Binding("h", "hint", "Hint"),
        Binding("g", "reference", "Reference"),
        Binding("e", "external_editor", "$EDITOR"),
        Binding("n", "move(1)", "Next"),
        Binding("p", "move(-1)", "Previous"),
        Binding("i", "edit", "Edit", show=False),
    ]

    code = getters.query_one("#code", TextArea)
    results = getters.query_one("#results", Static)

    def __init__(self, questions: Sequence[CodeQuestion], index: int,
                 make_attempt: Callable[[CodeQuestion], ExerciseAttempt]) -> None:
        super().__init__()
        self.questions = list(questions)
        self.index = index
        self.make_attempt = make_attempt
        self.attempt = make_attempt(self.questions[index])
        self.running = False
        self.report: ExerciseReport | None = None
        self._handle = RunHandle()
        self._unsaved: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="status")
        with Horizontal(id="main"):
            yield TextArea(id="code", language="python" if HIGHLIGHTING else None, show_line_numbers=True,
                           tab_behavior="indent", soft_wrap=False)
            with VerticalScroll(id="side"):
                yield Markdown(id="task")
                yield Static(id="hints")
                yield Static(id="results")
                yield Markdown(id="reference")
        yield Footer()

    def on_mount(self) -> None:
        self.code.cursor_blink = getattr(self.app, "cursor_blink", True)
        self._show_exercise()
        self.code.focus()

    def on_unmount(self) -> None:
        self._handle.stop()
        if self._unsaved is not None:  # the widgets are gone by now: the text was kept on each change
            self.attempt.save_code(self._unsaved)

    # -- showing ---------------------------------------------------------------------

    def _show_exercise(self) -> None:
        question = self.attempt.question
        status = Content.assemble(
            (f"Exercise {self.index + 1} of {len(self.questions)}", "bold"), " · ", question.id, " · ",
            (question.level, "$text-muted"), "   ", (question.signature, "$text-primary"))
        self.query_one("#status", Static).update(status)
        self.query_one("#task", Markdown).update(question.prompt)
        self.code.load_text(self.attempt.load_code())
        self.report = None
        self._show_hints()
        self._show_results()
        reference = self.query_one("#reference", Markdown)
        reference.update("")
        reference.display = False

    def _show_hints(self) -> None:
        hints = self.attempt.shown_hints()
        widget = self.query_one("#hints", Static)
        widget.update(Content("\n").join(Content.assemble((f"Hint {n}: ", "bold $text-warning"), hint)
                                         for n, hint in enumerate(hints, start=1)))
        widget.display = bool(hints)

    def _show_results(self, problem: str = "") -> None:
        lines: list[Content] = []
        if not exercises_allowed():
            lines.append(Content.styled(DISABLED_MESSAGE + ".", "bold $text-warning"))
        elif self.running:
            lines.append(Content.styled("Running the checks…", "$text-muted"))
        elif self.report is None and not problem:
            lines.append(Content.styled("ctrl+r runs the checks (your file is saved first).", "$text-muted"))
        if problem:
            lines.append(Content.styled(problem, "bold $text-error"))
        if self.report is not None and not self.running:
            lines.extend(self._report_lines(self.report))
        self.results.update(Content("\n").join(lines))

    def _report_lines(self, report: ExerciseReport) -> list[Content]:
        lines = []
        for line in report.lines:
            mark, style = MARKS[line.passed]
            lines.append(Content.assemble((mark, style), "  ", (line.label, "bold"),
                                          (": " + line.detail) if line.detail else ""))
        if report.problem:
            lines.append(Content.styled(report.problem, "bold $text-error"))
        if report.output:
            lines.append(Content.styled("Your code printed:\n" + report.output, "$text-muted"))
        if report.passed:
            recorded = " Recorded for your reviews." if self.attempt.recorded else ""
            lines.append(Content.styled(f"All checks pass.{recorded} g shows the reference solution.",
                                        "bold $text-success"))
        return lines

    def show_report(self, report: ExerciseReport) -> None:
        self.running = False
        self.report = report
        self._show_results()
        self.query_one("#side", VerticalScroll).scroll_to_widget(self.results, animate=False, top=True)

    # -- actions -----------------------------------------------------------------------

    def action_run_checks(self) -> None:
        if not exercises_allowed():
            self.notify(DISABLED_MESSAGE + ".", severity="warning")
            self._show_results()
            return
        self._handle.stop()  # a run still going is replaced
        self._handle = RunHandle()
        self.running = True
        self._show_results()
        self._run_worker(self.code.text, self._handle)

    @work(thread=True, exclusive=True, group="exercise-run")
    def _run_worker(self, text: str, handle: RunHandle) -> None:
        try:
            report = self.attempt.run(text, handle=handle)
        except ExercisesDisabled as error:
            report = ExerciseReport(self.attempt.question.exercise, problem=str(error))
        if not handle.stopped:
            self.app.call_from_thread(self.show_report, report)

    def action_hint(self) -> None:
        if self.attempt.next_hint() is None:
            self.notify("No more hints: g shows the reference solution.")
        self._show_hints()

    def action_reference(self) -> None:
        question = self.attempt.question
        solved = self.attempt.recorded is True
        self.attempt.give_up()
        note = "" if solved else "*Recorded as not solved this time: it comes back sooner in your reviews.*\n\n"
        reference = self.query_one("#reference", Markdown)
        reference.update(f"**Reference solution**\n\n```python\n{question.reference.rstrip()}\n```\n\n"
                       f"{note}**Why:** {question.explanation.strip()}")
        reference.display = True
        self.query_one("#side", VerticalScroll).scroll_to_widget(reference)

    def action_external_editor(self) -> None:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        path = self.attempt.code_path
        if not editor:
            self.notify("Set $VISUAL or $EDITOR to use your own editor (e.g. export EDITOR=vim).",
                        severity="warning")
            return
        if path is None or not self.attempt.save_code(self.code.text):
            self.notify(f"Your code cannot be saved to a file here: {self.attempt.save_problem or 'no data dir'}.",
                        severity="warning")
            return
        try:
            with self.app.suspend():
                subprocess.run([*shlex.split(editor), str(path)], check=False)
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to another program (a browser tab?): edit here.",
                        severity="warning")
            return
        except OSError as error:
            self.notify(f"Could not start {editor!r}: {error.strerror or error}.", severity="error")
            return
        self.code.load_text(self.attempt.load_code())

    def action_move(self, step: int) -> None:
        self.show_exercise_at((self.index + step) % len(self.questions))

    def show_exercise_at(self, index: int) -> None:
        """Switch to ``questions[index]``: the current code is saved, a run in progress stopped."""
        self._handle.stop()
        self.running = False
        self._save()
        self.index = index
        self.attempt = self.make_attempt(self.questions[index])
        self._show_exercise()

    def action_edit(self) -> None:
        self.code.focus()

    def action_leave(self) -> None:
        if self.code.has_focus:
            self.query_one("#side", VerticalScroll).focus()
        else:
            self.dismiss()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Plain letters belong to the editor while it has focus.
        if action in {"hint", "reference", "external_editor", "move", "edit"} and self.code.has_focus:
            return False
        return True

    @on(TextArea.Changed, "#code")
    def _code_changed(self) -> None:
        self._unsaved = self.code.text
        if hasattr(self, "_save_timer"):
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_DELAY, self._save)

    def _save(self) -> None:
        if self._unsaved is not None and self.attempt.save_code(self._unsaved):
            self._unsaved = None
