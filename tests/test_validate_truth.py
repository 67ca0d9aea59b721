"""One truth for validation: `normquiz validate PATH` gives the verdict the app gives the same files."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from normquiz.bank import LoadResult, load_bank
from normquiz import cli
from normquiz.cli import main
from normquiz.tui.app import NormquizApp
from tests.bank.conftest import HEADER, TRUE_FALSE


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NORMQUIZ_CONTENT", raising=False)
    (tmp_path / "mine").mkdir()
    return tmp_path


async def bank_the_app_loads(argv: list[str], data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> LoadResult:
    """Start the app as `normquiz ARGV` does and return the bank it reads after its first frame."""
    started: list[NormquizApp] = []
    monkeypatch.setattr(NormquizApp, "run", lambda app, *args, **kwargs: started.append(app))
    monkeypatch.setattr(cli, "_terminal_problem", lambda: None)  # pytest's stdin is not a terminal
    assert main([*argv, "--data-dir", str(data_dir)]) == 0
    app = started[0]
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(200):
            await pilot.pause()
            if app.bank is not None:
                break
        await app.workers.wait_for_complete()
        assert app.bank is not None
        return app.bank


def validate(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(argv)
    return code, capsys.readouterr().out.splitlines()


def app_verdict(bank: LoadResult, path: str) -> tuple[list[str], list[str]]:
    """The app's word on one file: its problems, and the ids it loaded from it."""
    problems = [str(problem) for problem in bank.problems if problem.path == path]
    loaded = [question.id for question in bank.questions if bank.sources[question.id].path == path]
    return problems, loaded


def validate_verdict(lines: list[str]) -> list[str]:
    return [line for line in lines if ": " in line and not line.startswith(("note:", "skipped "))
            and " files, " not in line]


async def test_the_template_advice_reports_a_duplicate_of_a_built_in_id_as_the_app_does(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    built_in = load_bank().questions[0].id
    code, lines = validate(["new", "mine/dup.yaml", "--type", "true_false"], capsys)
    assert code == 0
    advice = lines[-1].split("check it with: ", 1)[1]
    path = folder / "mine" / "dup.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: dup-true-false", f"id: {built_in}"),
                    encoding="utf-8")

    code, lines = validate(shlex.split(advice)[1:], capsys)  # exactly what the template advises
    bank = await bank_the_app_loads(["--content", "mine"], folder / "data", monkeypatch)

    problems, loaded = app_verdict(bank, "mine/dup.yaml")
    assert built_in not in loaded and len(problems) == 1 and f"duplicate id {built_in!r}" in problems[0]
    assert code == 1
    assert validate_verdict(lines) == problems
    assert lines[-1].startswith("1 files, 0 questions") and lines[-1].endswith("1 problem")


@pytest.mark.parametrize("mine_first", [True, False])
async def test_a_duplicate_across_content_folders_is_judged_as_the_app_does(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], mine_first: bool) -> None:
    """--content folders load before $NORMQUIZ_CONTENT: validate keeps that order."""
    (folder / "theirs").mkdir()
    (folder / "theirs" / "a.yaml").write_text(HEADER + TRUE_FALSE.replace("q-true-false", "zz-shared"),
                                              encoding="utf-8")
    (folder / "mine" / "b.yaml").write_text(
        HEADER + TRUE_FALSE.replace("q-true-false", "zz-shared") + TRUE_FALSE.replace("q-true-false", "zz-own"),
        encoding="utf-8")
    # mine_first: theirs comes from $NORMQUIZ_CONTENT; otherwise from an earlier --content.
    if mine_first:
        monkeypatch.setenv("NORMQUIZ_CONTENT", "theirs")
    before = [] if mine_first else ["--content", "theirs"]

    code, lines = validate([*before, "validate", "mine"], capsys)
    bank = await bank_the_app_loads([*before, "--content", "mine"], folder / "data", monkeypatch)

    problems, loaded = app_verdict(bank, "mine/b.yaml")
    if mine_first:
        assert (loaded, problems) == (["zz-shared", "zz-own"], [])
        assert lines[-1].startswith("note: 1 more problem in other files")
    else:
        assert loaded == ["zz-own"] and len(problems) == 1 and "theirs/a.yaml" in problems[0]
    assert (code, validate_verdict(lines)) == (1 if problems else 0, problems)


async def test_a_file_the_app_accepts_validates(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "mine" / "good.yaml").write_text(HEADER + TRUE_FALSE.replace("q-true-false", "zz-good"),
                                               encoding="utf-8")
    code, lines = validate(["validate", "mine/good.yaml"], capsys)
    bank = await bank_the_app_loads(["--content", "mine"], folder / "data", monkeypatch)
    assert app_verdict(bank, "mine/good.yaml") == ([], ["zz-good"])
    assert (code, validate_verdict(lines)) == (0, [])
    assert lines[-1] == "1 files, 1 questions (basic 0, intermediate 1, advanced 0; true_false 1), 0 problems"


def test_alone_checks_the_file_by_itself(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    built_in = load_bank().questions[0].id
    (folder / "mine" / "dup.yaml").write_text(HEADER + TRUE_FALSE.replace("q-true-false", built_in),
                                              encoding="utf-8")
    assert validate(["validate", "--alone", "mine/dup.yaml"], capsys)[0] == 0
    assert validate(["validate", "mine/dup.yaml"], capsys)[0] == 1
    assert main(["validate", "--alone"]) == 2
    assert capsys.readouterr().err == "normquiz validate: error: --alone checks the files named: give a PATH\n"


def test_problems_in_other_files_are_counted_but_are_not_the_files_verdict(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "theirs").mkdir()
    (folder / "theirs" / "broken.yaml").write_text("topic: [", encoding="utf-8")
    (folder / "mine" / "good.yaml").write_text(HEADER + TRUE_FALSE.replace("q-true-false", "zz-good"),
                                               encoding="utf-8")
    monkeypatch.setenv("NORMQUIZ_CONTENT", "theirs")
    code, lines = validate(["validate", "mine/good.yaml"], capsys)
    assert code == 0
    assert lines[-1] == ("note: 1 more problem in other files the app loads "
                         "(`normquiz validate` with no PATH lists them)")
    assert validate(["validate"], capsys)[0] == 1
