"""The command line answers --help and --version without opening the app; its choices match the bank."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

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


TOKENS = ["--content", "--data-dir", "--content=x", "--data-dir=d", "--data-dir=", "--data", "--cont", "x", "d",
          "-x", "--", "-h", "--help", "--version", "quiz", "demo", "stats", "--level", "basic", "--data-dir=-x"]


@given(st.lists(st.sampled_from(TOKENS), max_size=6))
def test_the_apps_own_options_are_read_as_argparse_reads_them(argv: list[str]) -> None:
    """``normquiz [--content D] [--data-dir D]`` skips building the parser: same result, or argparse decides."""
    from normquiz.cli import _app_options, build_parser

    fast = _app_options(argv)
    if fast is None:
        return
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            parsed = build_parser().parse_args(argv)
        except SystemExit:
            raise AssertionError(f"argparse refuses {argv!r}, the fast path took it") from None
    assert (parsed.command, parsed.content, parsed.data_dir) == (fast.command, fast.content, fast.data_dir)


def test_the_fast_path_takes_the_plain_commands_and_nothing_else() -> None:
    from normquiz.cli import _app_options

    assert vars(_app_options([])) == {"command": None, "content": [], "data_dir": None}
    assert vars(_app_options(["--content", "a", "--data-dir=d", "--content=b"])) == {
        "command": None, "content": ["a", "b"], "data_dir": "d"}
    for argv in (["quiz"], ["--help"], ["--data", "d"], ["--data-dir"], ["--content", "-x"], ["--", "x"]):
        assert _app_options(argv) is None, argv
