"""Where the progress database lives: the data directory and its overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "normquiz"
DATA_DIR_ENV = "NORMQUIZ_DATA_DIR"
DATABASE_FILENAME = "progress.sqlite3"


def default_data_dir() -> Path:
    """The user data directory platformdirs gives for the app "normquiz".

    ``~/.local/share/normquiz`` on Linux (or under ``$XDG_DATA_HOME``),
    ``~/Library/Application Support/normquiz`` on macOS and
    ``%LOCALAPPDATA%\\normquiz`` on Windows.
    """
    # Imported here: only needed when nothing overrides the location.
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def resolve_data_dir(
    cli_value: str | os.PathLike[str] | None, environ: Mapping[str, str] = os.environ
) -> Path:
    """The data directory to use: ``--data-dir``, else ``$NORMQUIZ_DATA_DIR``, else the default.

    An empty value counts as unset, and ``~`` is expanded in both overrides;
    ``~name`` of a user that does not exist raises ``ValueError`` with a
    sentence. The directory is not created here; ``ProgressStore.open`` does that.
    """
    for value in (cli_value, environ.get(DATA_DIR_ENV)):
        if value is not None and str(value).strip():
            path = Path(os.fspath(value))
            try:
                return path.expanduser()
            except RuntimeError:  # "Could not determine home directory."
                user = path.parts[0][1:] if path.parts else ""
                who = f"there is no user {user!r}" if user else "the home directory is unknown"
                raise ValueError(f"the data directory {str(path)!r} starts with ~, but {who}: "
                                 "write the full path") from None
    return default_data_dir()
