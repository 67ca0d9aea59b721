"""Fixtures of the cache tests: a cache folder of the test's own, and a bank of files old enough to be cached."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from normquiz.bank.scaffold import template_file
from tests.bank.conftest import HEADER, SINGLE, TRUE_FALSE

HOUR_NS = 3600 * 10**9


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NORMQUIZ_CACHE_DIR", str(folder))
    monkeypatch.chdir(tmp_path)
    return folder


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    """Two files written an hour ago (older than the racy window, so they are cached)."""
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "all.yaml").write_text(template_file("all", topic_slug="all"), encoding="utf-8")
    (folder / "small.yaml").write_text(HEADER + SINGLE + TRUE_FALSE, encoding="utf-8")
    for path in folder.iterdir():
        age(path)
    return folder


def age(path: Path, hours: int = 1) -> None:
    """Set the file's modification time ``hours`` back (a different value each time it is called)."""
    then = time.time_ns() - hours * HOUR_NS
    os.utime(path, ns=(then, then))
