"""Fixtures of the demo tests: a harness app per demo, a temporary data dir, no cursor blink."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    """Demos never touch progress, but nothing in a test may reach the real user data dir."""
    monkeypatch.setenv("NORMQUIZ_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch):
    from textual.widgets import Input

    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)
