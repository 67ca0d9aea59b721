"""`normquiz check` and `normquiz exercise`: exit codes 0 (all pass), 1 (a check fails), 2 (usage)."""

from __future__ import annotations

from pathlib import Path

import pytest

from normquiz.bank import load_bank
from normquiz.cli import main
from normquiz.study.exercise_run import DISABLED_VARIABLE


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NORMQUIZ_CONTENT", raising=False)
    monkeypatch.delenv(DISABLED_VARIABLE, raising=False)
    reference = next(q for q in load_bank().questions if q.id == "ln-forward").reference
    (tmp_path / "good.py").write_text(reference, encoding="utf-8")
    (tmp_path / "wrong.py").write_text(reference.replace("axis=-1", "axis=0"), encoding="utf-8")
    return tmp_path


def test_check_exits_0_when_every_check_passes(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "good.py", "--exercise", "ln-forward"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PASS  x (6, 5) float64\n") and "FAIL" not in out
    assert out.rstrip().endswith("ln-forward: all checks pass (6 of 6 passed)")


def test_check_exits_1_with_one_line_per_check(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "wrong.py", "--exercise", "ln-forward"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("FAIL  x (6, 5) float64: your LN normalizes each feature over the batch: "
                               "that is batch norm")
    assert lines[-1] == "ln-forward: not yet (0 of 6 passed)"


@pytest.mark.parametrize(("argv", "message"), [
    (["check", "good.py", "--exercise", "ln-forwrd"],
     "normquiz check: error: there is no exercise 'ln-forwrd'; did you mean 'ln-forward'?"),
    (["check", "missing.py", "--exercise", "ln-forward"], "normquiz check: error: missing.py: no such file"),
    (["exercise", "bn-fwd"], "normquiz exercise: error: there is no exercise 'bn-fwd'"),
])
def test_usage_errors_exit_2(folder: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith(message)


def test_check_of_a_file_that_does_not_parse(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "broken.py").write_text("def layernorm_forward(x, gamma, beta, eps=1e-5):\n    return (x\n")
    assert main(["check", "broken.py", "--exercise", "ln-forward"]) == 1
    assert capsys.readouterr().out == ("Syntax error at line 2: '(' was never closed\n\n"
                                       "ln-forward: not yet (the checks could not run)\n")


def test_check_without_exercise_is_a_usage_error(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "good.py"])
    assert exit_info.value.code == 2
    assert "the following arguments are required: --exercise" in capsys.readouterr().err


def test_check_refuses_where_running_code_is_turned_off(folder: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv(DISABLED_VARIABLE, "disabled")
    assert main(["check", "good.py", "--exercise", "ln-forward"]) == 2
    assert "Running code is turned off on this server" in capsys.readouterr().err


def test_exercise_list(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exercise", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 14
    assert lines[0].split() == ["bn-forward", "basic", "batchnorm_forward(x,", "gamma,", "beta,", "eps=1e-5)",
                                "->", "out"]


def test_exercise_opens_the_app_on_it(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from normquiz import cli
    from normquiz.tui.app import StartExercise

    started = []
    monkeypatch.setattr(cli, "_run_app", lambda args, start=None: started.append(start) or 0)
    assert main(["exercise", "gn-forward"]) == 0 and main(["exercise"]) == 0
    assert started == [StartExercise("gn-forward"), StartExercise(None)]
