"""The summary after a quiz: score overall, per level and per tag, time, the missed questions."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Markdown, Static

from normquiz.study.session import ScoreLine, SessionSummary
from normquiz.study.quiz_run import QuizRun
from normquiz.study.request import QuizRequest
from normquiz.tui.formatting import format_seconds
from normquiz.tui.messages import QuizRequested
from normquiz.tui.widgets.footer import KeysFooter
from normquiz.tui.widgets.verdict import verdict_markdown


def _percent(line: ScoreLine) -> str:
    return f"{round(100 * line.fraction):3d}%"


def score_table(title: str, lines: dict[str, ScoreLine], width: int = 22) -> Content:
    rows = [Content.assemble((f"{title:<{width}}", "bold $text-primary"), ("right   score", "$text-muted"))]
    for name, line in lines.items():
        skipped = f"  {line.skipped} skipped" if line.skipped else ""  # apart from the score
        rows.append(Content(f"{name[:width - 1]:<{width}}{line.correct:>2}/{line.asked:<2}  {_percent(line)}{skipped}"))
    return Content("\n").join(rows)


class SummaryScreen(Screen[None]):
    """What the learner got right, what not and why; retry the missed ones."""

    CSS_PATH = "summary.tcss"
    BINDINGS = [
        Binding("m", "retry", "Retry missed"),
        Binding("c", "cram", "Cram more"),
        Binding("escape", "home", "Home"),
    ]

    def __init__(self, run: QuizRun) -> None:
        super().__init__()
        self.run = run
        self.summary: SessionSummary = run.finish()

    def compose(self) -> ComposeResult:
        summary = self.summary
        overall = summary.overall
        yield Static(Content.assemble((self.run.request.describe(), "bold"), " · finished"), id="status")
        with VerticalScroll(id="body"):
            yield Static(self._headline(), id="headline")
            with Horizontal(id="tables"):
                yield Static(score_table("Level", summary.by_level, 16), id="by-level")
                yield Static(score_table("Tag", summary.by_tag), id="by-tag")
            buttons = []
            if summary.missed:
                buttons.append(Button(f"Retry the {len(summary.missed)} missed (m)", id="retry",
                                      variant="primary", compact=True))
            if self.run.mode == "review":
                buttons.append(Button("Cram more (c)", id="cram", compact=True))
            buttons.append(Button("Home (esc)", id="home", compact=True))
            yield Horizontal(*buttons, id="summary-buttons")
            if overall.done and (summary.missed or self.run.mode == "interview"):
                yield Markdown(self._review_markdown(), id="missed")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#summary-buttons Button", Button).focus()

    def _headline(self) -> Content:
        summary = self.summary
        overall = summary.overall
        if not overall.done:
            return Content("No question was answered.")
        parts = [
            (f"{overall.correct} of {overall.asked} correct", "bold"),
            f" · {round(100 * overall.fraction)}% of the points · time {format_seconds(summary.duration)}",
        ]
        if overall.skipped:  # apart: a skip is not a wrong answer (it is in "missed", to retry)
            parts.append(f" · {overall.skipped} skipped")
        if summary.unanswered:
            parts.append(f" · {len(summary.unanswered)} not reached")
        if summary.missed:
            parts.append(("\nMissed: " + str(len(summary.missed)), "$text-warning"))
        else:
            parts.append(("\nNothing missed.", "$text-success"))
        return Content.assemble(*parts)

    def _review_markdown(self) -> str:
        """Each missed question (every question after an interview) with its explanation."""
        session = self.run.session
        interview = self.run.mode == "interview"
        sections = []
        for item in session.items:
            question = item.question
            record = session.records.get(question.id)
            if record is None or (not interview and question.id not in self.summary.missed):
                continue
            verdict = record.verdict
            if verdict is None:
                mark = "– skipped"
            elif verdict.correct:
                mark = "✔ correct"
            else:
                mark = f"✘ {round(100 * verdict.score)}%"
            heading = f"### {mark} · `{question.id}`\n\n{self.run.prompt(item).strip()}"
            if interview and verdict is not None and verdict.correct:
                sections.append(heading)
                continue
            sections.append(heading + "\n\n" + verdict_markdown(question, verdict, instance=session.instance(item)))
        title = "## All answers" if interview else "## Missed questions"
        return title + "\n\n" + "\n\n---\n\n".join(sections)

    # -- actions ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return bool(self.summary.missed)
        if action == "cram":
            return self.run.mode == "review"
        return True

    @on(Button.Pressed, "#retry")
    def action_retry(self) -> None:
        missed = self.summary.missed
        if missed:
            self.app.pop_screen()
            self.post_message(QuizRequested(QuizRequest(question_ids=missed, mode="practice")))

    @on(Button.Pressed, "#cram")
    def action_cram(self) -> None:
        request = self.run.request
        self.app.pop_screen()
        self.post_message(QuizRequested(QuizRequest(levels=request.levels, tags=request.tags, mode="review", cram=True)))

    @on(Button.Pressed, "#home")
    def action_home(self) -> None:
        self.app.pop_screen()
