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


# A page body freed, then a smaller buffer: glibc's dynamic threshold would have risen to the body's
# size and taken the buffer from the heap, where its hole outlives it between rows still alive.
BUFFER_AFTER_A_FREED_BODY = r"""
import ctypes

from source_facebook_ads.malloc_arenas import limit_malloc_arenas

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
assert limit_malloc_arenas()
body = b"x" * 2_000_000
del body
mapped_before = libc.mallinfo2().hblkhd
read_buffer = b"y" * 1_000_000
print(libc.mallinfo2().hblkhd - mapped_before)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_a_large_buffer_after_a_freed_page_body_is_mapped_not_taken_from_the_heap() -> None:
    answer = subprocess.run([sys.executable, "-c", BUFFER_AFTER_A_FREED_BODY], capture_output=True, text=True, check=True)
    assert int(answer.stdout) >= 1_000_000
