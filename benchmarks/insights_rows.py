"""Benchmark: insight rows per CPU-second of the connector, and its peak RSS, on a large ad-level read.

    .venv/bin/python -m benchmarks.insights_rows [--accounts 2 --ads 500 --days 61 --window-days 7]

The installed command reads `ad_insights` (daily rows, every default field) from the emulator
without a budget. Rows = accounts x ads x days (ads that delivered on a day). Targets (issue 10):
at least 3,000 rows per CPU-second of the connector; peak RSS <= 150 MB and within 10% from 10k to
1M rows (`--days 34`: ~12k rows; `--ads 2000 --days 250`: ~200k; `--ads 5400 --days 500`: ~1M
rows and ~215 CPU-seconds of the connector; about a fifth of the ad-days deliver). With `--bare`, the
bare declarative connector (benchmarks/bare_declarative.yaml) then reads the same rows, for its row
of BENCHMARKS.md (target: ours >= 0.8x its rows per CPU-second).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from benchmarks.measure import Measured, run_measured
from integration_tests.connector import CONNECTOR, configured_catalog, run_connector, write_json
from integration_tests.emulator import Dataset, GraphEmulator

TOKEN = "benchmark-token"
ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=2)
    parser.add_argument("--ads", type=int, default=500, help="ads per account (4 per campaign)")
    parser.add_argument("--days", type=int, default=61, help="days of insights, ending yesterday")
    parser.add_argument("--window-days", type=int, default=7, help="config insights_window_days")
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--command", help="the connector command to measure (default: the installed source-facebook-ads)")
    parser.add_argument("--profile", help="py-spy output file (svg or .txt for collapsed stacks); needs py-spy")
    parser.add_argument("--bare", action="store_true", help="then read the same rows with the bare declarative connector")
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
        command = args.command.split() if args.command else [str(CONNECTOR)]
        argv = [*command, "read", "--config", config_path, "--catalog", catalog_path]
        if args.profile:
            argv = [str(Path(CONNECTOR).with_name("py-spy")), "record", "--subprocesses", "--threads", "--gil",
                    "--rate", "50", "--format", "raw" if args.profile.endswith(".txt") else "flamegraph",
                    "-o", args.profile, "--", *argv]
        _report("source-facebook-ads", _measure(argv, emulator, workdir))
        if args.bare:
            # The connector reads each account up to its own today; the bare manifest has one end date.
            last_day = max(dataset.today(account) for account in dataset.accounts)
            bare_config = {**config, "end_date": last_day.isoformat(),
                           "account_ids": [account.removeprefix("act_") for account in dataset.accounts]}
            bare_config_path = write_json(workdir / "bare-config.json", bare_config)
            bare_catalog_path = write_json(workdir / "bare-catalog.json", configured_catalog(discovered, ["ad_insights"]))
            bare = [sys.executable, "-m", "benchmarks.bare_declarative", "read", "--config", bare_config_path, "--catalog", bare_catalog_path]
            _report("bare declarative", _measure(bare, emulator, workdir, env={**os.environ, "PYTHONPATH": str(ROOT)}))


def _measure(argv: list[str], emulator: GraphEmulator, workdir: Path, env=None) -> Measured:
    emulator.reset_log()
    measured = run_measured(argv, workdir, env=env or os.environ, main_thread_clock=True)
    measured.calls = len(emulator.requests)
    return measured


def _report(name: str, measured: Measured) -> None:
    rows = measured.records["ad_insights"]
    print(name)
    print(f"rows               {rows} ({'ok' if measured.returncode == 0 else 'FAILED: ' + '; '.join(measured.errors)})")
    print(f"calls              {measured.calls}")
    print(f"connector CPU      {measured.cpu_seconds:.1f} s ({measured.records_per_cpu_second:.0f} rows per CPU-second; target >= 3000)")
    if measured.workers_cpu_seconds is not None:
        print(f"  main thread      {measured.main_thread_cpu_seconds:.1f} s (start-up, then writing every message)")
        print(f"  workers          {measured.workers_cpu_seconds:.1f} s (calls, pages, rows)")
    print(f"wall time          {measured.wall_seconds:.1f} s ({measured.records_per_second:.0f} rows/s, process start included)")
    print(f"peak RSS           {measured.peak_rss_mb:.0f} MB (target <= 150)")

if __name__ == "__main__":
    main()
