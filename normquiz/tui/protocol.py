"""What a screen may ask of the app it runs in: the loaded bank, the progress store, the stats.

Screens type the app against :class:`QuizHost`, never against ``NormquizApp``:
the app module imports the screens, so a screen importing it would close a
circle, and a screen that can call any of the app's methods is hard to test
in another app. Navigation goes up as messages (``normquiz.tui.messages``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from normquiz.bank import LoadResult
    from normquiz.bank.summary import BankSummary
    from normquiz.progress import ProgressStats, ProgressStore
    from normquiz.study.quiz_run import QuizRun
    from normquiz.study.resume import Resumable


class QuizHost(Protocol):
    """The app as the screens see it."""

    bank: LoadResult | None
    """The question bank, None until it is read (after the first frame)."""
    bank_summary: BankSummary | None
    """What the home screen shows of the bank: the cache's summary at once on a second start (or
    None), then the loaded bank's."""
    store: ProgressStore | None
    """The progress store, None until it is opened (before the bank is read)."""
    last_run: QuizRun | None
    """The last quiz that reached its summary in this run of the app (its summary can be shown again)."""
    resumable: Resumable | None
    """A quiz an earlier run did not finish (quit or killed), found when the bank was first read."""
    cursor_blink: bool
    """Whether text cursors blink (tests turn it off so that snapshots are stable)."""

    def unsuspend_all(self) -> None:
        """Bring every suspended question back into sessions, and say how many."""
        ...

    def progress_stats(self) -> ProgressStats:
        """The progress statistics over the bank's questions (needs ``bank_summary`` and ``store``)."""
        ...


def quiz_host(node: DOMNode) -> QuizHost:
    """The app ``node`` runs in, as a :class:`QuizHost`."""
    return cast("QuizHost", node.app)
