"""The ``normquiz exercise`` and ``normquiz check`` commands: open a coding exercise, or grade a file.

``cli.py`` only registers the subparsers (``add_exercise_parsers``); the bank,
NumPy and the runner are imported when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from normquiz.bank import LoadResult
    from normquiz.bank.model import CodeQuestion


def add_exercise_parsers(commands: argparse._SubParsersAction,  # type: ignore[type-arg]
                         content: argparse.ArgumentParser, run_app: Callable[[argparse.Namespace, Any], int]) -> None:
    """Register ``exercise`` and ``check``; ``content`` is the parent parser with ``--content``,
    ``run_app(args, start)`` opens the app (the CLI's own)."""
    exercise = commands.add_parser(
        "exercise", parents=[content], help="open a coding exercise in the app",
        description="Open a coding exercise: write the function, run the checks, see the reference.")
    exercise.add_argument("exercise_id", nargs="?", metavar="ID", help="the exercise (see --list)")
    exercise.add_argument("--list", action="store_true", help="list the exercises, one per line")
    exercise.set_defaults(handler=run_exercise_command, run_app=run_app)

    check = commands.add_parser(
        "check", parents=[content], help="run an exercise's checks on a Python file",
        description="Run the checks of a coding exercise on your file, one line per check. "
                    "Exit status: 0 all pass, 1 any fails, 2 usage error.")
    check.add_argument("path", metavar="PATH", help="the Python file that defines the function")
    check.add_argument("--exercise", required=True, metavar="ID", help="the exercise (see `normquiz exercise --list`)")
    check.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the check inputs (default 0)")
    check.set_defaults(handler=run_check_command)


def code_questions(bank: LoadResult) -> dict[str, CodeQuestion]:
    from normquiz.bank.model import CodeQuestion

    return {question.id: question for question in bank.questions if isinstance(question, CodeQuestion)}


def _find(args: argparse.Namespace, exercise_id: str) -> CodeQuestion:
    from normquiz.bank import load_bank
    from normquiz.bank.problem import did_you_mean
    from normquiz.cli_support import CommandError, content_dirs

    questions = code_questions(load_bank(content_dirs(args)))
    if exercise_id not in questions:
        raise CommandError(f"there is no exercise {exercise_id!r}{did_you_mean(exercise_id, questions)} "
                           "(see `normquiz exercise --list`)", exit_code=2)
    return questions[exercise_id]


def run_exercise_command(args: argparse.Namespace) -> int:
    from normquiz.bank import load_bank
    from normquiz.cli_support import content_dirs

    if args.list:
        for question in code_questions(load_bank(content_dirs(args))).values():
            print(f"{question.id:<18} {question.level:<13} {question.signature}")
        return 0
    from normquiz.tui.app import StartExercise

    exercise_id = _find(args, args.exercise_id).id if args.exercise_id else None
    return args.run_app(args, StartExercise(exercise_id))


def run_check_command(args: argparse.Namespace) -> int:
    from normquiz.cli_support import CommandError
    from normquiz.study.exercise_run import ExercisesDisabled, run_exercise

    question = _find(args, args.exercise)
    path = Path(args.path)
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file", exit_code=2) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: cannot read it ({error})", exit_code=2) from None
    try:
        report = run_exercise(question.exercise, source, seed=args.seed)
    except ExercisesDisabled as error:
        raise CommandError(str(error), exit_code=2) from None
    if report.output:
        print(f"{path} printed:\n{report.output}\n", file=sys.stderr)
    text = report.text()
    print(text or "no checks ran")
    passed = sum(1 for line in report.lines if line.passed)
    tally = f"{passed} of {len(report.lines)} passed" if report.lines else "the checks could not run"
    print(f"\n{question.id}: {'all checks pass' if report.passed else 'not yet'} ({tally})")
    return 0 if report.passed else 1
