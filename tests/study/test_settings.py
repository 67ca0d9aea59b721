"""Settings kept between runs: read back as written; a missing or corrupt file means the defaults."""

from __future__ import annotations

from pathlib import Path

from normquiz.study.settings import SETTINGS_FILENAME, Settings, load_settings, save_settings


def test_saved_settings_are_read_back(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == Settings()
    assert save_settings(tmp_path / "data", Settings(theme="textual-light"))
    assert load_settings(tmp_path / "data") == Settings(theme="textual-light")
    assert [path.name for path in (tmp_path / "data").iterdir()] == [SETTINGS_FILENAME]  # no temporary left


def test_a_corrupt_or_strange_file_means_the_defaults(tmp_path: Path) -> None:
    for text in ("{not json", "[1, 2]", '{"theme": 3}', '{"unknown": "x"}'):
        (tmp_path / SETTINGS_FILENAME).write_text(text)
        assert load_settings(tmp_path) == Settings()


def test_an_unwritable_folder_is_reported_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert not save_settings(blocker / "data", Settings(theme="x"))
