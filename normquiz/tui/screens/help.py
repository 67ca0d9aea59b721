"""Help (``?``): the keys of every screen and what the modes do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown

HELP_TEXT = """\
# normquiz keys

**Everywhere**: `?` this help · `ctrl+p` commands (jump to a question, open a demo,
start a level, change the theme) · `r` reload the question files · `q` quit ·
`escape` back.

**Home**: `enter` starts what is highlighted · `tab` moves between the lists ·
`v` review due · `i` mock interview · `s` stats · `t` topics · `d` demos.

**Quiz**

| Key | Does |
|---|---|
| `1`–`9`, `↑` `↓` | pick a choice (single choice, true/false) |
| `space` or a digit | toggle a choice (multiple choice) or a key point |
| `shift+↑` `shift+↓` | move a step (ordering; also `alt`/`ctrl+↑↓`, `[` `]`) |
| `enter` | submit (typed answers, choices, ordering) |
| `ctrl+s` | submit anything, also the open questions' text |
| `h` | next hint (one at a time) |
| `s` | skip (counts as missed) |
| `n` | next question, after the verdict |
| `d` | open the question's demo |
| `f` | flag the question as wrong or unclear |
| `escape` | leave a text field; again: finish and see the summary |

**Summary**: `m` retry the missed ones · `c` cram more (after a review) ·
`escape` home.

## Modes

- **Practice**: a level, a topic or everything; the verdict and the
  explanation after each answer.
- **Review**: the questions spaced repetition (FSRS) says are due; when none
  are, or after them, *cram* the weakest ones.
- **Mock interview**: mixed levels, a countdown per question (when it runs
  out, the answer is submitted as it stands, or skipped); no feedback until
  the summary.

Every answer is saved as it is given. Flagged questions are listed by
`normquiz stats`.
"""


class HelpScreen(ModalScreen[None]):
    """The keys, the modes."""

    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP_TEXT, id="help-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
