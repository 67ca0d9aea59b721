"""The domain layers never pull in the UI toolkit (DESIGN.md, "Layers")."""

from __future__ import annotations

import subprocess
import sys

import pytest

UI_MODULES = ("textual", "rich")


@pytest.mark.parametrize("module", ["normquiz.core", "normquiz.bank", "normquiz.progress", "normquiz.serve", "normquiz.cli",
                                    "normquiz.study.exercise_attempt"])
def test_domain_layer_imports_no_ui(module: str) -> None:
    code = (
        "import sys, importlib\n"
        f"importlib.import_module({module!r})\n"
        f"print(','.join(m for m in {UI_MODULES!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} imported {result.stdout.strip()}"


def test_core_imports_only_numpy_and_stdlib() -> None:
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import normquiz.core\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "allowed = {'normquiz', 'numpy'}\n"
        "third_party = sorted(m for m in new - allowed if m not in sys.stdlib_module_names"
        " and not m.startswith('_'))\n"
        "print(','.join(third_party))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"normquiz.core imported {result.stdout.strip()}"
