"""The normquiz themes, registered next to Textual's built-in ones, and an app that starts in the
theme the learner chose last time."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.app import App
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


class RememberedThemeApp(App[None]):
    """Our themes registered, the one chosen last time from the first frame on, a new choice saved
    (``settings.json`` in the data folder: ``normquiz.study.settings``)."""

    _settings_folder: Path | None = None
    _themed = False  # until start_in_saved_theme: App.__init__ asks for variables before that

    def start_in_saved_theme(self, settings_folder: Path | None) -> None:
        """Call in ``__init__``, after ``super().__init__()``: before anything is styled."""
        for theme in THEMES:
            self.register_theme(theme)
        self._settings_folder = settings_folder
        self._start_with_theme(self._saved_theme() or DEFAULT_THEME)

    def _saved_theme(self) -> str | None:
        if self._settings_folder is None:
            return None
        from normquiz.study.settings import load_settings

        theme = load_settings(self._settings_folder).theme
        return theme if theme in self.available_themes else None

    def _start_with_theme(self, theme: str) -> None:
        """Set the theme before anything is styled, without the restyle a theme change costs.

        Setting ``self.theme`` runs Textual's watcher, which re-parses every
        stylesheet after the first message (13 ms of a 60 ms start-up). Nothing
        is parsed yet, so the stylesheet only needs the theme's variables, and
        the app the classes and colour filter the watcher would give it.
        """
        self.set_reactive(App.theme, theme)
        self._themed = True
        self.stylesheet.set_variables(self.get_css_variables())
        dark = self.current_theme.dark
        self.update_classes({f"-theme-{theme}": True, "-dark-mode": dark, "-light-mode": not dark}, update=False)
        self._refresh_truecolor_filter(self.ansi_theme)

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables; none for ``App.__init__``'s stylesheet, made before our themes are
        registered: ``_start_with_theme`` gives it the chosen theme's before anything is parsed
        (generating a theme's variables is about 1% of a start)."""
        return super().get_css_variables() if self._themed else {}

    def watch_theme(self, theme: str) -> None:
        """Remember the theme the learner picks (the command palette's "Change theme")."""
        if not self._themed or self._settings_folder is None:
            return
        from normquiz.study.settings import load_settings, save_settings

        saved = load_settings(self._settings_folder)
        if saved.theme != theme:
            save_settings(self._settings_folder, replace(saved, theme=theme))
