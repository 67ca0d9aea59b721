"""Where normquiz finds its built-in question bank."""

from __future__ import annotations

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
