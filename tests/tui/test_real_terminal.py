"""``python -m normquiz`` in a real terminal (tmux): home, a quiz, a demo and back, then quit.

Fails on a traceback on screen or a non-zero exit status. Skipped where tmux is
not installed. The waits have generous limits: they wait for text, they do not
time anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60.0


class Terminal:
    """One tmux session on a private server socket (nothing else's sessions are touched)."""

    def __init__(self, command: str, *, width: int, height: int, env: dict[str, str]) -> None:
        self.socket = f"normquiz-test-{uuid.uuid4().hex[:8]}"
        self.tmux(["new-session", "-d", "-s", "app", "-x", str(width), "-y", str(height), command], env=env)

    def tmux(self, arguments: list[str], env: dict[str, str] | None = None) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, *arguments], capture_output=True, text=True,
                                env=env, check=True)
        return result.stdout

    def screen(self) -> str:
        return self.tmux(["capture-pane", "-p", "-t", "app"])

    def press(self, *keys: str) -> None:
        for key in keys:
            self.tmux(["send-keys", "-t", "app", key])
            time.sleep(0.15)  # one key at a time, as a person types: not a measurement

    def wait_for(self, test: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            screen = self.screen()
            assert "Traceback" not in screen, screen
            if test(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {what}; the screen:\n{screen}")
            time.sleep(0.2)

    def wait_for_text(self, text: str) -> str:
        return self.wait_for(lambda screen: text in screen, repr(text))

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def terminal(tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NORMQUIZ_DATA_DIR": str(tmp_path / "data"),
           "TERM": "xterm-256color"}
    status = tmp_path / "status"
    # The pane stays after the app ends, so that its exit status and last screen can be read.
    command = f"cd {ROOT} && {sys.executable} -m normquiz; echo EXIT=$? > {status}; echo ENDED; sleep 600"
    opened = Terminal(command, width=100, height=30, env=env)
    opened.status = status  # type: ignore[attr-defined]
    yield opened
    opened.close()


def test_home_a_quiz_a_demo_and_back_in_tmux(terminal: Terminal) -> None:
    terminal.wait_for_text("Practice, review, interview")
    terminal.wait_for(lambda screen: " q " in screen and "… q" not in screen, "the question counts")
    terminal.press("Enter")  # the highlighted level: Basic
    terminal.wait_for_text("Question 1 of")
    # The answer widget has the focus: a choice list or a typed answer ("Submit"), or an open
    # question's text area (its button shows the model answer). The first basic question is random.
    screen = terminal.wait_for(lambda screen: "Submit" in screen or "Show the model answer" in screen,
                               "an answer widget")
    footer = screen.rstrip().splitlines()[-1]
    if "tab " in footer:
        terminal.press("Tab")  # a text field: leave it, so that s is "skip"
        terminal.wait_for_text("s Skip")
    terminal.press("s")
    terminal.wait_for_text("Skipped")  # the answer is shown, as a skip
    terminal.press("n")
    terminal.wait_for_text("Question 2 of")
    terminal.press("Escape")
    terminal.wait_for_text("End the quiz?")
    terminal.press("y")
    terminal.wait_for_text("Retry the")  # the summary: the skipped question can be retried
    terminal.press("Escape")
    terminal.wait_for_text("Last summary")  # home again, which offers the summary again
    terminal.press("d", "Enter")  # the demo list, its first demo
    terminal.wait_for_text("which values share one mean and variance")
    terminal.press("Down", "w", "?")
    terminal.wait_for_text("Keys of the axes demo")
    terminal.press("Escape", "Escape")
    terminal.wait_for_text("Practice, review, interview")
    terminal.press("q")
    screen = terminal.wait_for_text("ENDED")
    assert "Traceback" not in screen
    assert terminal.status.read_text().strip() == "EXIT=0"  # type: ignore[attr-defined]
