"""The C allocator's settings for a long stage: large blocks given back to the system when
they are freed, so a stage that frees and makes many arrays of a few MB (the speakers'
bootstrap) does not keep growing.

glibc's malloc serves a block of at least its mmap threshold from a mapping of its own,
returned to the system on free; below it, from its heap, which returns memory only from its
top. The threshold rises to the size of each such block freed (up to 32 MB), so after the
first arrays of 8–32 MB are freed, every later one comes from the heap, whose freed holes are
kept: the speakers stage's resident memory crept up 20 MB at a time late in its bootstrap.
Setting the threshold fixes it (and stops the rise). Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import sys

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter numbers (malloc.h)
LARGE_BLOCK = 4 * 2**20  # blocks of this size and more are mappings of their own


def return_large_blocks(size: int = LARGE_BLOCK) -> bool:
    """Blocks of `size` bytes and more mapped alone and returned when freed (glibc); whether
    the setting took. Forked workers keep it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # musl and others: no mallopt
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, size))
