"""Fewer glibc malloc arenas: the memory the record path frees is reused instead of left in many.

glibc gives each thread that contends for malloc its own arena (up to 8 per core) and rarely hands
an arena's free pages back to the system. With dozens of workers parsing pages of insights rows in turn,
rows freed in one worker's arena are not reused by the next, and peak RSS grows with the number of
workers rather than with what is alive: on a 17,800-row insights read, 304 MB with the default
arenas against 177 MB with one (BENCHMARKS.md). Python objects are
allocated under the GIL, so few arenas cost no parallelism that the threads had.

Within an arena, glibc hands back only the free memory at the top of a heap: pages of rows freed
below rows still waiting in the record queue stay resident, and a long read's peak crept up
(150 MB at 200k insights rows against 136 MB at 18k). `give_back_free_memory` trims them once per
page of rows handed on.

glibc also raises its mmap threshold each time a mapped buffer is freed (up to 32 MB): after the
first page's ~2 MB body, every later body, and the read and output buffers, came from the heaps
and left holes there between rows still alive, and a long read's peak settled in steps (145 MB at
200k rows against 131 MB with the threshold fixed, BENCHMARKS.md). A fixed threshold keeps
buffers of MMAP_THRESHOLD_BYTES and more mapped, handed back whole once freed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Optional

MALLOC_ARENAS = 2
# Above a row's few KB, below a page body's ~2 MB: bodies and buffers are mapped, rows are not.
MMAP_THRESHOLD_BYTES = 256 * 1024
_M_ARENA_MAX = -8  # glibc's malloc.h
_M_MMAP_THRESHOLD = -3  # setting it turns glibc's dynamic threshold off
_glibc: Optional[ctypes.CDLL] = None  # set once the cap is in place: only then is trimming asked for


def limit_malloc_arenas() -> bool:
    """Cap glibc's arenas and fix its mmap threshold before the workers start; False where the C
    library is not glibc."""
    global _glibc
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        capped = bool(libc.mallopt(_M_ARENA_MAX, MALLOC_ARENAS))
        capped = bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and capped
        libc.malloc_trim  # noqa: B018 - glibc has it; musl and macOS do not
    except (OSError, AttributeError):  # no libc by that name, or one without mallopt (musl, macOS)
        return False
    _glibc = libc if capped else None
    return capped


def give_back_free_memory() -> None:
    """Hand the pages glibc keeps free inside its heaps back to the system (malloc_trim).

    Called once per page of rows handed on (pages_in_flight.py): ~1-2 ms against the ~200 ms that
    the main thread takes to write a page.
    """
    if _glibc is not None:
        _glibc.malloc_trim(0)
