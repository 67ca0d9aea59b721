"""The authoring commands: validate, schema, new and export (exit codes and one-line errors)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from normquiz.cli import main
from tests.bank.conftest import HEADER, SINGLE, TRUE_FALSE


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NORMQUIZ_CONTENT", raising=False)
    (tmp_path / "good.yaml").write_text(HEADER + SINGLE, encoding="utf-8")
    return tmp_path


def test_validate_valid_file(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "good.yaml"]) == 0
    assert capsys.readouterr().out == (
        "1 files, 1 questions (basic 1, intermediate 0, advanced 0; single_choice 1), 0 problems\n")


def test_validate_invalid_file_lists_problems(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "bad.yaml").write_text(HEADER + TRUE_FALSE.replace("answer: true", "answer: maybe"), encoding="utf-8")
    assert main(["validate", "."]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "bad.yaml:8:13: questions[0].answer: expected true or false, got the string 'maybe'"
    assert lines[-1].endswith("1 problem")


def test_validate_usage_errors(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "missing.yaml"]) == 2
    assert capsys.readouterr().err == "normquiz validate: error: no such file or folder: missing.yaml\n"
    assert main(["--content", "nowhere", "validate"]) == 2


def test_validate_default_includes_content_folders_and_env(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = folder / "extra"
    extra.mkdir()
    (extra / "tf.yaml").write_text(HEADER + TRUE_FALSE.replace("q-true-false", "zz-extra-tf"), encoding="utf-8")
    main(["validate"])
    builtin = capsys.readouterr().out.splitlines()[-1]
    main(["validate", "--content", str(extra)])
    with_option = capsys.readouterr().out.splitlines()[-1]
    monkeypatch.setenv("NORMQUIZ_CONTENT", str(extra))
    main(["validate"])
    with_env = capsys.readouterr().out.splitlines()[-1]
    count = lambda line: int(line.split(" files, ")[1].split()[0])  # noqa: E731
    assert count(with_option) == count(with_env) == count(builtin) + 1


def test_schema_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "normquiz question file"


def test_new_writes_a_valid_template_and_refuses_to_overwrite(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", "mine.yaml", "--type", "ordering"]) == 0
    assert main(["validate", "mine.yaml"]) == 0
    # The comment at the top names the file as it was written, not a slug of it.
    assert main(["new", "My Quiz.yml"]) == 0
    assert "normquiz validate My Quiz.yml" in (folder / "My Quiz.yml").read_text(encoding="utf-8")
    before = (folder / "mine.yaml").read_text(encoding="utf-8")
    assert main(["new", "mine.yaml"]) == 1
    assert "mine.yaml already exists" in capsys.readouterr().err
    assert (folder / "mine.yaml").read_text(encoding="utf-8") == before


def test_export_markdown_to_file(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "markdown", "--level", "basic", "-o", "guide.md"]) == 0
    text = (folder / "guide.md").read_text(encoding="utf-8")
    assert text.startswith("# normquiz study guide")
    assert "*intermediate ·" not in text and "*basic ·" in text
    from normquiz.bank import load_bank

    basic = sum(1 for question in load_bank().questions if question.level == "basic")
    assert f"wrote {basic} questions to guide.md" in capsys.readouterr().out


def test_errors_are_one_line_never_tracebacks(tmp_path: Path) -> None:
    (tmp_path / "junk.yaml").write_bytes(b"\xff\xfe topic: [")
    result = subprocess.run([sys.executable, "-m", "normquiz", "validate", str(tmp_path / "junk.yaml")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "not UTF-8" in result.stdout
