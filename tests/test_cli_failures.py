"""The command line's failure paths: one line on stderr, a non-zero status, never a traceback or a hang."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from normquiz import cli
from normquiz.progress import ProgressStore
from tests.faults import fill_the_disk
from tests.normquiz_process import TIMEOUT_SECONDS, assert_no_traceback, run_normquiz


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_to_a_full_disk_is_one_line(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        result = run_normquiz("schema", stdout=full, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "normquiz schema: error: cannot write the output: No space left on device\n"


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_data_dir_of_an_unknown_user_is_one_line(tmp_path: Path, how: str) -> None:
    where = "~nosuchuser-normquiz/x"
    if how == "option":
        result = run_normquiz("--data-dir", where, "stats", cwd=tmp_path)
    else:
        result = run_normquiz("stats", cwd=tmp_path, env={"NORMQUIZ_DATA_DIR": where})
    assert_no_traceback(result)
    assert result.returncode == 2
    assert result.stderr == (f"normquiz stats: error: the data directory {where!r} starts with ~, but there "
                             "is no user 'nosuchuser-normquiz': write the full path\n")


def test_an_ascii_terminal_gets_escapes_for_non_ascii_text(tmp_path: Path) -> None:
    (tmp_path / "q.yaml").write_text(
        "topic: Thé\nquestions:\n  - {id: q-crème, level: basic, type: true_false, tags: [t], prompt: P,\n"
        "     answer: true, explanation: E}\n", encoding="utf-8")
    result = run_normquiz("validate", "q.yaml", cwd=tmp_path, env={"PYTHONIOENCODING": "ascii"})
    assert_no_traceback(result)
    assert result.returncode == 1
    assert "'q-cr\\xe8me' is not a valid id" in result.stdout


@pytest.mark.parametrize("args", [[], ["quiz"], ["demo", "axes"]])
def test_the_app_without_a_terminal_says_so_instead_of_hanging(tmp_path: Path, args: list[str]) -> None:
    result = run_normquiz(*args, cwd=tmp_path, data_dir=tmp_path / "data")  # stdin at EOF, output piped
    assert_no_traceback(result)
    assert result.returncode == 2
    command = " ".join(["normquiz", *args[:1]])
    assert result.stderr == (f"{command}: error: the app needs a terminal, and its input is not one: run "
                             "normquiz in a terminal window (`normquiz stats` prints a text summary anywhere)\n")


def _run_in_a_terminal(columns: int, lines: int, tmp_path: Path) -> tuple[int, str]:
    """``normquiz`` on a pseudo-terminal of the given size: its status and what it wrote."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES", "TEXTUAL_DRIVER")}
    env["NORMQUIZ_DATA_DIR"] = str(tmp_path / "data")
    process = subprocess.Popen([sys.executable, "-m", "normquiz"], stdin=follower, stdout=follower,
                               stderr=follower, env=env, cwd=tmp_path)
    os.close(follower)
    output = b""
    try:
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the program has ended
                break
            if not chunk:
                break
            output += chunk
        code = process.wait(timeout=TIMEOUT_SECONDS)
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
    return code, output.decode("utf-8", "replace")


@pytest.mark.parametrize("columns, lines", [(5, 3), (1, 1), (39, 30), (100, 11)])
def test_a_tiny_terminal_gets_a_sentence_not_a_crash(tmp_path: Path, columns: int, lines: int) -> None:
    code, output = _run_in_a_terminal(columns, lines, tmp_path)
    assert code == 2
    assert "Traceback" not in output
    assert (f"normquiz: error: the terminal is {columns}x{lines}: normquiz needs at least 40x12, "
            "so enlarge the window") in output.replace("\r\n", "\n").replace("\n", "")


def test_the_app_exits_non_zero_after_a_crash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from normquiz.tui import app as app_module

    monkeypatch.setattr(cli, "_terminal_problem", lambda: None)
    monkeypatch.setattr(app_module.NormquizApp, "run", lambda self: None)
    monkeypatch.setattr(app_module.NormquizApp, "return_code", property(lambda self: 1))
    assert cli.main(["--data-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        "normquiz: error: the app stopped because of an internal error (details above)\n")


def test_answers_lost_to_a_full_disk_are_counted_on_exit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from normquiz.tui import app as app_module

    def quiz_on_a_disk_that_fills_up(self: app_module.NormquizApp) -> None:
        self.store = ProgressStore.open(self.data_dir)
        self.store.record_attempt("saved", content_hash="h", correct=True)
        fill_the_disk(self.store)
        for question_id in ("lost-1", "lost-2"):
            self.store.record_attempt(question_id, content_hash="h", correct=False)

    monkeypatch.setattr(cli, "_terminal_problem", lambda: None)
    monkeypatch.setattr(app_module.NormquizApp, "run", quiz_on_a_disk_that_fills_up)
    assert cli.main(["--data-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"normquiz: error: 2 answers could not be saved: the disk is full ({tmp_path / 'progress.sqlite3'})\n")
    with ProgressStore.open(tmp_path) as store:
        assert [attempt.question_id for attempt in store.attempts()] == ["saved"]


def test_a_clean_exit_is_quiet_and_zero(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from normquiz.tui import app as app_module

    def quiz(self: app_module.NormquizApp) -> None:
        self.store = ProgressStore.open(self.data_dir)
        self.store.record_attempt("saved", content_hash="h", correct=True)

    monkeypatch.setattr(cli, "_terminal_problem", lambda: None)
    monkeypatch.setattr(app_module.NormquizApp, "run", quiz)
    assert cli.main(["--data-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""
