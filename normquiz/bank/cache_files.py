"""Where the bank's caches live, what makes them valid, and how they are written.

Two files in the user's cache directory (platformdirs' ``user_cache_dir``, or
``$NORMQUIZ_CACHE_DIR``): the validated questions (:mod:`normquiz.bank.cache`)
and the bank's summary for the home screen (:mod:`normquiz.bank.summary`).
Both are trusted only for the normquiz version and the exact source of the
code that checks files (see :func:`rules_fingerprint`). This module imports
no pydantic: the summary is read before the app's questions are.
"""

from __future__ import annotations

import functools
import os
import zlib
from pathlib import Path

CACHE_ENV = "NORMQUIZ_CACHE_DIR"
CACHE_FORMAT = 1


def default_cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("normquiz", appauthor=False))


def _rule_sources() -> list[Path]:
    """The modules whose code decides what a question file validates to: the bank's (with its
    subpackages), the core's (computed questions and exercises run it at load) and the vocabulary.

    By ``os.walk``, in sorted order: a fifth of the time of ``Path.rglob``, before the first frame.
    """
    package = Path(__file__).resolve().parent.parent
    sources: list[Path] = []
    for top in ("bank", "core"):
        for folder, subfolders, files in os.walk(package / top):
            subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
            sources += [Path(folder, name) for name in sorted(files) if name.endswith(".py")]
    return [*sources, package / "vocabulary.py"]


@functools.cache
def rules_fingerprint() -> str:
    """The normquiz version and a checksum of the code that decides validity and the schema.

    Once per process (a start needs it three times): it is the code this process
    runs, whatever happens to the files afterwards.
    """
    from normquiz import __version__

    # Every such module, not a chosen few: a rule added in a new module must drop the
    # cache too. About 60 small files, about a millisecond. CRC-32 rather than SHA-256:
    # it tells an edit from none (nobody forges this file), and zlib is loaded before the
    # first frame where hashlib is not.
    package = Path(__file__).resolve().parent.parent
    checksum = zlib.crc32(f"{CACHE_FORMAT} {__version__}".encode())
    for module in _rule_sources():
        try:
            source = module.read_bytes()
        except OSError:
            source = b"unreadable"
        checksum = zlib.crc32(module.relative_to(package).as_posix().encode() + b"\0" + source, checksum)
    return f"{CACHE_FORMAT}-{__version__}-{checksum:08x}"
