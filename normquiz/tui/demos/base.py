"""The frame every demo screen shares: title, body, explanation panel, footer, and the common keys.

A demo subclasses ``DemoScreen``, composes its widgets in ``compose_demo``
and redraws them in ``refresh_view`` from a view model that a plain function of
its state computed (so the computation can be tested and timed without a
terminal). Common keys: ``escape`` back, ``?`` help (with this demo's keys, as
on every screen), ``z`` quiz me on this topic, ``w`` show or hide the
explanation ("why"). A demo that adds ``SELECT_BINDINGS`` gives its state a
``move(drow, dcol)`` method; one with an ``s`` resample key, a ``seed`` field.

Footers must fit in 80 columns: a demo shows at most three of its own keys
there (short labels) and hides the rest with ``show=False``; every key, with
its ``tooltip`` as the long description, is in the help screen (``key_help``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from normquiz.study.request import QuizRequest
from normquiz.tui.messages import HelpRequested, QuizRequested
from normquiz.tui.widgets.footer import KeysFooter


#: Arrow keys that move a selection; ``DemoScreen.action_move`` handles them. Priority bindings,
#: because the focused scroll area would otherwise take the arrows to scroll.
SELECT_BINDINGS = [
    Binding("up", "move(-1, 0)", "select", key_display="↑↓←→", show=False, priority=True,
            tooltip="move the selected cell"),
    Binding("down", "move(1, 0)", "select", show=False, priority=True),
    Binding("left", "move(0, -1)", "select", show=False, priority=True),
    Binding("right", "move(0, 1)", "select", show=False, priority=True),
]


class DemoScreen(Screen):
    """Base class of the demo screens (see the module docstring)."""

    DEMO_NAME: ClassVar[str] = ""
    TITLE_TEXT: ClassVar[str] = ""
    #: Tags of the questions "quiz me on this" asks (a question matches when it has any of them).
    QUIZ_TAGS: ClassVar[tuple[str, ...]] = ()
    #: The demo's state class: a frozen dataclass with a ``from_params(params)`` constructor.
    STATE_TYPE: ClassVar[Any] = None
    #: Rich markup for the explanation panel.
    EXPLANATION: ClassVar[str] = ""
    CSS_PATH = ["base.tcss"]
    # The explanation sits beside the demo only where the demo keeps room for its widest
    # table (a 16-step sequence, group-norm statistics); below it otherwise.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("escape", "back", "back", tooltip="back to where you came from"),
        Binding("question_mark", "help", "keys", key_display="?", tooltip="help: every key of this demo"),
        Binding("z", "quiz_me", "quiz", tooltip="quiz me on this topic"),
        Binding("w", "toggle_explanation", "why", tooltip="show or hide the explanation"),
    ]

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self.params: dict[str, Any] = dict(params or {})
        self.state = self.STATE_TYPE.from_params(self.params) if self.STATE_TYPE else None
        self.view: Any = None  # the last view model drawn

    def compose(self) -> ComposeResult:
        yield Static(f"[b]{self.TITLE_TEXT}[/b]", id="demo-title")
        with Horizontal(id="demo-body"):
            with VerticalScroll(id="demo-main"):
                yield from self.compose_demo()
            with VerticalScroll(id="demo-explanation"):
                yield Static(self.EXPLANATION, id="demo-explanation-text")
        yield KeysFooter()

    def compose_demo(self) -> Iterable[Widget]:
        """The demo's own widgets (override)."""
        return ()

    def on_mount(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        """Recompute the view model from the state and redraw (override)."""

    def update_state(self, state: Any) -> None:
        """Adopt a new state (a frozen dataclass) and redraw."""
        self.state = state
        self.refresh_view()

    def action_move(self, drow: int, dcol: int) -> None:
        """Move the selection (``SELECT_BINDINGS``): the state's ``move(drow, dcol)``."""
        self.update_state(self.state.move(drow, dcol))

    def action_resample(self) -> None:
        """Draw new random inputs: the next seed (for demos whose state has one)."""
        self.update_state(replace(self.state, seed=self.state.seed + 1))

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.exit()

    def action_quiz_me(self) -> None:
        self.post_message(QuizRequested(QuizRequest(tags=self.QUIZ_TAGS)))

    def action_help(self) -> None:
        self.post_message(HelpRequested())

    @classmethod
    def key_help(cls) -> list[tuple[str, str]]:
        """Every key of this demo as ``(keys, what it does)``: its own first, then the common ones."""
        rows: list[tuple[str, str]] = []
        described: set[str] = set()
        for klass in cls.__mro__:
            if not issubclass(klass, DemoScreen):
                break
            for binding in klass.__dict__.get("BINDINGS", ()):
                if not isinstance(binding, Binding) or binding.action in described:
                    continue
                described.add(binding.action)
                if binding.action.startswith("move(") and binding.key != "up":
                    continue  # the four arrows are one row
                keys = binding.key_display or ", ".join(binding.key.split(","))
                rows.append((keys, binding.tooltip or binding.description))
        return rows

    def action_toggle_explanation(self) -> None:
        panel = self.query_one("#demo-explanation")
        panel.display = not panel.display


Choice = TypeVar("Choice")


def next_choice(choices: Sequence[Choice], current: Choice) -> Choice:
    """The choice after ``current`` in ``choices``, wrapping round (the first when ``current`` is none of them)."""
    index = choices.index(current) if current in choices else -1
    return choices[(index + 1) % len(choices)]


def fmt(value: float, decimals: int = 3) -> str:
    """A number as the demos print it (``n/a`` for NaN)."""
    return "n/a" if value != value else f"{value:.{decimals}f}"
