"""The ``normquiz`` command line: parses arguments and dispatches.

Heavy imports (textual, numpy, the bank) happen inside the branch that needs
them, so ``normquiz --help`` and ``normquiz validate`` stay fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from normquiz import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="normquiz",
        description=(
            "Interview preparation on normalization in deep learning: "
            "batch norm, layer norm and their relatives."
        ),
    )
    parser.add_argument("--version", action="version", version=f"normquiz {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    handler = getattr(args, "handler", None)
    if handler is None:  # pragma: no cover - every subcommand sets one
        parser.error(f"unknown command {args.command!r}")
    return int(handler(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
