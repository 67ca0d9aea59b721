"""The home screen: levels with counts and mastery, review, mock interview, topics, demos, stats."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Static

from normquiz.study.request import QuizRequest
from normquiz.tui.messages import (
    BankLoaded,
    DemoRequested,
    FiguresChanged,
    ExerciseRequested,
    HelpRequested,
    QuizRequested,
    ResumeRequested,
    StatsRequested,
    SummaryRequested,
)
from normquiz.tui.protocol import quiz_host
from normquiz.tui.widgets.footer import KeysFooter
from normquiz.tui.widgets.picklist import Pick, PickList
from normquiz.vocabulary import LEVELS, MASTERY_STABILITY_DAYS

if TYPE_CHECKING:
    from normquiz.bank import LoadResult
    from normquiz.bank.summary import BankSummary

MAX_BANNER_PROBLEMS = 4
#: What "mastered" on the menu means (``normquiz.progress.stats``'s definition, in a sentence).
MASTERED = ("mastered: the latest answer was right and FSRS expects you to still recall it "
            f"three weeks later (stability of {MASTERY_STABILITY_DAYS:g} days or more)")
#: What each menu entry does, shown under the lists while it is highlighted (the levels: MASTERED).
MENU_ABOUT = {
    "resume": "Carry on with the quiz you left: the questions it had not reached, in the same order.",
    "review": "The questions spaced repetition (FSRS) says are due; when none are, or after them, "
              "cram the ones you know least.",
    "interview": "Mixed levels, a countdown per question, and no feedback until the summary.",
    "unsuspend": "Suspended questions are left out of every session until you bring them back.",
    "exercises": "Write normalization layers in NumPy, forward and backward. Your code runs in a "
                 "separate process; every check gets a line, and a known mistake is named.",
    "last-summary": "The last quiz's summary again: the score, by level and topic, and what you missed.",
    "stats": "Accuracy by level and topic, your streak, and the reviews due in the coming days.",
    "help": "Every key, and the modes: practice, review, mock interview.",
}


def _row(label: str, detail: str = "", width: int = 17) -> Content:
    return Content.assemble((f"{label:<{width}}", "bold"), (detail, "$text-muted"))


class HomeScreen(Screen[None]):
    """Where every session starts."""

    CSS_PATH = "home.tcss"
    BINDINGS = [
        Binding("v", "review", "Review"),
        Binding("i", "interview", "Interview"),
        Binding("s", "stats", "Stats"),
        Binding("t", "focus('#topics')", "Topics", show=False),
        Binding("d", "focus('#demos')", "Demos", show=False),
    ]

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._shown_for: tuple[Any, ...] | None = None  # see ``show_figures``

    def compose(self) -> ComposeResult:
        # On a second start the app has the cache's summary of the bank before the first frame,
        # so that frame has the counts and topics already.
        summary = quiz_host(self).bank_summary
        self._shown_for = self._shows()
        demos = self._demo_options()
        yield Header()
        # No containers: the screen's grid places the lists (each container would draw its whole
        # area too). The banner (store notices, file problems) is mounted when there is one.
        yield PickList(self._menu_options(summary), title="Practice, review, interview", id="menu")
        yield PickList(self._topic_options(summary), title="Topics", id="topics")
        yield PickList(demos, title="Demos", id="demos")
        yield Static(MASTERED, id="about")  # the menu's first entry is a level
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#menu", PickList).focus()
        self.show_figures()

    def on_screen_resume(self) -> None:
        self.show_figures()

    @on(BankLoaded)
    @on(FiguresChanged)
    def _figures_changed(self) -> None:
        self.show_figures()

    # -- content -------------------------------------------------------------------

    def _menu_options(self, summary: BankSummary | None) -> list[Pick | None]:
        """The menu: counts once the bank's summary is known (the cache's, then the loaded bank's),
        mastery and reviews due once the progress store is open too."""
        store = quiz_host(self).store
        # Quizzes leave the coding exercises out; they have their own entry.
        counts = summary.quiz_level_counts() if summary is not None else Counter()
        mastery: dict[str, str] = {}
        due = None
        if summary is not None and store is not None:
            stats = quiz_host(self).progress_stats()
            mastery = {level: f"{value.mastered:>2} mastered"
                       for level, value in stats.mastery.items()}
            due = stats.due_now

        def questions(count: int) -> str:
            return f"{count:>3} q" if summary is not None else "  … q"

        options: list[Pick | None] = []
        resume = quiz_host(self).resumable
        if resume is not None:
            options += [Pick(_row("Resume", resume.describe()), id="resume"), None]
        options += [
            Pick(_row(level.capitalize(), f"{questions(counts[level])}  {mastery.get(level, '')}"),
                 id=f"level:{level}")
            for level in LEVELS
        ]
        options.append(Pick(_row("All levels", questions(sum(counts.values()))), id="level:all"))
        options.append(None)
        if due is None:
            options.append(Pick(_row("Review due", "…"), id="review"))
        elif due:
            options.append(Pick(_row(f"Review due ({due})", "spaced repetition"), id="review"))
        else:
            options.append(Pick(_row("Review due (0)", "cram the weakest"), id="review"))
        options.append(Pick(_row("Mock interview", "timed, mixed levels"), id="interview"))
        suspended = len(store.suspended_question_ids()) if store is not None else 0
        if suspended:  # hidden from every session until unsuspended: say so, and how to undo it
            options.append(Pick(_row(f"Suspended ({suspended})", "select to unsuspend all"), id="unsuspend"))
        exercises = summary.type_count("code") if summary is not None else 0
        if exercises:
            options.append(Pick(_row("Coding exercises", f"{exercises:>3} to implement"), id="exercises"))
        options.append(None)
        if quiz_host(self).last_run is not None:
            options.append(Pick(_row("Last summary", "of the last quiz"), id="last-summary"))
        options.append(Pick(_row("Stats", "accuracy, streak"), id="stats"))
        options.append(Pick(_row("Help", "keys and modes"), id="help"))
        return options

    @staticmethod
    def _topic_options(summary: BankSummary | None) -> list[Pick]:
        if summary is None:
            return [Pick("Loading the questions…", disabled=True)]
        return ([Pick(_row(tag, f"{count:>3}", width=20), id=f"tag:{tag}")
                 for tag, count in sorted(summary.tag_counts().items())]
                or [Pick("No questions loaded", disabled=True)])

    @staticmethod
    def _demo_options() -> list[Pick]:
        from normquiz.bank.demos import DEMOS

        return [Pick(demo.name, id=f"demo:{demo.name}") for demo in DEMOS.values()]


    def _shows(self) -> tuple[Any, ...]:
        """All the screen's figures depend on: the bank (its summary first), the store's notices, the
        answers given (mastery), the reviews due now and the suspended questions. A few cheap
        queries, where the stats read every answer."""
        host = quiz_host(self)
        store = host.store
        if store is None:
            return (host.bank_summary, host.bank)
        return (host.bank_summary, host.bank, store.notices, store.attempt_count(),
                tuple(store.due_question_ids()), tuple(store.suspended_question_ids()),
                host.last_run, host.resumable)

    def show_figures(self) -> None:
        """Counts, mastery, reviews due, topics and the banner, from what the app has so far; only
        when they can have changed (the screen comes back after every quiz, demo, help and stats screen)."""
        summary = quiz_host(self).bank_summary
        if summary is None:
            return
        shows = self._shows()
        if shows == self._shown_for:
            return
        self._shown_for = shows
        menu = self.query_one("#menu", PickList)
        highlighted = menu.highlighted
        menu.set_options(self._menu_options(summary))
        menu.highlighted = highlighted if highlighted is not None else 0
        topics = self.query_one("#topics", PickList)
        topic_highlighted = topics.highlighted
        topics.set_options(self._topic_options(summary))
        topics.highlighted = min(topic_highlighted or 0, max(0, topics.option_count - 1))
        if isinstance(self.focused, PickList):  # its entries may have moved under the cursor
            self._show_about(self.focused)
        self._show_banner(quiz_host(self).bank)

    def _show_banner(self, bank: LoadResult | None) -> None:
        lines: list[Content] = []
        store = quiz_host(self).store
        for notice in store.notices if store is not None else ():
            lines.append(Content.assemble(("! ", "bold $text-warning"), notice))
        if bank is not None and bank.problems:
            files = len({problem.path for problem in bank.problems})
            lines.append(Content.assemble(
                ("! ", "bold $text-warning"),
                f"{len(bank.problems)} problem{'s' * (len(bank.problems) != 1)} in {files} question "
                f"file{'s' * (files != 1)}; the other questions loaded:"))
            lines.extend(Content("  " + str(problem)) for problem in bank.problems[:MAX_BANNER_PROBLEMS])
            if len(bank.problems) > MAX_BANNER_PROBLEMS:
                lines.append(Content(f"  … and {len(bank.problems) - MAX_BANNER_PROBLEMS} more: "
                                     "run `normquiz validate`"))
        banners = self.query("#banner")
        if banners:
            banner = banners.first(Static)
            banner.update(Content("\n").join(lines))
            banner.display = bool(lines)
        elif lines:
            self.mount(Static(Content("\n").join(lines), id="banner"), before="#menu")

    # -- choices -------------------------------------------------------------------

    @on(PickList.Selected, "#menu")
    def _menu_selected(self, event: PickList.Selected) -> None:
        choice = event.option.id or ""
        if choice.startswith("level:"):
            level = choice.partition(":")[2]
            self.post_message(QuizRequested(QuizRequest(levels=() if level == "all" else (level,))))
        elif choice == "review":
            self.action_review()
        elif choice == "interview":
            self.action_interview()
        elif choice == "exercises":
            self.post_message(ExerciseRequested())
        elif choice == "stats":
            self.action_stats()
        elif choice == "help":
            self.post_message(HelpRequested())
        elif choice == "last-summary":
            self.post_message(SummaryRequested())
        elif choice == "unsuspend":
            quiz_host(self).unsuspend_all()
        elif choice == "resume":
            self.post_message(ResumeRequested())

    @on(PickList.Selected, "#topics")
    def _topic_selected(self, event: PickList.Selected) -> None:
        self.post_message(QuizRequested(QuizRequest(tags=((event.option.id or "").partition(":")[2],))))

    @on(PickList.Highlighted)
    def _entry_highlighted(self, event: PickList.Highlighted) -> None:
        if event.pick_list.has_focus:
            self._show_about(event.pick_list)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, PickList):
            self._show_about(event.widget)

    def _show_about(self, pick_list: PickList) -> None:
        """Under the lists: what the highlighted entry of the list with the focus does."""
        option = pick_list.highlighted_option
        self.query_one("#about", Static).update(self._about(pick_list.id, option.id if option else None))

    def _about(self, list_id: str | None, option_id: str | None) -> str:
        kind, _, name = (option_id or "").partition(":")
        if list_id == "demos":
            from normquiz.bank.demos import DEMOS

            demo = DEMOS.get(name)
            return demo.description if demo else ""
        if list_id == "topics":
            summary = quiz_host(self).bank_summary
            if kind != "tag" or summary is None:
                return ""
            levels = summary.tag_level_counts(name)
            total = sum(levels.values())
            per_level = ", ".join(f"{levels[level]} {level}" for level in LEVELS if levels[level])
            return (f"A quiz on {name}: {total} question{'s' * (total != 1)} ({per_level}), "
                    "the verdict and the explanation after each answer.")
        return MASTERED if kind == "level" else MENU_ABOUT.get(option_id or "", "")

    @on(PickList.Selected, "#demos")
    def _demo_selected(self, event: PickList.Selected) -> None:
        self.post_message(DemoRequested((event.option.id or "").partition(":")[2]))

    def action_review(self) -> None:
        self.post_message(QuizRequested(QuizRequest(mode="review")))

    def action_interview(self) -> None:
        self.post_message(QuizRequested(QuizRequest(mode="interview")))

    def action_stats(self) -> None:
        self.post_message(StatsRequested())
