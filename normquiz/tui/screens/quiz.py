"""The quiz screen: one question at a time, an answer widget per type, hints, the verdict.

The screen renders the ``QuizRun`` (bank session + store) and forwards key
presses; what is correct, what comes next and what is saved is decided there.
"""

from __future__ import annotations

import gc
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Markdown, Static, TextArea

from normquiz.bank import AnswerVerdict, InvalidResponse
from normquiz.bank import model as m
from normquiz.bank.answer_text import answer_precision
from normquiz.study.quiz_run import QuizRun
from normquiz.tui.commands import CurrentQuestionCommands
from normquiz.tui.formatting import format_seconds
from normquiz.tui.messages import BankLoaded, DemoRequested, QuizFinished
from normquiz.tui.protocol import quiz_host
from normquiz.tui.screens.quiz_choices import LearnerChoices
from normquiz.tui.widgets.answers import AnswerSubmitted, KeyPointChecklist, WrittenAnswer
from normquiz.tui.widgets.footer import KeysFooter
from normquiz.tui.widgets.question_parts import HOW_TO_ANSWER, RATINGS, TYPE_NAMES, answer_widget, progress_bar
from normquiz.tui.widgets.releases import release_removed_widgets
from normquiz.tui.widgets.verdict import MarkdownText, verdict_markdown, verdict_title

TICK_SECONDS = 0.25


