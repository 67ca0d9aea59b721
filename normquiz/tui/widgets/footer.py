"""The footer every screen uses: Textual's, but rebuilt only when the keys it shows change.

Textual's Footer rebuilds all its key widgets whenever a screen's bindings may
have changed, which is at every focus change: a verdict (the answer disabled,
"Next" focused) rebuilt it two or three times, 20-60 ms each on a busy machine,
the largest part of the key-press-to-verdict time.

A rebuild also forgets the watchers the old keys left on the footer (see
``normquiz.tui.widgets.releases``), or every rebuild's keys would stay alive.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer

from normquiz.tui.widgets.releases import forget_removed_watchers


class KeysFooter(Footer):
    """A Footer that skips the rebuild when the shown keys are the same as last time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    def _keys_shown(self) -> tuple[Any, ...]:
        active = self.screen.active_bindings
        shown = tuple((binding.key, binding.action, binding.description, enabled, tooltip)
                      for _, binding, enabled, tooltip in active.values() if binding.show)
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        return shown + ((palette[1].key, palette[2]) if palette is not None else ())

    async def _recompose_if_changed(self) -> None:
        if not self.is_attached:
            return
        shown = self._keys_shown()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()
            forget_removed_watchers(self)

