"""Shared by every folder of tests/ (which mirrors pipeline/)."""

from __future__ import annotations

import _fuzz
from hypothesis import settings


def pytest_configure(config) -> None:
    """The inner loop (`-m "not slow"`) tries a tenth of each property test's examples."""
    if "not slow" in (config.option.markexpr or ""):
        _fuzz.QUICK = True
        # hypothesis' default for a test that names no max_examples, scaled like the others
        settings.register_profile("quick", max_examples=_fuzz.n_examples(100))
        settings.load_profile("quick")
