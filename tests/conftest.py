"""Settings shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

# On CI the property tests are derandomized: a submission lands or not on its
# own merits, not on a lucky draw. Locally they explore new examples each run.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True, scope="session")
def _bank_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The validated-bank cache of every test (and of the processes they start) stays out of ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NORMQUIZ_CACHE_DIR", str(tmp_path_factory.mktemp("bank-cache")))
        yield
