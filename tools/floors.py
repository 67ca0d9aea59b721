"""Print the oldest allowed version of each dependency in pyproject.toml, as pip requirements.

`.ci/run` installs exactly these (``numpy==2.0`` for ``numpy>=2.0``) in a second
environment and runs the headless tests there, so every declared lower bound
is one the code has been seen to run on. Exact pins (``==``) are printed as they are.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(?:==\s*([^,;\s]+)|>=\s*([^,;\s]+))")


def floor_pins(pyproject: Path) -> list[str]:
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = []
    for requirement in dependencies:
        match = REQUIREMENT.match(requirement)
        if match is None:
            raise SystemExit(f"{pyproject}: no lower bound in {requirement!r}: declare one (>=) or pin it (==)")
        name, exact, lowest = match.groups()
        pins.append(f"{name}=={exact or lowest}")
    return pins


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    print("\n".join(floor_pins(root / "pyproject.toml")))
    sys.exit(0)
