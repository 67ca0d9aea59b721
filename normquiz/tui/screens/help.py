"""Help (``?``): the keys of the screen it was opened from (a demo's), of every screen, and the modes."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from normquiz.tui.widgets.footer import KeysFooter
from normquiz.vocabulary import MASTERY_STABILITY_DAYS

HELP_TEXT = f"""\
# normquiz keys

**Everywhere**: `?` this help · `ctrl+p` commands (jump to a question, open a demo,
start a level, the last summary, change the theme) · `r` reload the question files ·
`q` quit · `escape` back (in a quiz: end it, after asking while questions are left).

**Home**: `enter` starts what is highlighted · `tab` moves between the lists ·
`v` review due · `i` mock interview · `s` stats · `t` topics · `d` demos ·
"Last summary" shows the last quiz's summary again. The line under the lists
says what the highlighted entry does.

**Quiz**

| Key | Does |
|---|---|
| `1`–`9`, `↑` `↓` | pick a choice (single choice, true/false) |
| `space` or a digit | toggle a choice (multiple choice) or a key point |
| `shift+↑` `shift+↓` | move a step (ordering; also `alt`/`ctrl+↑↓`, `[` `]`) |
| `enter` | submit (typed answers, choices, ordering) |
| `ctrl+s` | submit anything, also the open questions' text |
| `h` | next hint (one at a time) |
| `s` | skip: the answer is shown; a skip is missed (retry it) but not a wrong answer in the score |
| `b` | bury: hide the question until tomorrow and go on |
| `x` | suspend: hide the question until unsuspended (home: *Suspended*, or palette *Unsuspend all*) |
| `n` | next question, after the verdict |
| `u` | undo: take back the answer just given (not saved, schedule as before), answer again |
| `1`–`4` | after an open question: rate your recall Again, Hard, Good, Easy (the schedule follows it) |
| `d` | open the question's demo |
| `f` | flag the question as wrong or unclear |
| `tab` | leave a text field, so that `h`, `s`, `b`, `x` and `f` work |
| `escape` | end the quiz and see the summary (asks first while questions are left) |

**Summary**: `m` retry the missed ones · `c` cram more (after a review) ·
`escape` home.

**Demos**: `?` lists the demo's own keys at the top of this help · `z` quiz me on the
topic · `w` show or hide the explanation · `escape` back.

## Modes

- **Practice**: a level, a topic or everything; the verdict and the
  explanation after each answer.
- **Review**: the questions spaced repetition (FSRS) says are due; when none
  are, or after them, *cram* the weakest ones.
- **Mock interview**: mixed levels, a countdown per question (when it runs
  out, the answer is submitted as it stands, or skipped); no feedback until
  the summary.

A question is *mastered* (home, stats) when its latest answer was right and
FSRS expects you to still recall it three weeks later: a stability of
{MASTERY_STABILITY_DAYS:g} days or more.

Every answer is saved as it is given. Flagged questions are listed by
`normquiz stats`.
"""


def screen_keys_markdown(title: str, keys: Sequence[tuple[str, str]]) -> str:
    """A Markdown table of one screen's keys: ``(keys, what they do)`` rows."""
    rows = "\n".join(f"| `{key}` | {what} |" for key, what in keys)
    return f"# Keys of {title}\n\n| Key | Does |\n|---|---|\n{rows}\n\n"


class HelpScreen(ModalScreen[None]):
    """The keys, the modes; first the keys of the screen below when it lists its own (a demo)."""

    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,question_mark", "dismiss", "Close")]

    def __init__(self, screen_keys: tuple[str, Sequence[tuple[str, str]]] | None = None) -> None:
        super().__init__()
        self.screen_keys = screen_keys

    def compose(self) -> ComposeResult:
        text = HELP_TEXT
        if self.screen_keys is not None:
            text = screen_keys_markdown(*self.screen_keys) + text
        with VerticalScroll(id="help-body"):
            yield Markdown(text, id="help-text")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
