"""Finding question files: nothing that looks like one, or a folder of them, is skipped in silence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from normquiz.bank import load_paths
from tests.bank.conftest import HEADER, SINGLE, TRUE_FALSE
from tests.normquiz_process import assert_no_traceback, run_normquiz

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


@pytest.fixture
def bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with one good file; the working directory, so problems name relative paths."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "good.yaml").write_text(HEADER + SINGLE, encoding="utf-8")
    return folder


def _messages(folder: Path) -> list[str]:
    return [str(problem) for problem in load_paths([folder]).problems]


def test_unreadable_subfolder_is_reported(bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = bank / "locked"
    locked.mkdir()
    (locked / "q.yaml").write_text(HEADER + TRUE_FALSE, encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path: os.PathLike[str] | str) -> object:  # root reads a chmod 000 folder: simulate it
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = load_paths([bank])
    assert [str(problem) for problem in result.problems] == [
        "bank/locked:1:1: cannot read the folder (permission denied): its questions are missing"]
    assert [question.id for question in result.questions] == ["q-single"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any folder")
def test_unreadable_subfolder_for_real(bank: Path) -> None:
    locked = bank / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        assert _messages(bank) == [
            "bank/locked:1:1: cannot read the folder (permission denied): its questions are missing"]
    finally:
        locked.chmod(0o755)


def test_broken_symbolic_links_are_reported(bank: Path) -> None:
    (bank / "gone.yaml").symlink_to("nowhere.yaml")
    (bank / "gone-folder").symlink_to("missing-folder")
    assert _messages(bank) == [
        "bank/gone-folder:1:1: broken symbolic link: it points to 'missing-folder', which does not exist",
        "bank/gone.yaml:1:1: broken symbolic link: it points to 'nowhere.yaml', which does not exist",
    ]


def test_symbolic_link_loops_are_reported(bank: Path) -> None:
    (bank / "a.yaml").symlink_to("b.yaml")
    (bank / "b.yaml").symlink_to("a.yaml")
    (bank / "sub").mkdir()
    (bank / "sub" / "back").symlink_to("..")
    result = load_paths([bank])
    assert [str(problem) for problem in result.problems] == [
        "bank/a.yaml:1:1: symbolic link loop: following it leads back to itself",
        "bank/b.yaml:1:1: symbolic link loop: following it leads back to itself",
        "bank/sub/back:1:1: symbolic link loop: this folder is inside itself, so it is read once",
    ]
    assert [question.id for question in result.questions] == ["q-single"]


def test_a_linked_folder_is_read(bank: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "tf.yaml").write_text(HEADER + TRUE_FALSE, encoding="utf-8")
    (bank / "linked").symlink_to(elsewhere)
    result = load_paths([bank])
    assert result.ok and [question.id for question in result.questions] == ["q-single", "q-true-false"]


@needs_fifo
def test_a_named_pipe_called_yaml_is_reported_and_never_opened(bank: Path) -> None:
    os.mkfifo(bank / "pipe.yaml")
    os.mkfifo(bank / "pipe.txt")  # not a question file name: not ours to mention
    assert _messages(bank) == ["bank/pipe.yaml:1:1: a named pipe (FIFO), not a regular file: question "
                               "files must be plain files, so it is not read"]


@needs_fifo
def test_validate_on_a_named_pipe_does_not_hang(bank: Path) -> None:
    os.mkfifo(bank / "pipe.yaml")
    for target in ("bank", "bank/pipe.yaml"):
        result = run_normquiz("validate", target, cwd=bank.parent)
        assert_no_traceback(result)
        assert result.returncode == 1
        assert "pipe.yaml:1:1: a named pipe (FIFO), not a regular file" in result.stdout


@needs_fifo
def test_reading_a_pipe_directly_is_refused_without_blocking(bank: Path) -> None:
    from normquiz.bank.yamlsource import YamlSourceError, read_yaml_file

    os.mkfifo(bank / "pipe.yaml")
    with pytest.raises(YamlSourceError, match="not a regular file"):
        read_yaml_file(bank / "pipe.yaml")


@pytest.mark.parametrize("name", ["Q.YAML", "q.Yml", "q.yAmL"])
def test_suffixes_in_any_case_load(bank: Path, name: str) -> None:
    (bank / name).write_text(HEADER + TRUE_FALSE, encoding="utf-8")
    result = load_paths([bank])
    assert result.ok and {question.id for question in result.questions} == {"q-single", "q-true-false"}


def test_validate_exits_1_for_a_broken_link(bank: Path) -> None:
    (bank / "gone.yaml").symlink_to("nowhere.yaml")
    result = run_normquiz("validate", "bank", cwd=bank.parent)
    assert_no_traceback(result)
    assert result.returncode == 1
    assert "bank/gone.yaml:1:1: broken symbolic link" in result.stdout
