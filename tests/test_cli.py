"""The command line answers --help and --version without opening the app; its choices match the bank."""

from __future__ import annotations

import subprocess
import sys

from normquiz import __version__


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "normquiz", *args], capture_output=True, text=True
    )


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"normquiz {__version__}"


def test_help_lists_program() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "normquiz" in result.stdout
    assert "batch norm" in result.stdout


def test_the_written_out_choices_match_the_bank_and_the_store() -> None:
    import typing

    from normquiz.bank import LEVELS, QUESTION_TYPES
    from normquiz.cli import LEVEL_CHOICES, MODE_CHOICES, QUESTION_TYPE_CHOICES
    from normquiz.progress import SessionMode

    assert LEVEL_CHOICES == tuple(LEVELS)
    assert QUESTION_TYPE_CHOICES == (*QUESTION_TYPES, "all")
    assert MODE_CHOICES == typing.get_args(SessionMode)
