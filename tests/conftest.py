"""Settings shared by the whole suite."""

from __future__ import annotations

import os

from hypothesis import settings

# On CI the property tests are derandomized: a submission lands or not on its
# own merits, not on a lucky draw. Locally they explore new examples each run.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
