"""benchmarks.scale.tree_memory_mb: a forked child's shared pages count once in the tree's
PSS and twice in its RSS."""

import subprocess
import sys

from benchmarks.scale import tree_memory_mb

_CHILD = """
import os, sys, time
import numpy as np
a = np.ones(25_000_000)  # 200 MB, written: resident
if os.fork():
    print("ready", flush=True)
time.sleep(30)
"""


def test_shared_pages_count_once_in_pss() -> None:
    proc = subprocess.Popen([sys.executable, "-c", _CHILD], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        rss, pss = tree_memory_mb(proc.pid)
    finally:
        proc.kill()
        subprocess.run(["pkill", "-KILL", "-P", str(proc.pid)], check=False)
        proc.wait()
    assert rss > 380  # the array in both processes
    assert 180 < pss < 0.7 * rss  # ... and once
