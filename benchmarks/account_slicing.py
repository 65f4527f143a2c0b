"""Benchmark: the CPU of slicing each account's windows, the per-account part of a sync that reads no data.

    .venv/bin/python -m benchmarks.account_slicing [--accounts 200 --runs 3]

Builds the source in-process for `--accounts` configured accounts and slices `campaigns`, `adsets`,
`ads` and `ad_insights` (a 7-day range: one window per account and stream), which creates every
account's cursor. It prints the CPU of the slicing alone (`time.process_time`, building the streams
left out), per account and stream: on a loaded machine this is steadier than a whole sync's CPU.
"""

from __future__ import annotations

import argparse
import statistics
import time

from source_facebook_ads.source import SourceFacebookAds
from unit_tests.builders import ConfigBuilder

STREAMS = ["campaigns", "adsets", "ads", "ad_insights"]


def slicing_cpu_seconds(accounts: int) -> float:
    config = (
        ConfigBuilder().with_account_ids(*(str(1000 + i) for i in range(accounts))).with_start_date("2026-11-24")
        .with_values(end_date="2026-11-30", include_deleted=True).build()
    )
    source = SourceFacebookAds(config=config)
    streams = {stream.name: stream for stream in source.streams(source.normalized_config)}
    started = time.process_time()
    for name in STREAMS:
        list(streams[name].cursor.stream_slices())
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3, help="the median is printed")
    args = parser.parse_args()
    seconds = statistics.median(slicing_cpu_seconds(args.accounts) for _ in range(args.runs))
    per_cursor_ms = seconds * 1000 / (args.accounts * len(STREAMS))
    print(f"{args.accounts} accounts x {len(STREAMS)} streams: slicing {seconds * 1000:.0f} ms CPU, {per_cursor_ms:.2f} ms per account and stream")


if __name__ == "__main__":
    main()
