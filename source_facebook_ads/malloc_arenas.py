"""Fewer glibc malloc arenas: the memory the record path frees is reused instead of left in many.

glibc gives each thread that contends for malloc its own arena (up to 8 per core) and rarely hands
an arena's free pages back to the system. With 32 workers parsing pages of insights rows in turn,
rows freed in one worker's arena are not reused by the next, and peak RSS grows with the number of
workers rather than with what is alive: on a 17,800-row insights read, 304 MB with the default
arenas against 177 MB with one (BENCHMARKS.md). Python objects are
allocated under the GIL, so few arenas cost no parallelism that the threads had.
"""

from __future__ import annotations

import ctypes
import ctypes.util

MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


def limit_malloc_arenas() -> bool:
    """Cap glibc's arenas before the workers start; False where the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(_M_ARENA_MAX, MALLOC_ARENAS))
    except (OSError, AttributeError):  # no libc by that name, or one without mallopt (musl, macOS)
        return False
