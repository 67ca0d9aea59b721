"""The ``normquiz`` command line: parses arguments and dispatches.

Heavy imports (textual, numpy, the bank) happen inside the branch that needs
them, so ``normquiz --help`` and ``normquiz validate`` stay fast.
"""

from __future__ import annotations

import errno
import functools
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, NoReturn

from normquiz import __version__
from normquiz.cli_support import CONTENT_ENV, CommandError, content_dirs, positive_int, unknown_demo
from normquiz.vocabulary import LEVELS, MODES

if TYPE_CHECKING:
    import argparse

    from normquiz.bank.loader import LoadResult
    from normquiz.progress import ProgressStore
    from normquiz.study.request import QuizRequest
    from normquiz.tui.app import StartDemo, StartExercise

# Written out rather than imported from normquiz.bank (pydantic) to keep
# `normquiz --help` fast; a test checks they match the bank's.
LEVEL_CHOICES = LEVELS
QUESTION_TYPE_CHOICES = (
    "single_choice", "multiple_choice", "true_false", "numeric",
    "short_answer", "ordering", "open", "computed", "code", "all",
)
MODE_CHOICES = MODES
_OUTPUT_ERRNOS = (errno.ENOSPC, errno.EIO, getattr(errno, "EDQUOT", errno.ENOSPC))
# Below this the app has no room to lay out its widgets (rich fails to wrap text at width 0).
MIN_TERMINAL_COLUMNS, MIN_TERMINAL_LINES = 40, 12


@functools.cache
def _parser_class() -> type[argparse.ArgumentParser]:
    import argparse

    class _Parser(argparse.ArgumentParser):
        """Usage errors as one line (``normquiz quiz: error: ...``), exit status 2."""

        def error(self, message: str) -> NoReturn:
            self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")

    return _Parser


