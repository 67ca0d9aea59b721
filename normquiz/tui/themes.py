"""The normquiz themes, registered by the app next to Textual's built-in ones."""

from __future__ import annotations

from textual.theme import Theme

NORMQUIZ_DARK = Theme(
    name="normquiz",
    primary="#5FA8D3",
    secondary="#62B6CB",
    accent="#F4A261",
    warning="#E9C46A",
    error="#E76F51",
    success="#7BC47F",
    foreground="#E6EDF3",
    background="#101820",
    surface="#17222D",
    panel="#1F2E3B",
    dark=True,
)

NORMQUIZ_LIGHT = Theme(
    name="normquiz-light",
    primary="#1D6FA3",
    secondary="#2A8C9E",
    accent="#B5561B",
    warning="#9A6B00",
    error="#B3261E",
    success="#2E7D32",
    foreground="#1B2630",
    background="#F7F9FB",
    surface="#EDF1F5",
    panel="#DDE5EC",
    dark=False,
)

THEMES: tuple[Theme, ...] = (NORMQUIZ_DARK, NORMQUIZ_LIGHT)
DEFAULT_THEME = NORMQUIZ_DARK.name
