"""What ``normquiz serve`` was asked for, and the warnings its settings call for: shared by the
command (which checks the options) and the server (which applies them)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_TABS = 8
EXERCISES_ENV = "NORMQUIZ_EXERCISES"
"""Set to "disabled" in every tab's environment unless --allow-exercises: the app then runs no learner code."""
PROG = "normquiz serve"


@dataclass(frozen=True)
class ServeSettings:
    """What ``normquiz serve`` was asked for, checked."""

    app_args: tuple[str, ...] = ()
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    shared_data_dir: Path | None = None
    allow_hosts: tuple[str, ...] = ()
    max_tabs: int = DEFAULT_MAX_TABS
    allow_exercises: bool = False

    def tab_environment(self) -> dict[str, str]:
        """What every tab's app gets in its environment on top of the server's."""
        return {} if self.allow_exercises else {EXERCISES_ENV: "disabled"}


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, port: int) -> str:
    """The warning printed when the server listens on an address other machines can reach."""
    return (f"{PROG}: warning: listening on {host}: anyone who can reach this machine on port {port} "
            "can use the app, with no password; serve only on a network you trust, and stop the "
            "server (Ctrl-C) when the class is over")


def exercises_warning(host: str) -> str:
    """The warning printed when tabs that others can open may run code (--allow-exercises, another --host)."""
    return (f"{PROG}: warning: --allow-exercises with --host {host}: anyone who can open the page "
            "can run Python code on this machine, as you")
