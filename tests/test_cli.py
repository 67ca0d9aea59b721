"""The command line answers --help and --version without opening the app."""

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
