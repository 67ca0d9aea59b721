"""Where normquiz finds its built-in question bank, and what a bank load reads."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def builtin_content_dir() -> Path:
    """The folder of the built-in question files.

    A wheel carries them inside the package (``normquiz/content``); a source
    checkout or an editable install has them at the project root.
    """
    shipped = _PACKAGE_DIR / "content"
    if shipped.is_dir():
        return shipped
    return _PACKAGE_DIR.parent / "content"


def bank_paths(extra_dirs: Iterable[str | os.PathLike[str]] = (), *, include_builtin: bool = True
               ) -> list[str | os.PathLike[str]]:
    """What a bank load reads, in order: the built-in folder (unless left out), then ``extra_dirs``."""
    return [*([builtin_content_dir()] if include_builtin else []), *extra_dirs]
