"""Every document's topic shares (or a streamed NMF's unnormalized W) in a temporary file,
read and written a set of rows at a time: a streamed fit keeps a documents × topics matrix
without holding it (630,000 documents × 60 topics is 302 MB).

Each access maps the file for itself and lets the mapping go: pages of a mapping count in
the process's resident memory for as long as it lives, so one mapping kept over the whole
file would grow to the file's size.
"""

from __future__ import annotations

import tempfile

import numpy as np

DTYPE = np.float64  # as the fit's own arrays: a minibatch's W goes back as it came out


class ShareStore:
    """A documents × topics float64 matrix in an anonymous temporary file (deleted when
    closed, or when the process ends)."""

    def __init__(self, n_rows: int, n_cols: int):
        self.shape = (n_rows, n_cols)
        self._file = tempfile.TemporaryFile(prefix="topic-shares-")
        # Sparse on disk until written: rows never written read as zeros.
        self._file.truncate(max(n_rows * n_cols * np.dtype(DTYPE).itemsize, 1))

    def _mapped(self) -> np.memmap:
        return np.memmap(self._file, dtype=DTYPE, mode="r+", shape=self.shape)

    def read(self, rows: np.ndarray | slice) -> np.ndarray:
        """A copy of these rows."""
        mapped = self._mapped()
        out = np.array(mapped[rows])
        del mapped
        return out

    def write(self, rows: np.ndarray | slice, values: np.ndarray) -> None:
        """Set these rows (the file's, not an argument's: the store is the output)."""
        mapped = self._mapped()
        # No flush: the written pages stay in the page cache, where the next mapping finds
        # them; forcing them to disk on every minibatch would only cost writes.
        mapped[rows] = values
        del mapped

    def close(self) -> None:
        """Delete the file."""
        self._file.close()
