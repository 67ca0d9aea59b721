"""The layers of DESIGN.md hold: import-linter contracts, and every headless module imported alone.

Two independent checks. import-linter reads the source (every import, also
those inside functions and under ``TYPE_CHECKING``) against the contracts in
pyproject.toml; the import test runs each module of the headless packages in a
fresh interpreter and looks at what actually got loaded. A planted upward
import must fail both, and the planting tests below prove the contracts bite.
"""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UI_MODULES = ("textual", "rich")
HEADLESS_PACKAGES = ("normquiz.core", "normquiz.lab", "normquiz.bank", "normquiz.progress", "normquiz.study")
LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter over the package found at ``root`` with the contracts of ``root/pyproject.toml``."""
    return subprocess.run([sys.executable, "-c", LINT], cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def test_the_import_contracts_are_kept() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def planted_copy(tmp_path: Path):
    """A copy of the package and its pyproject.toml, to plant a forbidden import in."""
    shutil.copytree(ROOT / "normquiz", tmp_path / "normquiz", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")

    def plant(module_path: str, line: str) -> Path:
        source = tmp_path / module_path
        source.write_text(source.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
        return tmp_path

    return plant


@pytest.mark.parametrize(
    ("module_path", "line", "broken"),
    [
        ("normquiz/bank/loader.py", "import textual", "never import the UI toolkit"),
        ("normquiz/lab/training.py", "import textual", "never import the UI toolkit"),
        ("normquiz/core/functional.py", "import yaml", "The core is formulas"),
        ("normquiz/core/moments.py", "def late():\n    from normquiz.bank import model", "Layers"),
        ("normquiz/progress/stats.py", "from normquiz.study import session", "Layers"),
        ("normquiz/bank/model.py", "from normquiz.bank import loader", "No import cycles"),
    ],
)
def test_a_planted_forbidden_import_breaks_a_contract(planted_copy, module_path: str, line: str,
                                                      broken: str) -> None:
    result = lint(planted_copy(module_path, line))
    assert result.returncode != 0
    broken_section = result.stdout.partition("Broken contracts")[2]
    assert broken in broken_section, result.stdout


def modules_of(package: str) -> list[str]:
    """Every module of ``package``, found on disk (not by importing it)."""
    folder = ROOT.joinpath(*package.split("."))
    return [package] + [f"{package}.{info.name}" for info in pkgutil.walk_packages([str(folder)])]


def import_each_alone(modules: list[str], watched: tuple[str, ...]) -> str:
    """Import ``modules`` one after the other in a fresh interpreter; the first that loads a watched one."""
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"    loaded = [m for m in {watched!r} if m in sys.modules]\n"
        "    if loaded:\n"
        "        print(name, 'imported', ','.join(loaded))\n"
        "        break\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=ROOT)
    return result.stdout.strip()


@pytest.mark.parametrize("package", HEADLESS_PACKAGES)
def test_every_headless_module_imports_without_the_ui(package: str) -> None:
    modules = modules_of(package)
    assert len(modules) > 1
    assert import_each_alone(modules, UI_MODULES) == ""


def test_the_command_line_parses_without_the_ui() -> None:
    """``normquiz --help`` and ``validate`` stay fast: the CLI module itself loads no UI."""
    assert import_each_alone(["normquiz.cli", "normquiz.serve", "normquiz.exercise_cli"], UI_MODULES) == ""


def test_core_imports_only_numpy_and_the_standard_library() -> None:
    """Statically (every import statement) and at run time (what loading each module pulls in)."""
    import grimp

    graph = grimp.build_graph("normquiz", include_external_packages=True)
    core = {"normquiz.core", *graph.find_descendants("normquiz.core")}
    allowed_ours = {"normquiz.vocabulary"} | core
    for module in sorted(core):
        for imported in graph.find_modules_directly_imported_by(module):
            top = imported.split(".")[0]
            if top == "normquiz":
                assert imported in allowed_ours, f"{module} imports {imported}"
            else:
                assert top == "numpy" or top in sys.stdlib_module_names, f"{module} imports {imported}"

    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        f"import importlib\nfor name in {sorted(core)!r}: importlib.import_module(name)\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print(','.join(sorted(m for m in new - {'normquiz', 'numpy'}"
        " if m not in sys.stdlib_module_names and not m.startswith('_'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == ""
