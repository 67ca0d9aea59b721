"""What the ``normquiz`` command line and ``normquiz serve`` share: errors, content folders, demo names.

Both entry points import this module; neither imports the other at module
level. Only the standard library is imported here (the bank is imported
inside the functions that need it), so ``normquiz --help`` stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

CONTENT_ENV = "NORMQUIZ_CONTENT"


class CommandError(Exception):
    """A failure to report as one line on stderr, with an exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def positive_int(plural: str = "", singular: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number of at least 1, named in its errors ("tabs", "tab")."""
    of = f" of {plural}" if plural else ""
    one = f" {singular}" if singular else ""

    def parse(text: str) -> int:
        import argparse  # not at import: the app's own start builds no parser

        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number{of}, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"expected at least 1{one}, got {value}")
        return value

    return parse


def content_dirs(args: argparse.Namespace, *, added: Sequence[str] = ()) -> list[Path]:
    """The extra question folders: ``--content`` options, ``added`` paths, then ``$NORMQUIZ_CONTENT``.

    ``added`` (files or folders) take the place a last ``--content`` would: what
    ``validate PATH`` judges the paths as.
    """
    from_env = [part for part in os.environ.get(CONTENT_ENV, "").split(os.pathsep) if part]
    folders = [Path(folder) for folder in [*getattr(args, "content", []), *from_env]]
    for folder in folders:
        if not folder.is_dir():
            raise CommandError(f"content folder {str(folder)!r} does not exist", exit_code=2)
    options = len(getattr(args, "content", []))
    return [*folders[:options], *map(Path, added), *folders[options:]]


def unknown_demo(name: str) -> str | None:
    """Why there is no demo ``name`` (with a suggestion), or None when there is."""
    from normquiz.bank.demos import DEMOS

    if name in DEMOS:
        return None
    from normquiz.bank.problem import did_you_mean

    return f"there is no demo {name!r}{did_you_mean(name, DEMOS)} (see `normquiz demo --list`)"