class QuizScreen(LearnerChoices, Screen[None]):
    """Asks the questions of one ``QuizRun``."""

    CSS_PATH = "quiz.tcss"
    COMMANDS = Screen.COMMANDS | {CurrentQuestionCommands}
    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit", show=False),
        Binding("h", "hint", "Hint"),
        Binding("s", "skip", "Skip"),
        Binding("n", "next", "Next"),
        Binding("d", "demo", "Demo"),
        Binding("f", "flag", "Flag"),
        Binding("u", "undo", "Undo"),
        # Anki's bury and suspend; the help screen and the palette list them (no footer room).
        Binding("b", "bury", "Bury", show=False),
        Binding("x", "toggle_suspend", "Suspend", show=False),
        # Self-grading after an open question: the verdict says so (the footer has no room).
        *[Binding(str(grade), f"rate({grade})", name, show=False) for grade, name in RATINGS.items()],
        # Escape means "back" on every screen: here, end the quiz (asking first while questions
        # are left). Tab leaves a text field, so that the letter keys work again.
        Binding("tab", "leave_field", "Keys h s f", show=True),
        Binding("escape", "leave", "End quiz"),
        Binding("q", "quit", "Quit", show=False),
    ]

    def __init__(self, run: QuizRun) -> None:
        super().__init__()
        self.run = run
        self.phase = "answering"  # then "assessing" (open questions), then "verdict"
        self.verdict: AnswerVerdict | None = None
        self.written_answer = ""
        self.zero_confirmed = False  # an open question scored with no key point ticked: asked once
        self.finished = False
        self._ticker: Any = None

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with VerticalScroll(id="body"):
            yield Static(id="meta")
            yield Markdown(id="prompt")
            yield Vertical(id="answer")
            yield Static(id="error")
            yield Static(id="hints")
            yield Vertical(id="assess")
            with Vertical(id="verdict"):
                yield Static(id="verdict-title")
                yield Static(id="rate")
                yield MarkdownText(id="verdict-body")
                with Horizontal(id="verdict-buttons"):
                    yield Button("Next (n)", id="next", variant="primary", compact=True)
                    yield Button("Demo (d)", id="demo", compact=True)
                    yield Button("Flag (f)", id="flag", compact=True)
        yield KeysFooter()

    async def on_mount(self) -> None:
        self.query_one("#body").can_focus = True
        if self.run.mode == "interview":
            self._ticker = self.set_interval(TICK_SECONDS, self.tick)
        await self.show_question()

    # -- showing a question ----------------------------------------------------------

    @property
    def question(self) -> m.QuestionBase:
        item = self.run.current
        assert item is not None
        return item.question

    async def show_question(self, *, restart_time: bool = True) -> None:
        item = self.run.current
        if item is None:
            self.finish()
            return
        question = item.question
        self.phase, self.verdict, self.written_answer = "answering", None, ""
        self.zero_confirmed = False
        if restart_time:
            self.run.begin_question()
        tags = ", ".join(question.tags)
        self.query_one("#meta", Static).update(Content.assemble(
            (question.level, "bold $text-primary"), f" · {TYPE_NAMES[question.type]} · ", (tags, "$text-muted")))
        self.query_one("#prompt", Markdown).update(self.run.prompt(item))
        for area in ("#answer", "#assess"):
            await self.query_one(area).remove_children()
        release_removed_widgets(self)  # or the last question's widgets stay alive (see releases)
        self.query_one("#verdict").display = False
        self._set_text("#error", None)
        self._set_text("#hints", None)
        self._set_text("#rate", None)
        widget = answer_widget(question, item.display_order)
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = quiz_host(self).cursor_blink
        help_line = HOW_TO_ANSWER[question.type]
        precision = answer_precision(question, self.run.session.instance(item))
        if precision:  # stated before the answer, so a rounded number is not a surprise fail
            help_line = f"{help_line}\n{precision}"
        children: list[Widget] = [widget]
        if isinstance(question, m.NumericQuestion) and question.unit:
            children = [Horizontal(widget, Label(question.unit, id="unit"), id="typed-row")]
        if isinstance(question, m.OpenQuestion):
            children.append(Button("Show the model answer (ctrl+s)", id="submit-open", compact=True))
        await self.query_one("#answer").mount(Label(help_line, id="how"), *children)
        widget.focus()
        self.query_one("#body", VerticalScroll).scroll_home(animate=False)
        self.update_status()
        # The last question's widgets are cyclic garbage: collect them while the learner reads
        # this one, not in a full collection Python would start later, perhaps between the
        # answer key and the verdict (with a session's garbage, 100-200 ms by its end).
        self.call_after_refresh(gc.collect)

    def _set_text(self, selector: str, text: Content | str | None) -> None:
        widget = self.query_one(selector, Static)
        widget.update(text or "")
        widget.display = bool(text)

    def update_status(self) -> None:
        summary = self.run.session.summary()
        total, overall = len(self.run), summary.overall
        position = min(self.run.position + 1, total)
        parts: list[tuple[str, str] | str] = [(self.run.request.describe(), "bold"),
                                              f"   Question {position} of {total} ",
                                              *progress_bar(overall.done, total)]
        if self.run.session.shows_feedback:  # a skip is no wrong answer: it is not in the score
            parts.append(f"   Score {overall.correct}/{overall.asked}")
        else:
            parts.append(f"   Answered {overall.done}")
        left = self.run.time_left()
        if left is not None and self.phase == "answering":
            parts.append(("   ⏱ " + format_seconds(left), "bold $text-warning" if left > 10 else "bold $text-error"))
        self.query_one("#status", Static).update(Content.assemble(*parts))

    # -- bindings ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        typing = isinstance(self.focused, (Input, TextArea)) and not getattr(self.focused, "read_only", False)
        if action in ("leave", "quit"):
            return True
        if action == "leave_field":
            return typing
        if self.run.current is None:
            return False
        if typing and action in ("hint", "skip", "flag", "bury", "toggle_suspend"):
            return False  # the letter would be typed: tab first (the footer says so)
        if action == "submit":
            return self.phase in ("answering", "assessing")
        if action == "hint":
            return (self.phase == "answering" and self.run.session.hints_allowed
                    and self.run.session.hints_used() < len(self.question.hints))
        if action == "skip":
            return self.phase == "answering"
        if action == "next":
            return self.phase == "verdict"
        if action == "undo":
            return self.phase == "verdict" and self.run.can_undo()
        if action == "rate":
            return self.phase == "verdict" and self.self_graded() and self.run.can_undo()
        if action == "demo":
            return self.phase == "verdict" and self.question.demo is not None
        return True

    # -- answering ----------------------------------------------------------------------

    @on(AnswerSubmitted)
    async def _answer_submitted(self, event: AnswerSubmitted) -> None:
        event.stop()
        await self.action_submit()

    @on(Button.Pressed, "#submit-open")
    async def _open_submitted(self) -> None:
        await self.action_submit()

    @on(Button.Pressed, "#next")
    async def _next_pressed(self) -> None:
        await self.action_next()

    @on(Button.Pressed, "#demo")
    def _demo_pressed(self) -> None:
        self.action_demo()

    @on(Button.Pressed, "#flag")
    def _flag_pressed(self) -> None:
        self.action_flag()

    async def action_submit(self, *, timed_out: bool = False) -> None:
        if self.run.current is None:
            return
        if self.phase == "answering":
            await self._submit_answer(timed_out)
        elif self.phase == "assessing":
            ticked = self.query_one(KeyPointChecklist).response()
            if not ticked and not self.zero_confirmed and not timed_out:
                # Scoring 0% should be a choice made with the key points in view, never a stray enter.
                self.zero_confirmed = True
                self._set_text("#error", "No key point ticked: tick what your answer covered (space or a "
                                         "digit), or press enter again to score it 0%.")
                self.query_one(KeyPointChecklist).focus()
                self._scroll_into_view(self.query_one("#assess"))
                return
            await self._record(ticked, saved={"text": self.written_answer, "key_points": ticked})

    async def _submit_answer(self, timed_out: bool) -> None:
        """When the time runs out, what is there is submitted: an open question's text (even
        none) goes to its key points; nothing picked or typed is a skip."""
        widget = self.query_one("#answer-input")
        response = widget.response()  # type: ignore[attr-defined]
        if response is None and not timed_out:
            self._set_text("#error", widget.MISSING)  # type: ignore[attr-defined]
        elif isinstance(widget, WrittenAnswer):
            self.written_answer = widget.text
            await self._assess()
        elif response is None:
            await self._skip()
        else:
            await self._record(response, timed_out=timed_out)

    async def _record(self, response: Any, *, saved: Any = None, timed_out: bool = False) -> None:
        try:
            verdict = self.run.answer(response, saved_response=saved)
        except InvalidResponse as error:
            if timed_out:
                await self._skip()
                return
            self._set_text("#error", Content.assemble(("✘ ", "bold $text-error"), f"{error} — try again."))
            return
        if self.run.session.shows_feedback:
            await self._show_verdict(verdict)
        else:
            self.run.advance()
            await self.show_question()

    async def _assess(self) -> None:
        """Open questions: show the model answer (not in an interview) and the key points to tick."""
        item = self.run.current
        assert item is not None and isinstance(item.question, m.OpenQuestion)
        question = item.question
        self.phase = "assessing"
        self._set_text("#error", None)
        written = self.query_one("#answer-input", WrittenAnswer)
        written.read_only = True
        written.add_class("-done")
        self.query_one("#submit-open").display = False
        self.query_one("#how").display = False
        widgets: list[Widget] = []
        if self.run.session.shows_feedback:
            widgets.append(Markdown("**Model answer**\n\n" + question.model_answer, id="model-answer"))
        widgets.append(Label("Tick the key points your answer covered: space or a digit, then enter.",
                             id="tick-how"))
        checklist = KeyPointChecklist([question.key_points[i] for i in item.display_order], item.display_order,
                                      id="key-points")
        widgets.append(checklist)
        await self.query_one("#assess").mount(*widgets)
        checklist.focus(scroll_visible=False)
        self._scroll_into_view(self.query_one("#assess"))
        self.update_status()

    def _scroll_into_view(self, widget: Widget) -> None:
        """Scroll the body, once the layout has sized ``widget``, so that all of it is in view
        (its bottom edge when it is taller than the view, so the end of a checklist shows)."""

        def scroll() -> None:
            body = self.query_one("#body", VerticalScroll)
            region = widget.virtual_region_with_margin
            bottom = region.bottom - body.scrollable_content_region.height
            body.scroll_to(y=max(body.scroll_y, bottom), animate=False, immediate=True)

        self.call_after_refresh(scroll)

    async def _show_verdict(self, verdict: AnswerVerdict | None) -> None:
        """The verdict and the explanation (``verdict`` None: the question was skipped)."""
        item = self.run.current
        assert item is not None
        question = item.question
        self.phase, self.verdict = "verdict", verdict
        self._set_text("#error", None)
        answer = self.query_one("#answer-input")
        answer.disabled = True
        demo = self.query_one("#demo", Button)
        demo.display = question.demo is not None
        if question.demo is not None:
            demo.label = f"Demo: {question.demo.name} (d)"
        body = verdict_markdown(question, verdict, instance=self.run.session.instance(item),
                                show_answer=verdict is None or not isinstance(question, m.OpenQuestion))
        title = self.query_one("#verdict-title", Static)
        title.update(verdict_title(verdict))
        self.query_one("#verdict-body", MarkdownText).show(body)
        self.query_one("#verdict").display = True
        if verdict is not None and self.self_graded():
            self._show_rating(None)
        next_button = self.query_one("#next", Button)
        next_button.focus(scroll_visible=False)
        self.update_status()
        # After the layout that shows the verdict: scroll it to the top of the view.
        self.call_after_refresh(title.scroll_visible, top=True, animate=False)

    # -- actions ---------------------------------------------------------------------

    def action_hint(self) -> None:
        hint = self.run.session.reveal_hint() if self.phase == "answering" else None
        if hint is None:
            self.notify("No more hints for this question.")
            return
        used = self.run.session.hints_used()
        hints = self.query_one("#hints", Static)
        previous = hints.visual if used > 1 else None
        line = Content.assemble((f"Hint {used}: ", "bold $text-accent"), " ".join(hint.split()))
        self._set_text("#hints", Content("\n").join([previous, line]) if isinstance(previous, Content) else line)
        self.refresh_bindings()  # focus stays where it was: h again shows the next hint

    async def action_skip(self) -> None:
        if self.phase == "answering" and self.run.current is not None:
            await self._skip()

    async def _skip(self) -> None:
        """A skip counts as missed; where answers get feedback, the answer is shown (titled
        "Skipped", not "Incorrect") before the next question."""
        if self.run.session.shows_feedback:
            self.run.skip(advance=False)
            await self._show_verdict(None)
        else:
            self.run.skip()
            await self.show_question(restart_time=False)

    async def action_next(self) -> None:
        if self.phase != "verdict":
            return
        self.run.advance()
        await self.show_question(restart_time=False)

    def action_demo(self) -> None:
        demo = self.question.demo if self.run.current is not None else None
        if demo is not None:
            self.post_message(DemoRequested(demo.name, demo.params or None))

    def action_leave_field(self) -> None:
        """Tab in a text field: focus the question so that the letter keys (hint, skip) work."""
        self.query_one("#body").focus()

    def finish(self) -> None:
        """The quiz is over: the app shows its summary (and keeps it, for "last summary")."""
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        if not self.finished:
            self.finished = True
            # Straight to the app rather than bubbling through the screen: one hop fewer, so
            # the summary comes with the key press that ended the quiz.
            self.app.post_message(QuizFinished(self.run, self))

    # -- the interview clock and reloads ---------------------------------------------------

    async def tick(self) -> None:
        """Update the countdown; when it runs out, submit what is there (or skip)."""
        if self.run.current is None or self.phase != "answering":
            return
        left = self.run.time_left()
        if left is None:
            return
        if left <= 0:
            self.notify("Time is up for that question.", timeout=2)
            await self.action_submit(timed_out=True)
        else:
            self.update_status()

    @on(BankLoaded)
    async def _bank_loaded(self, event: BankLoaded) -> None:
        if not event.reloaded or self.run.current is None:
            return
        current_id = self.run.current.question.id
        changed = self.run.session.refresh(event.bank.questions)
        if current_id not in changed:
            return
        if self.phase == "answering":
            await self.show_question(restart_time=False)
        else:
            self.query_one("#prompt", Markdown).update(self.run.prompt())
