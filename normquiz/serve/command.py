"""The ``normquiz serve`` command: its parser, its checks, and the call into the server.

Only the standard library is imported here, so that ``normquiz --help`` stays
fast; textual-serve and aiohttp are imported when a server is about to start.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from normquiz.cli_support import CommandError, content_dirs, positive_int, unknown_demo
from normquiz.serve.origin import split_host
from normquiz.serve.settings import (
    DEFAULT_HOST,
    DEFAULT_MAX_TABS,
    DEFAULT_PORT,
    PROG,
    ServeSettings,
)

INSTALL_HINT = f"{PROG}: textual-serve is not installed: pip install 'normquiz[serve]'"
# What a tab may run: the commands that open the app. The others print and exit.
APP_COMMANDS = (None, "quiz", "demo")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {value}")
    return value


def _host_name(text: str) -> str:
    if split_host(text) is None:
        raise argparse.ArgumentTypeError(
            f"expected a host name or address, optionally with :PORT, got {text!r}")
    return text


def add_serve_parser(subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
                     app_parser: Callable[[], argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``serve`` subcommand to ``subparsers``; its handler is ``run_serve``.

    ``app_parser`` makes the parser of the ``normquiz`` command line, which
    checks what each tab runs (passed in, so that serve does not import the CLI).
    """
    parser = subparsers.add_parser(
        "serve", help="serve the app to web browsers, one app per tab",
        description=(
            "Serve normquiz to web browsers with textual-serve: every browser tab gets its own "
            "app process and, unless --data-dir is given, its own temporary progress store, "
            "deleted when the tab closes. The page needs no internet access."),
        epilog=(
            "examples: `normquiz serve`, `normquiz serve -- demo cube`, "
            "`normquiz serve --port 8080 -- quiz --level basic`, "
            "`normquiz serve --data-dir ~/talk` (all tabs share one store)"))
    parser.add_argument(
        "--host", default=DEFAULT_HOST,
        help=f"the address to listen on (default {DEFAULT_HOST}: this machine only); "
             "any other address lets anyone who can reach it use the app")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT,
                        help=f"the port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    # SUPPRESS: `normquiz --data-dir DIR serve` (the global option) works as well.
    parser.add_argument(
        "--data-dir", metavar="DIR", dest="data_dir", default=argparse.SUPPRESS,
        help="one progress store shared by every tab (default: a new temporary store per tab, "
             "removed when the tab closes; $NORMQUIZ_DATA_DIR is not used)")
    parser.add_argument(
        "--allow-host", metavar="NAME[:PORT]", action="append", type=_host_name, default=[],
        dest="allow_hosts",
        help="also answer requests that reach the server by this name (repeatable): a LAN name "
             "such as mylaptop.local, or NAME:PORT for an SSH tunnel or a proxy on another port; "
             "127.0.0.1, localhost, [::1] and --host are always answered")
    parser.add_argument(
        "--max-tabs", metavar="N", type=positive_int("tabs", "tab"), default=DEFAULT_MAX_TABS,
        help=f"at most N tabs at once, each an app process (default {DEFAULT_MAX_TABS}); "
             "a room of learners needs one per learner")
    parser.add_argument(
        "--allow-exercises", action="store_true",
        help="let the tabs run learners' code in coding exercises (off by default: whoever can open "
             "the page could then run programs on this machine as you)")
    parser.add_argument(
        "app_args", nargs="*", metavar="-- ARGS",
        help="what each tab runs, after `--`: `demo NAME` or `quiz [OPTIONS]` "
             "(default: the home screen)")
    parser.set_defaults(handler=run_serve, app_parser=app_parser)
    return parser


def check_app_args(app_args: Sequence[str], app_parser: argparse.ArgumentParser) -> str | None:
    """Why each tab could not run ``normquiz APP_ARGS``, or None when it can.

    ``app_parser`` (the normquiz parser) prints usage errors itself (and they return a reason too).
    """
    try:
        parsed = app_parser.parse_args(list(app_args))
    except SystemExit:
        return "the command after -- is not one normquiz understands (see above)"
    if parsed.command not in APP_COMMANDS:
        return (f"a tab can run the app, `demo NAME` or `quiz ...`, not `{parsed.command}` "
                "(the command after --)")
    if parsed.data_dir is not None:
        return "put --data-dir before --: `normquiz serve --data-dir DIR -- ...`"
    if parsed.command == "demo":
        if parsed.list or parsed.name is None:
            return "name the demo each tab opens: `normquiz serve -- demo NAME` (see `normquiz demo --list`)"
        problem = unknown_demo(parsed.name)
        if problem is not None:
            return problem
    try:
        content_dirs(parsed)  # the tabs inherit $NORMQUIZ_CONTENT too
    except CommandError as error:
        return str(error)
    return None


def run_serve(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C or SIGTERM; exit status 0, 1 when it cannot start, 2 on a usage error."""
    app_args = list(args.app_args)
    if app_args[:1] == ["--"]:  # kept by argparse on some Python versions
        app_args = app_args[1:]
    problem = check_app_args(app_args, args.app_parser())
    if problem is not None:
        print(f"{PROG}: error: {problem}", file=sys.stderr)
        return 2
    data_dir = getattr(args, "data_dir", None)
    shared_data_dir = Path(data_dir).expanduser().resolve() if data_dir else None
    if shared_data_dir is not None and shared_data_dir.exists() and not shared_data_dir.is_dir():
        print(f"{PROG}: error: --data-dir {data_dir} is a file, not a folder", file=sys.stderr)
        return 2
    try:
        import aiohttp  # noqa: F401
        import textual_serve  # noqa: F401
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return 1
    from normquiz.serve.server import serve_forever

    return serve_forever(ServeSettings(
        app_args=tuple(app_args), host=args.host, port=args.port, shared_data_dir=shared_data_dir,
        allow_hosts=tuple(args.allow_hosts), max_tabs=args.max_tabs,
        allow_exercises=args.allow_exercises))
