"""Python's cycle collector, paced for a process that parses pages of thousands of rows.

The collector runs after every 700 new containers (dicts, lists): a page of 500 insights rows
makes ~65,000 of them, so each page set off ~90 young collections, and the older generations,
start-up's objects among them (the CDK, the manifest, the schemas), were gone through again and
again. On a 17,957-row insights read that was ~2.6 of ~11 CPU-seconds (BENCHMARKS.md).

The collector stays on: the CDK's exceptions and frames still make cycles, and a page caught in
one is freed only by it (every answer was, until the answer deadline's watchdog let go of its
timer: with the collector off that read peaked at 533 MB instead of ~320 MB). Once per 50,000 new
containers it still runs about once per page.
"""

from __future__ import annotations

import gc

# New containers between young collections (Python's default is 700); the older generations keep
# Python's ratios of 10.
YOUNG_THRESHOLD = 50_000


def pace_for_pages() -> None:
    """Collect after every YOUNG_THRESHOLD new containers instead of 700."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


def freeze_start_up_heap() -> None:
    """Leave what start-up built (alive for the whole command) out of every later collection."""
    gc.freeze()
