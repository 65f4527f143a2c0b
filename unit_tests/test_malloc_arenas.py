"""glibc's free memory goes back to the system between pages (issue 10: peak RSS flat over a long read)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

# Rows freed below rows still alive: glibc keeps those pages resident until malloc_trim.
FREED_BELOW_LIVE_ROWS = r"""
from source_facebook_ads.malloc_arenas import give_back_free_memory, limit_malloc_arenas

def rss_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))

assert limit_malloc_arenas()
rows = [("x" * 2000) + str(i) for i in range(60000)]  # 2 KB each: malloc's, not Python's small-object allocator
still_queued = rows[::20]
del rows
before = rss_kb()
give_back_free_memory()
print(before, rss_kb())
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_memory_freed_below_live_rows_goes_back_to_the_system() -> None:
    answer = subprocess.run([sys.executable, "-c", FREED_BELOW_LIVE_ROWS], capture_output=True, text=True, check=True)
    before_kb, after_kb = map(int, answer.stdout.split())
    assert before_kb - after_kb > 60_000  # ~110 MB of freed rows, most of it handed back
