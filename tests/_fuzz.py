"""How many examples a property test (hypothesis) tries: the number written in the test in
the full suite (`pytest -q`, CI), a tenth of it (at least 10) in the inner loop
(`pytest -m "not slow"`, set by conftest.py), so that loop stays quick. Examples that once
failed are replayed first either way (hypothesis keeps them in .hypothesis/)."""

from __future__ import annotations

QUICK = False  # conftest.py sets it when the run leaves out the slow tests


def n_examples(n: int) -> int:
    """max_examples for a property test written to try n."""
    return max(10, n // 10) if QUICK else n
