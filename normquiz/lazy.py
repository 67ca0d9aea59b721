"""A package's exported names, imported from their modules on first use (PEP 562).

So that importing one light submodule (``normquiz.bank.demos``,
``normquiz.progress.datadir``) does not run its package's imports of the heavy
ones (pydantic, fsrs, SQLite): the app's first frame needs only the light ones.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, Sequence[str]]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for ``package``, whose names live in ``homes``.

    ``homes`` maps a submodule's name (relative to ``package``) to the names it
    provides. A name is imported once, then kept in the package's namespace.
    """
    module_of = {name: module for module, names in homes.items() for name in names}
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(module_of))

    return __getattr__, __dir__, sorted(module_of)
