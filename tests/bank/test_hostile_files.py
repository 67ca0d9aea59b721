"""Question files made to take normquiz down: each is refused with a located problem, the rest loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from normquiz.bank import load_paths
from tests.bank.conftest import HEADER, SINGLE, TRUE_FALSE, only_problem
from tests.normquiz_process import assert_no_traceback, run_normquiz


def _validate_beside_a_good_file(tmp_path: Path, hostile: str | bytes) -> tuple[int, list[str]]:
    """``normquiz validate`` on a folder with the hostile file and a valid one: exit code and lines."""
    (tmp_path / "good.yaml").write_text(HEADER + SINGLE, encoding="utf-8")
    target = tmp_path / "hostile.yaml"
    if isinstance(hostile, bytes):
        target.write_bytes(hostile)
    else:
        target.write_text(hostile, encoding="utf-8")
    result = run_normquiz("validate", ".", cwd=tmp_path)
    assert_no_traceback(result)
    return result.returncode, result.stdout.splitlines()


def test_validate_refuses_deep_nesting_and_still_reads_the_other_file(tmp_path: Path) -> None:
    code, lines = _validate_beside_a_good_file(tmp_path, "topic: x\nquestions: " + "[" * 200_000)
    assert code == 1
    assert "hostile.yaml:2:111: nested more than 100 levels deep" in lines
    assert lines[-1].startswith("2 files, 1 questions")
