"""Benchmark: insight rows per CPU-second of the connector, and its peak RSS, on a large ad-level read.

    .venv/bin/python -m benchmarks.insights_rows [--accounts 2 --ads 500 --days 61 --window-days 7]

The installed command reads `ad_insights` (daily rows, every default field) from the emulator
without a budget. Rows = accounts x ads x days (ads that delivered on a day). Targets (issue 10):
at least 3,000 rows per CPU-second of the connector; peak RSS <= 150 MB and within 10% from 10k to
1M rows (`--days 34`: ~12k rows; `--ads 2000 --days 250`: ~200k; `--ads 4000 --days 500`: ~750k
rows and ~310 CPU-seconds of the connector; about a fifth of the ad-days deliver).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from benchmarks.measure import run_measured
from integration_tests.connector import CONNECTOR, configured_catalog, run_connector, write_json
from integration_tests.emulator import Dataset, GraphEmulator

TOKEN = "benchmark-token"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=2)
    parser.add_argument("--ads", type=int, default=500, help="ads per account (4 per campaign)")
    parser.add_argument("--days", type=int, default=61, help="days of insights, ending yesterday")
    parser.add_argument("--window-days", type=int, default=7, help="config insights_window_days")
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--command", help="the connector command to measure (default: the installed source-facebook-ads)")
    parser.add_argument("--profile", help="py-spy output file (svg or .txt for collapsed stacks); needs py-spy")
    args = parser.parse_args()

    dataset = Dataset.generate(
        accounts=args.accounts, campaigns_per_account=max(1, args.ads // 4), ads_per_adset=2,
        history_days=max(90, args.days + 30), seed=7,
    )
    workdir = Path(tempfile.mkdtemp(prefix="insights-bench-"))
    with GraphEmulator(dataset, token=TOKEN) as emulator:
        first_day = dataset.today() - timedelta(days=args.days)
        config = {
            "access_token": TOKEN,
            "base_url": emulator.base_url,
            "start_date": first_day.isoformat(),
            "insights_window_days": args.window_days,
            "page_size": args.page_size,
            "include_deleted": True,
            "requests_per_second": 50,
        }
        config_path = write_json(workdir / "config.json", config)
        discovered = run_connector(["discover", "--config", config_path], workdir).of_type("CATALOG")[0]["catalog"]
        catalog_path = write_json(workdir / "catalog.json", configured_catalog(discovered, ["ad_insights"]))
        emulator.reset_log()
        command = args.command.split() if args.command else [str(CONNECTOR)]
        argv = [*command, "read", "--config", config_path, "--catalog", catalog_path]
        if args.profile:
            argv = [str(Path(CONNECTOR).with_name("py-spy")), "record", "--subprocesses", "--threads", "--gil",
                    "--rate", "50", "--format", "raw" if args.profile.endswith(".txt") else "flamegraph",
                    "-o", args.profile, "--", *argv]
        measured = run_measured(argv, workdir, env=os.environ)
        measured.calls = len(emulator.requests)
    rows = measured.records["ad_insights"]
    print(f"rows               {rows} ({'ok' if measured.returncode == 0 else 'FAILED: ' + '; '.join(measured.errors)})")
    print(f"calls              {measured.calls}")
    print(f"connector CPU      {measured.cpu_seconds:.1f} s ({measured.records_per_cpu_second:.0f} rows per CPU-second; target >= 3000)")
    print(f"wall time          {measured.wall_seconds:.1f} s ({measured.records_per_second:.0f} rows/s, process start included)")
    print(f"peak RSS           {measured.peak_rss_mb:.0f} MB (target <= 150)")


if __name__ == "__main__":
    main()
