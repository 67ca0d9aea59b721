"""What the learner decides about the quiz screen's question besides answering it: rate it, take the
answer back, bury, suspend or flag it, end or quit the quiz (asking first while questions are left).

A mixin of :class:`normquiz.tui.screens.quiz.QuizScreen`, which owns the run, the phase and the
question on show; these actions change the store or the session and ask the screen to show again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.content import Content

from normquiz.bank import model as m
from normquiz.tui.widgets.question_parts import RATINGS

if TYPE_CHECKING:
    from normquiz.study.quiz_run import QuizRun


class LearnerChoices:
    """Rating, undo, bury, suspend, flag, leave and quit for the quiz screen."""

    run: QuizRun
    phase: str
    question: m.QuestionBase
    app: Any

    if TYPE_CHECKING:
        def notify(self, message: str, **options: Any) -> None: ...
        def _set_text(self, selector: str, text: Content | str | None) -> None: ...
        async def show_question(self, *, restart_time: bool = True) -> None: ...
        def finish(self) -> None: ...

    def self_graded(self) -> bool:
        """Whether the learner rates the current answer (open questions: the app cannot judge)."""
        return isinstance(self.question, m.OpenQuestion) and self.run.session.shows_feedback

    def action_rate(self, grade: int) -> None:
        from normquiz.progress.scheduling import Rating

        if self.run.rate(Rating(grade)):
            self._show_rating(RATINGS[grade])

    def _show_rating(self, chosen: str | None) -> None:
        keys = " · ".join(f"{grade} {name}" for grade, name in RATINGS.items())
        now = (f"you rated it [b]{chosen}[/b]: the review schedule follows your rating" if chosen
               else "until you rate it, the schedule follows the key points you ticked")
        self._set_text("#rate", Content.from_markup(f"How well did you know it? {keys} ({now})"))

    async def action_undo(self) -> None:
        """Take back the answer just given (a slip of the key): ask the question again."""
        if self.phase == "verdict" and self.run.undo():
            self.notify("Answer taken back: it is not saved and the review schedule is as before.",
                        timeout=3)
            await self.show_question(restart_time=False)

    async def action_bury(self) -> None:
        """b: hide the current question until tomorrow and go on (an answer given stays saved)."""
        if self.run.current is None:
            return
        question_id = self.run.bury_current()
        self.notify(f"{question_id} buried: sessions leave it out until tomorrow.", timeout=3)
        await self.show_question(restart_time=False)

    async def action_toggle_suspend(self) -> None:
        """x: suspend the current question (hidden until unsuspended) and go on; on a question
        that is suspended already (asked for by id), unsuspend it and stay."""
        if self.run.current is None:
            return
        question_id = self.question.id
        if question_id in self.run.store.suspended_question_ids():
            self.run.store.unhide(question_id)
            self.notify(f"{question_id} unsuspended: sessions ask it again.", timeout=3)
            return
        self.run.suspend_current()
        self.notify(f"{question_id} suspended: no session asks it until you unsuspend it "
                    "(palette: Unsuspend all, or x on it).", timeout=4)
        await self.show_question(restart_time=False)

    def action_flag(self) -> None:
        from normquiz.tui.screens.flag import FlagScreen

        if self.run.current is None:
            return
        question_id = self.question.id

        def save(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            reason, comment = result
            self.run.store.flag_question(question_id, reason, comment)  # type: ignore[arg-type]
            self.notify(f"Flagged {question_id} as {reason}: `normquiz stats` lists it.")

        self.app.push_screen(FlagScreen(question_id), save)

    def action_leave(self) -> None:
        """Escape: end the quiz and see the summary, after asking while questions are left."""
        self._confirm_then(self.finish, "End the quiz?", "Go to the summary")

    def action_quit(self) -> None:
        """q: quit normquiz, after asking while questions are left."""
        self._confirm_then(self.app.exit, "Quit normquiz?", "Quit")

    def _confirm_then(self, then: Any, question: str, yes: str) -> None:
        from normquiz.tui.modals.confirm import ConfirmScreen

        left = self.questions_left()
        if not left:
            then()
            return
        detail = (f"{left} question{'s are' if left != 1 else ' is'} left. Every answer given so far is "
                  "saved; the summary of the last quiz stays on the home screen.")

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(question, detail, yes=yes, no="Keep going"), answered)

    def questions_left(self) -> int:
        """Questions not answered or skipped yet (the current one included while it waits for its answer)."""
        if self.run.current is None:
            return 0
        return len(self.run) - self.run.position - (self.phase == "verdict")