def build_parser() -> argparse.ArgumentParser:
    """The whole command line. Built only when a command needs it (see :func:`_app_options`)."""
    import argparse

    from normquiz.exercise_cli import add_exercise_parsers
    from normquiz.serve import add_serve_parser

    _Parser = _parser_class()
    parser = _Parser(
        prog="normquiz",
        description=(
            "Interview preparation on normalization in deep learning: "
            "batch norm, layer norm and their relatives."
        ),
    )
    parser.add_argument("--version", action="version", version=f"normquiz {__version__}")
    content_help = (f"an extra folder of question files (repeatable; also ${CONTENT_ENV}, "
                    f"folders separated by {os.pathsep!r})")
    # Both before and after the command: the command's copy leaves the global value
    # alone (SUPPRESS) unless it is given.
    content = _Parser(add_help=False)
    content.add_argument("--content", action="append", metavar="DIR", dest="content",
                         default=argparse.SUPPRESS, help=content_help)
    parser.add_argument("--content", action="append", metavar="DIR", dest="content", default=[],
                        help=content_help)
    parser.add_argument("--data-dir", metavar="DIR", dest="data_dir", default=None,
                        help="where progress is kept (also $NORMQUIZ_DATA_DIR; "
                             "default: the user data directory)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    quiz = commands.add_parser(
        "quiz", parents=[content], help="start a quiz session in the app",
        description="Open the app straight into a quiz. Every answer is saved as it is given.")
    quiz.add_argument("--level", choices=LEVEL_CHOICES, action="append", default=[],
                      help="only questions of this level (repeatable)")
    quiz.add_argument("--tag", action="append", default=[], metavar="T",
                      help="only questions with this tag (repeatable)")
    quiz.add_argument("--count", type=positive_int(), metavar="N", help="how many questions")
    quiz.add_argument("--seed", type=int, metavar="S", help="a seed for a repeatable choice and order")
    quiz.add_argument("--mode", choices=MODE_CHOICES, default="practice",
                      help="practice (default), review (what is due) or interview (timed)")
    quiz.set_defaults(handler=_quiz)

    demo = commands.add_parser("demo", help="open a demo screen", description="Open a demo screen directly.")
    demo.add_argument("name", nargs="?", metavar="NAME", help="the demo (see --list)")
    demo.add_argument("--list", action="store_true", help="list the demos, one per line")
    demo.set_defaults(handler=_demo)

    stats = commands.add_parser("stats", parents=[content], help="print a progress summary",
                                description="Print the figures of the stats screen.")
    stats.add_argument("--json", action="store_true", help="print JSON instead of text")
    stats.set_defaults(handler=_stats)

    validate = commands.add_parser(
        "validate", parents=[content], help="check question files",
        description="Check question files and report every problem as file:line:column. "
                    "Exit status: 0 valid, 1 invalid, 2 usage error.")
    validate.add_argument("paths", nargs="*", metavar="PATH",
                          help="files or folders, judged within the bank the app loads (the built-in "
                               "bank and --content folders), as if added with --content "
                               "(default: that whole bank)")
    validate.add_argument("--alone", action="store_true",
                          help="check the PATHs by themselves: ids are not compared with the rest of the bank")
    validate.set_defaults(handler=_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of question files")
    schema.set_defaults(handler=_schema)

    new = commands.add_parser("new", help="write a commented template question file")
    new.add_argument("path", metavar="PATH", help="the file to create (never overwritten)")
    new.add_argument("--type", dest="question_type", choices=QUESTION_TYPE_CHOICES,
                     default="single_choice", metavar="T",
                     help="question type, or 'all' for one of each (default: single_choice)")
    new.set_defaults(handler=_new)

    export = commands.add_parser("export", parents=[content],
                                 help="write the bank as a study guide or an Anki deck")
    export.add_argument("--format", choices=("markdown", "anki"), default="markdown",
                        help="markdown (default) or anki (an .apkg package; needs normquiz[anki])")
    export.add_argument("--level", choices=LEVEL_CHOICES, action="append",
                        help="only questions of this level (repeatable)")
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.set_defaults(handler=_export)

    add_exercise_parsers(commands, content, run_app=lambda args, start: _run_app(args, start))
    add_serve_parser(commands, app_parser=build_parser)
    return parser


def _validate(args: argparse.Namespace) -> int:
    from normquiz.bank import LEVELS, QUESTION_TYPES, load_bank
    from normquiz.bank.validation import validate_paths

    elsewhere = 0
    if args.alone and not args.paths:
        raise CommandError("--alone checks the files named: give a PATH", exit_code=2)
    if args.paths:
        missing = [path for path in args.paths if not Path(path).exists()]
        if missing:
            raise CommandError(f"no such file or folder: {missing[0]}", exit_code=2)
        verdict = validate_paths(args.paths, content_dirs(args, added=args.paths), alone=args.alone)
        result, elsewhere = verdict.result, verdict.problems_elsewhere
    else:
        result = load_bank(content_dirs(args))
    for problem in result.problems:
        print(problem)
    for report in result.skipped_files:
        print(f"skipped {report.path}: nothing in it could be loaded")
    levels, types = result.counts("level"), result.counts("type")
    per_level = ", ".join(f"{level} {levels[level]}" for level in LEVELS)
    per_type = ", ".join(f"{kind} {types[kind]}" for kind in QUESTION_TYPES if types[kind])
    problems = len(result.problems)
    print(f"{len(result.files)} files, {len(result.questions)} questions "
          f"({per_level}; {per_type or 'no types'}), "
          f"{problems} problem{'s' if problems != 1 else ''}")
    if elsewhere:
        print(f"note: {elsewhere} more problem{'s' * (elsewhere != 1)} in other files the app loads "
              "(`normquiz validate` with no PATH lists them)")
    return 0 if result.ok else 1


def _schema(args: argparse.Namespace) -> int:
    from normquiz.bank.schema import schema_text

    sys.stdout.write(schema_text())
    return 0


def _new(args: argparse.Namespace) -> int:
    from normquiz.bank.scaffold import template_file

    path = Path(args.path)
    if path.exists():
        raise CommandError(f"{path} already exists: choose another name (it is never overwritten)")
    text = template_file(args.question_type, topic_slug=path.stem, file_name=path.name)
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None
    print(f"wrote {path}; check it with: normquiz validate {path}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from normquiz.bank import load_bank
    from normquiz.bank.export import export_markdown, selected_questions

    if args.format == "anki" and args.output is None:
        raise CommandError("--format anki writes a binary package: name it with -o FILE.apkg", exit_code=2)
    result = load_bank(content_dirs(args))
    for problem in result.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if args.format == "anki":
        return _export_anki(result, args)
    text = export_markdown(result, levels=args.level)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot write {args.output}: {error.strerror or error}") from None
    print(f"wrote {len(selected_questions(result, args.level))} questions to {args.output}")
    return 0


def _export_anki(result: LoadResult, args: argparse.Namespace) -> int:
    from normquiz.bank.anki import AnkiUnavailable, write_anki_package

    try:
        written = write_anki_package(result, args.output, levels=args.level)
    except AnkiUnavailable as error:
        raise CommandError(str(error), exit_code=2) from None
    except OSError as error:
        raise CommandError(f"cannot write {args.output}: {error.strerror or error}") from None
    computed = f", {written.computed} computed ones as their seed-0 instance" if written.computed else ""
    print(f"wrote {written.notes} notes in {written.decks} decks to {args.output}{computed}; "
          "importing it again updates the notes")
    return 0


# The app's arrays are small, and its event loop and worker threads already
# share the cores: a multi-threaded BLAS only spins against them (a 300-step
# training demo run took 12 s instead of 0.4 s on a busy 2-core machine).
# Must be set before NumPy is first imported; the user's own setting wins.
_SINGLE_THREADED_BLAS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _run_app(args: argparse.Namespace, start: QuizRequest | StartDemo | StartExercise | None = None) -> int:
    problem = _terminal_problem()
    if problem is not None:
        raise CommandError(problem, exit_code=2)
    for name, value in _SINGLE_THREADED_BLAS.items():
        os.environ.setdefault(name, value)
    from normquiz.tui.app import NormquizApp

    app = NormquizApp(content_dirs=content_dirs(args), data_dir=_data_dir(args), start=start)
    app.run()
    return _after_app(app.return_code, app.store)


def _terminal_problem() -> str | None:
    """Why the app cannot run here (no terminal for its keys or its screen, or a tiny one), or None."""
    if os.environ.get("TEXTUAL_DRIVER"):  # `normquiz serve` runs each tab on textual-serve's driver
        return None
    for stream, role in ((sys.stdin, "input"), (sys.stdout, "output")):
        try:
            is_terminal = stream is not None and stream.isatty()
        except (ValueError, OSError):
            is_terminal = False
        if not is_terminal:
            return (f"the app needs a terminal, and its {role} is not one: run normquiz in a terminal "
                    "window (`normquiz stats` prints a text summary anywhere)")
    columns, lines = shutil.get_terminal_size((80, 24))
    if columns < MIN_TERMINAL_COLUMNS or lines < MIN_TERMINAL_LINES:
        return (f"the terminal is {columns}x{lines}: normquiz needs at least {MIN_TERMINAL_COLUMNS}x"
                f"{MIN_TERMINAL_LINES}, so enlarge the window")
    return None


def _after_app(return_code: int | None, store: ProgressStore | None) -> int:
    """The exit status once the app has closed, with a line for what the learner must know."""
    unsaved = 0
    if store is not None:
        store.close()  # commits answers still waiting for another program's lock
        unsaved = store.unsaved_answers
    if return_code:
        print("normquiz: error: the app stopped because of an internal error (details above)", file=sys.stderr)
    if unsaved:
        reason = store.not_saving_reason or "another program kept the database locked"  # type: ignore[union-attr]
        print(f"normquiz: error: {unsaved} answer{'s' * (unsaved != 1)} could not be saved: {reason}",
              file=sys.stderr)
    return return_code or (1 if unsaved else 0)


def _data_dir(args: argparse.Namespace) -> Path:
    from normquiz.progress import resolve_data_dir

    try:
        return resolve_data_dir(args.data_dir)
    except ValueError as error:
        raise CommandError(str(error), exit_code=2) from None


def _quiz(args: argparse.Namespace) -> int:
    if args.tag:
        from normquiz.bank import load_bank

        known = {tag for question in load_bank(content_dirs(args)).questions for tag in question.tags}
        unknown = [tag for tag in args.tag if tag not in known]
        if unknown:
            from normquiz.bank.problem import did_you_mean

            raise CommandError(f"no question has the tag {unknown[0]!r}{did_you_mean(unknown[0], known)}",
                               exit_code=2)
    from normquiz.study.request import QuizRequest

    start = QuizRequest(levels=tuple(args.level), tags=tuple(args.tag), count=args.count, seed=args.seed,
                        mode=args.mode)
    return _run_app(args, start)


def _demo(args: argparse.Namespace) -> int:
    if args.list:
        from normquiz.bank.demos import DEMOS

        for demo in DEMOS.values():
            print(f"{demo.name:<14} {demo.description}")
        return 0
    if args.name is None:
        raise CommandError("name a demo, or list them with `normquiz demo --list`", exit_code=2)
    problem = unknown_demo(args.name)
    if problem is not None:
        raise CommandError(problem, exit_code=2)
    from normquiz.tui.app import StartDemo

    return _run_app(args, StartDemo(args.name))


def _stats(args: argparse.Namespace) -> int:
    from normquiz.bank import load_bank
    from normquiz.progress import ProgressStore, progress_stats

    bank = load_bank(content_dirs(args))
    with ProgressStore.open(_data_dir(args)) as store:
        stats = progress_stats(store, bank.catalog())
        for notice in store.notices:  # after the reads: rows left out for bad values are noted then
            print(f"note: {notice}", file=sys.stderr)
    print(stats.to_json() if args.json else stats.format_text())
    return 0


def _app_options(argv: Sequence[str]) -> SimpleNamespace | None:
    """The app's own options when ``argv`` has nothing else (``normquiz``, ``normquiz --data-dir D``).

    The most common command needs no parser, and building the whole command
    line (every subcommand's options) costs about 5% of the app's start. Any
    other token (a command, help, an abbreviation, a value that looks like an
    option) is left to argparse: None.
    """
    content: list[str] = []
    data_dir = None
    tokens = iter(argv)
    for token in tokens:
        name, equals, value = token.partition("=")
        if name not in ("--content", "--data-dir"):
            return None
        if not equals:
            following = next(tokens, None)
            if following is None or following.startswith("-"):
                return None
            value = following
        if name == "--content":
            content.append(value)
        else:
            data_dir = value
    return SimpleNamespace(command=None, content=content, data_dir=data_dir)


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_output()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _app_options(argv)
    if args is None:
        parser = build_parser()
        args = parser.parse_args(argv)
        handler = _run_app if args.command is None else getattr(args, "handler", None)
        if handler is None:  # pragma: no cover - every subcommand sets one
            parser.error(f"unknown command {args.command!r}")
    else:
        handler = _run_app
    command = f"normquiz {args.command}" if args.command else "normquiz"
    try:
        code = int(handler(args) or 0)
        sys.stdout.flush()  # a full disk shows here, not as an "Exception ignored" at exit
        return code
    except CommandError as error:
        print(f"{command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `normquiz stats | head`
        _silence_stdout()
        sys.stderr.close()
        return 0
    except OSError as error:
        if error.filename is not None or error.errno not in _OUTPUT_ERRNOS:
            raise
        _silence_stdout()  # `normquiz schema > /dev/full`
        print(f"{command}: error: cannot write the output: {error.strerror or error}", file=sys.stderr)
        return 1


def _tolerant_output() -> None:
    """A terminal or pipe that cannot encode a character gets an escape (\\xe9), not a traceback."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
