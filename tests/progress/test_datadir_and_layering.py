"""Where the database lives, and that the progress layer stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from normquiz.progress import DATA_DIR_ENV, default_data_dir, resolve_data_dir


def test_the_command_line_wins_over_the_environment(tmp_path: Path) -> None:
    environ = {DATA_DIR_ENV: str(tmp_path / "from-env")}
    assert resolve_data_dir(str(tmp_path / "from-cli"), environ) == tmp_path / "from-cli"
    assert resolve_data_dir(None, environ) == tmp_path / "from-env"
    assert resolve_data_dir("~/nq", {}) == Path.home() / "nq"


@pytest.mark.parametrize("environ", [{}, {DATA_DIR_ENV: ""}, {DATA_DIR_ENV: "  "}])
def test_without_overrides_the_platform_data_dir_is_used(environ: dict[str, str]) -> None:
    assert resolve_data_dir(None, environ) == default_data_dir()
    assert resolve_data_dir("", environ) == default_data_dir()


@pytest.mark.skipif(sys.platform != "linux", reason="XDG applies on Linux")
def test_the_default_follows_xdg_data_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / "normquiz"


def test_progress_imports_no_ui_and_no_numpy() -> None:
    code = (
        "import sys\n"
        "import normquiz.progress\n"
        "print(','.join(m for m in ('textual', 'rich', 'numpy') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
