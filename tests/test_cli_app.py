"""The commands that open the app or print progress: quiz, demo, stats, --data-dir."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from normquiz import cli
from normquiz.progress import ProgressStore


def run_cli(*args: str, env_data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ)
    if env_data_dir is not None:
        env["NORMQUIZ_DATA_DIR"] = str(env_data_dir)
    return subprocess.run([sys.executable, "-m", "normquiz", *args], capture_output=True, text=True, env=env)


def test_help_lists_the_app_commands_without_importing_textual() -> None:
    code = ("import sys\nfrom normquiz.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('textual' in sys.modules, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stderr.strip() == "False"
    for command in ("quiz", "demo", "stats", "--data-dir"):
        assert command in result.stdout


@pytest.mark.parametrize("args, message", [
    (["quiz", "--count", "0"], "expected at least 1"),
    (["quiz", "--mode", "cram"], "invalid choice"),
    (["quiz", "--level", "expert"], "invalid choice"),
    (["quiz", "--seed", "x"], "invalid int value"),
    (["quiz", "--tag", "batchnorm"], "did you mean 'batch-norm'?"),
    (["demo", "axis"], "did you mean 'axes'?"),
    (["demo"], "name a demo"),
])
def test_bad_values_are_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    result = run_cli(*args, env_data_dir=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_demo_list_names_every_demo_one_per_line() -> None:
    from normquiz.bank.demos import DEMOS

    result = run_cli("demo", "--list")
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(DEMOS)


def test_stats_text_and_json_read_the_data_dir(tmp_path: Path) -> None:
    with ProgressStore.open(tmp_path) as store:
        store.record_attempt("bn-axis-2d", content_hash="h", correct=True)
        store.flag_question("bn-axis-2d", "unclear", "which axis?")
    text = run_cli("--data-dir", str(tmp_path), "stats")
    assert text.returncode == 0
    assert "Answers: 1 to 1 questions, 1 correct (100%)." in text.stdout
    assert "bn-axis-2d (unclear" in text.stdout
    as_json = json.loads(run_cli("stats", "--json", env_data_dir=tmp_path).stdout)
    assert as_json["overall"]["answers"] == 1 and as_json["flags"][0]["comment"] == "which axis?"


def test_quiz_and_no_command_open_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from normquiz.study.request import QuizRequest
    from normquiz.tui import app as app_module

    started = []

    def fake_run(self) -> None:  # type: ignore[no-untyped-def]
        started.append((self.start, self.data_dir))

    monkeypatch.setattr(app_module.NormquizApp, "run", fake_run)
    monkeypatch.setattr(cli, "_terminal_problem", lambda: None)  # pytest's stdin is not a terminal
    assert cli.main(["--data-dir", str(tmp_path), "quiz", "--level", "basic", "--tag", "batch-norm",
                     "--count", "3", "--seed", "4", "--mode", "interview"]) == 0
    assert started[-1] == (QuizRequest(("basic",), ("batch-norm",), 3, 4, "interview"), tmp_path)
    monkeypatch.setenv("NORMQUIZ_DATA_DIR", str(tmp_path / "env"))
    assert cli.main([]) == 0
    assert started[-1] == (None, tmp_path / "env")
