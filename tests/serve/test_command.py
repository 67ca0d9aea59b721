"""The ``normquiz serve`` command: options, checks, messages, and what it imports."""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from normquiz.cli import build_parser, main
from normquiz.serve import add_serve_parser
from normquiz.serve.command import INSTALL_HINT, check_app_args
from normquiz.serve.settings import is_loopback

from .server_process import serve_argv, wait_until


def parse(*argv: str) -> argparse.Namespace:
    """Parse like the main command line: a global --data-dir, then the subcommand."""
    parser = argparse.ArgumentParser(prog="normquiz")
    parser.add_argument("--data-dir", dest="data_dir", default=None)
    add_serve_parser(parser.add_subparsers(dest="command"), app_parser=build_parser)
    return parser.parse_args(list(argv))


def run_serve_command(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(serve_argv(*args), capture_output=True, text=True, timeout=timeout)


def test_defaults_bind_loopback_port_8000_with_the_home_screen() -> None:
    args = parse("serve")
    assert (args.host, args.port, args.data_dir, args.app_args) == ("127.0.0.1", 8000, None, [])
    assert (args.max_tabs, args.allow_hosts, args.allow_exercises) == (8, [], False)


def test_guard_options() -> None:
    args = parse("serve", "--max-tabs", "30", "--allow-host", "mylaptop.local",
                 "--allow-host", "localhost:9000", "--allow-exercises")
    assert (args.max_tabs, args.allow_hosts, args.allow_exercises) == (
        30, ["mylaptop.local", "localhost:9000"], True)


@pytest.mark.parametrize(("option", "message"), [
    ("--max-tabs=0", "expected at least 1 tab, got 0"),
    ("--max-tabs=many", "expected a whole number of tabs, got 'many'"),
    ("--allow-host=http://evil.example/", "expected a host name or address"),
    ("--allow-host=host:99999", "expected a host name or address"),
])
def test_bad_guard_options_are_usage_errors(option: str, message: str, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", option])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_options_and_the_command_after_double_dash() -> None:
    args = parse("serve", "--host", "0.0.0.0", "--port", "9000", "--data-dir", "d",
                 "--", "quiz", "--level", "basic", "--count", "3")
    assert (args.host, args.port, args.data_dir) == ("0.0.0.0", 9000, "d")
    assert args.app_args == ["quiz", "--level", "basic", "--count", "3"]
    assert parse("--data-dir", "global", "serve").data_dir == "global"


def test_importing_the_command_imports_no_server_no_ui_and_not_the_cli() -> None:
    code = ("import sys, normquiz.serve\n"
            "print(','.join(m for m in ('aiohttp', 'textual_serve', 'textual', 'rich', 'jinja2', "
            "'normquiz.cli') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_without_textual_serve_it_says_how_to_install_it() -> None:
    code = (
        "import sys\n"
        "class Missing:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('textual_serve', 'aiohttp'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Missing())\n"
        "from normquiz.cli import main\n"
        "sys.exit(main(['serve']))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr == INSTALL_HINT + "\n"
    assert "pip install 'normquiz[serve]'" in INSTALL_HINT


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.1.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("example.org", False),
])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("app_args", [[], ["quiz"], ["quiz", "--level", "basic", "--seed", "3"],
                                      ["demo", "axes"]])
def test_app_commands_are_accepted(app_args: list[str]) -> None:
    assert check_app_args(app_args, build_parser()) is None


@pytest.mark.parametrize(("app_args", "reason"), [
    (["stats"], "not `stats`"),
    (["serve"], "not `serve`"),
    (["demo"], "name the demo"),
    (["demo", "no-such-demo"], "there is no demo 'no-such-demo'"),
    (["--data-dir", "elsewhere", "quiz"], "put --data-dir before --"),
    (["quiz", "--content", "/no/such/folder"], "does not exist"),
    (["quiz", "--level", "expert"], "not one normquiz understands"),
])
def test_other_commands_are_refused(app_args: list[str], reason: str, capsys) -> None:
    assert re.search(reason, check_app_args(app_args, build_parser()) or "")


def test_a_missing_content_folder_in_the_environment_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("NORMQUIZ_CONTENT", "/no/such/folder")  # every tab would inherit it
    assert check_app_args(["quiz"], build_parser()) == "content folder '/no/such/folder' does not exist"


def test_a_refused_command_is_a_usage_error(capsys) -> None:
    assert main(["serve", "--", "stats"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("normquiz serve: error: a tab can run the app")
    assert err.count("\n") == 1


def test_a_tab_runs_this_python_without_a_shell() -> None:
    from normquiz.serve.launcher import tab_argv

    data_dir = Path("/tmp/a store with 'quotes' and $HOME")
    argv = tab_argv(["quiz", "--tag", "batch norm; rm -rf ~"], data_dir)
    assert argv == [sys.executable, "-m", "normquiz", "--data-dir", str(data_dir),
                    "quiz", "--tag", "batch norm; rm -rf ~"]


def test_port_in_use_is_one_line_and_exit_1() -> None:
    pytest.importorskip("textual_serve")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_serve_command("--port", str(port))
    assert result.returncode == 1
    assert result.stderr == (f"normquiz serve: error: port {port} on 127.0.0.1 is already in use; "
                             "pick another with --port\n")
    assert result.stdout == ""


def test_another_host_is_served_with_a_warning(start_server) -> None:
    server = start_server("--host", "0.0.0.0")
    port = server.url.rstrip("/").rsplit(":", 1)[1]
    assert server.url.startswith("http://0.0.0.0:")
    # Printed just before the "serving" line, on stderr (read by another thread).
    assert wait_until(lambda: any("warning" in line for line in server.stderr), timeout=5)
    warnings = [line for line in server.stderr if "warning" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"normquiz serve: warning: listening on 0.0.0.0: anyone who can reach "
                                  f"this machine on port {port} can use the app, with no password")


def test_loopback_is_served_without_a_warning(start_server) -> None:
    server = start_server()
    assert server.url.startswith("http://127.0.0.1:")
    assert not [line for line in server.stderr if "warning" in line]
