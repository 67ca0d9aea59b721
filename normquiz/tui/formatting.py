"""How the screens write times: ``m:ss`` for a countdown or a session's length."""

from __future__ import annotations


def format_seconds(seconds: float) -> str:
    """``75.4`` -> ``1:15``; negative times show as ``0:00``."""
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"
