"""Letting removed widgets go: three places where Textual 8.2.8 keeps them alive.

A quiz swaps its answer widgets at every question and the footer rebuilds its
keys when they change. Each removed widget stayed reachable, with its styles
and rendered lines: a 24-question quiz kept some 3,000 more objects per
question, and the cyclic collector's full passes over them grew from 20 ms to
200 ms and more, landing now and then between a key press and its verdict.

- ``data_bind`` and ``watch`` leave the watcher on the watched object until
  that value changes (Textual issue #6666): FooterKey binds its footer's
  ``compact`` and TextArea watches the app's ``theme``, which seldom change.
- ``Signal.subscribe`` keeps subscribers in a WeakKeyDictionary whose values
  (callbacks closing over the node) hold the keys, pruned only when the signal
  is published; every Input subscribes to its screen's
  ``text_selection_started_signal``.
- ``query_one`` caches its results per node in an LRU of 1,024 entries keyed by
  a version number, so results for removed widgets stay until pushed out.

Each function touches Textual's private state, pinned with Textual's exact
version; ``tests/tui/test_releases.py`` fails if a change of Textual moves it.
"""

from __future__ import annotations

from typing import Any

from textual.dom import DOMNode
from textual.signal import Signal


def forget_removed_watchers(node: DOMNode) -> None:
    """Drop the watchers on ``node``'s reactive values whose owners have been removed."""
    watchers: dict[str, list[tuple[Any, Any]]] = getattr(node, "__watchers", {})  # Textual's own name
    for entries in watchers.values():
        entries[:] = [(owner, callback) for owner, callback in entries if not owner._closing]


def forget_removed_subscribers(signal: Signal[Any]) -> None:
    """Unsubscribe from ``signal`` the nodes that are no longer in the app."""
    for subscriber in list(signal._subscriptions):
        if not subscriber.is_attached:
            signal.unsubscribe(subscriber)


def release_removed_widgets(screen: Any) -> None:
    """After ``screen`` removed some of its widgets: nothing of the screen's keeps them."""
    forget_removed_subscribers(screen.text_selection_started_signal)
    forget_removed_watchers(screen.app)
    screen._query_one_cache.clear()
