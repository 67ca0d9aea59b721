"""The settings a person changes in the app (today: the theme), kept between runs.

They live in ``settings.json`` beside the progress database, in the data
directory. A missing, unreadable or corrupt file means the defaults (it is
rewritten at the next change): a setting is never worth a failed start. No
textual here: the app reads and writes a :class:`Settings`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from normquiz.files import write_atomically

SETTINGS_FILENAME = "settings.json"


@dataclass(frozen=True)
class Settings:
    """What the learner chose; None means "the app's default"."""

    theme: str | None = None


def load_settings(folder: Path) -> Settings:
    """The settings saved in ``folder``, or the defaults when there are none (or they are unreadable)."""
    try:
        saved = json.loads((folder / SETTINGS_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    if not isinstance(saved, dict):
        return Settings()
    known = {field.name for field in fields(Settings)}
    return Settings(**{name: value for name, value in saved.items() if name in known and isinstance(value, str)})


def save_settings(folder: Path, settings: Settings) -> bool:
    """Write ``settings`` to ``folder`` (whole or not at all); False when the folder cannot be written."""
    return write_atomically(folder / SETTINGS_FILENAME, json.dumps(asdict(settings), indent=2))
