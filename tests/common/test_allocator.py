"""Tests for pipeline/common/allocator.py: large blocks go back to the system when freed."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

# In a process of its own: the setting stays for the life of a process.
SCRIPT = """
import sys
import numpy as np
from pipeline.common.allocator import return_large_blocks

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024

took = return_large_blocks() if sys.argv[1] == "set" else False
a = np.ones(2**21)  # 16 MB, freed: glibc's threshold rises to it by default
del a
before = rss()
b = np.ones(2**20)  # 8 MB: from the heap by default, kept there when freed
del b
print(took, rss() - before)
"""


def _kept_mb(mode: str) -> tuple[str, float]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True,
                          text=True, check=True)
    took, kept = done.stdout.split()
    return took, float(kept)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_a_freed_block_of_8_mb_is_given_back_once_set():
    took, kept = _kept_mb("set")
    assert took == "True"
    assert kept < 2.0
    # Without the setting the same block stays resident: what the setting is for.
    assert _kept_mb("default")[1] > 6.0
