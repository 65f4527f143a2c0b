"""Benchmark: a sync through the installed command against an emulator with a tight per-account budget.

Prints the calls made, the throttled calls, the wall time, and the ratio of wall time to the
budget's lower bound (the calls of the busiest account divided by the rate its budget allows).
Targets (issue 3): throttled calls under 1% of calls; wall time within 1.2x of the lower bound.

    .venv/bin/python -m benchmarks.pacing_under_budget [--calls 20 --window 20 --accounts 2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from integration_tests.connector import configured_catalog, run_connector, write_json
from integration_tests.emulator import Dataset, GraphEmulator

TOKEN = "benchmark-token"
STREAMS = ["campaigns", "adsets", "ads", "ad_insights"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=2)
    parser.add_argument("--campaigns", type=int, default=25, help="campaigns per account")
    parser.add_argument("--calls", type=int, default=20, help="budget: calls per window per account")
    parser.add_argument("--window", type=float, default=20.0, help="budget window in seconds")
    parser.add_argument("--page-size", type=int, default=10)
    parser.add_argument("--requests-per-second", type=float, default=2.0, help="the connector's initial pace")
    parser.add_argument("--show-pacing", action="store_true", help="print the connector's pacing log lines")
    args = parser.parse_args()

    dataset = Dataset.generate(accounts=args.accounts, campaigns_per_account=args.campaigns, seed=3)
    workdir = Path(tempfile.mkdtemp(prefix="pacing-bench-"))
    with GraphEmulator(dataset, token=TOKEN) as emulator:
        config = {
            "access_token": TOKEN,
            "base_url": emulator.base_url,
            "page_size": args.page_size,
            "include_deleted": True,
            "insights_window_days": 1,
            "requests_per_second": args.requests_per_second,
        }
        config_path = write_json(workdir / "config.json", config)
        discovered = run_connector(["discover", "--config", config_path], workdir).of_type("CATALOG")[0]["catalog"]
        catalog_path = write_json(workdir / "catalog.json", configured_catalog(discovered, STREAMS))
        emulator.reset_log()
        emulator.set_budget(calls=args.calls, window_seconds=args.window)

        started = time.monotonic()
        result = run_connector(["read", "--config", config_path, "--catalog", catalog_path], workdir, timeout=3600)
        wall = time.monotonic() - started

        requests = list(emulator.requests)
    per_account = Counter(r.account_id for r in requests if r.account_id)
    throttled = sum(1 for r in requests if r.throttled)
    allowed_rate = args.calls / args.window
    lower_bound = max(per_account.values()) / allowed_rate
    pacing_lines = [json.loads(line)["log"]["message"] for line in result.stdout.splitlines() if '"Pacing ' in line]
    pace_changes = sum(1 for line in pacing_lines if "requests/s (" in line)
    if args.show_pacing:
        print("\n".join(pacing_lines))
    print(f"records            {len(result.records())} ({'ok' if result.returncode == 0 else 'FAILED'})")
    print(f"calls              {len(requests)} ({', '.join(f'{a}: {n}' for a, n in sorted(per_account.items()))})")
    print(f"throttled calls    {throttled} ({100 * throttled / max(1, len(requests)):.2f}% of calls; target < 1%)")
    print(f"budget             {args.calls} calls / {args.window:g} s per account = {allowed_rate:.2f} calls/s")
    print(f"wall time          {wall:.1f} s")
    print(f"lower bound        {lower_bound:.1f} s (busiest account's calls / allowed rate)")
    print(f"wall / lower bound {wall / lower_bound:.2f} (target <= 1.2)")
    print(f"pace changes       {pace_changes}")
    for account in sorted(per_account):
        times = sorted(r.at for r in requests if r.account_id == account)
        gaps = [b - a for a, b in zip(times, times[1:])]
        idle = sum(gap for gap in gaps if gap > 2.0)
        print(f"{account}  first..last call {times[-1] - times[0]:.1f} s; gaps over 2 s add up to {idle:.1f} s")


if __name__ == "__main__":
    main()
