"""Benchmark: calls per minimum for each config shape, one read each on the emulator.

    .venv/bin/python -m benchmarks.call_counts [--accounts 2 --object-campaigns 300 --campaigns 25 --days 30]

Each shape is one read through the installed command, without a budget. The minimum is one call
per 500 records (Graph's largest page; at least one) per account and stream, counted on the
records the read printed, plus, when the
accounts are discovered, one page of the account list per 500 accounts. Calls are every request
the emulator answered, by kind, so a shape over the minimum shows where its extra calls go.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

from benchmarks.measure import run_measured
from benchmarks.scale import TOKEN, call_kind, minimum_calls
from integration_tests.connector import CONNECTOR, configured_catalog, run_connector, write_json
from integration_tests.emulator import Dataset, GraphEmulator

OBJECTS = ["campaigns", "adsets", "ads"]
INSIGHTS = ["ad_insights"]
# name: (streams, config overrides, accounts configured?)
SHAPES = {
    "objects, configured accounts": (OBJECTS, {}, True),
    "objects, include_deleted": (OBJECTS, {"include_deleted": True}, True),
    "objects, discovered accounts": (OBJECTS, {}, False),
    "insights, 7-day windows (default)": (INSIGHTS, {}, True),
    "insights, 30-day windows": (INSIGHTS, {"insights_window_days": 30}, True),
    "insights, include_deleted": (INSIGHTS, {"include_deleted": True}, True),
    "insights, discovered accounts": (INSIGHTS, {}, False),
    "insights, async report runs": (INSIGHTS, {"insights_job_mode": "async"}, True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=2)
    parser.add_argument("--object-campaigns", type=int, default=300, help="objects: campaigns per account (x2 adsets x2 ads)")
    parser.add_argument("--campaigns", type=int, default=25, help="insights: campaigns per account (x2 adsets x2 ads)")
    parser.add_argument("--days", type=int, default=30, help="insights days, ending yesterday")
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    args = parser.parse_args()

    print("| shape | records | calls | minimum | calls / minimum | calls by kind |")
    print("|---|---|---|---|---|---|")
    for name in args.shapes:
        streams, overrides, configured = SHAPES[name]
        campaigns = args.object_campaigns if streams is OBJECTS else args.campaigns
        dataset = Dataset.generate(accounts=args.accounts, campaigns_per_account=campaigns, seed=11)
        workdir = Path(tempfile.mkdtemp(prefix="call-counts-"))
        with GraphEmulator(dataset, token=TOKEN) as emulator:
            config = {
                "access_token": TOKEN, "base_url": emulator.base_url,
                "start_date": (dataset.today() - timedelta(days=args.days)).isoformat(),
                "end_date": (dataset.today() - timedelta(days=1)).isoformat(),
                **({"account_ids": [a.removeprefix("act_") for a in dataset.accounts]} if configured else {}),
                **overrides,
            }
            config_path = write_json(workdir / "config.json", config)
            discovered = run_connector(["discover", "--config", config_path], workdir).of_type("CATALOG")[0]["catalog"]
            catalog_path = write_json(workdir / "catalog.json", configured_catalog(discovered, streams))
            emulator.reset_log()
            measured = run_measured([str(CONNECTOR), "read", "--config", config_path, "--catalog", catalog_path], workdir)
            calls = len(emulator.requests)
            kinds = Counter(call_kind(request.path) for request in emulator.requests)
        minimum = minimum_calls(measured.records_by_account, dataset.accounts, streams, discovered_accounts=not configured)
        failed = "" if measured.returncode == 0 else f" FAILED: {'; '.join(measured.errors)[:200]}"
        print(
            f"| {name} | {measured.total_records:,} | {calls} | {minimum} | {calls / minimum:.2f} | "
            f"{', '.join(f'{kind} {count}' for kind, count in kinds.most_common())} |{failed}",
            flush=True,
        )


if __name__ == "__main__":
    main()
