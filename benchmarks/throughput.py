"""Benchmark: records/s, requests per record and peak RSS of one stream read, without a budget.

    .venv/bin/python -m benchmarks.throughput [--stream ads --campaigns 200 --ads-per-adset 5]

The connector runs as the installed command (as Airbyte runs it) against the emulator; pacing is
set high so the figures show the per-record cost, not the pace. Peak RSS is the connector
process's (resource.getrusage of the child), which includes the CDK's own buffers.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from integration_tests.connector import configured_catalog, run_connector, write_json
from integration_tests.emulator import Dataset, GraphEmulator

TOKEN = "benchmark-token"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stream", default="ads")
    parser.add_argument("--accounts", type=int, default=2)
    parser.add_argument("--campaigns", type=int, default=200, help="campaigns per account")
    parser.add_argument("--ads-per-adset", type=int, default=5)
    args = parser.parse_args()

    dataset = Dataset.generate(
        accounts=args.accounts, campaigns_per_account=args.campaigns, ads_per_adset=args.ads_per_adset, seed=5
    )
    workdir = Path(tempfile.mkdtemp(prefix="throughput-bench-"))
    with GraphEmulator(dataset, token=TOKEN) as emulator:
        config = {"access_token": TOKEN, "base_url": emulator.base_url, "include_deleted": True, "requests_per_second": 50}
        config_path = write_json(workdir / "config.json", config)
        discovered = run_connector(["discover", "--config", config_path], workdir).of_type("CATALOG")[0]["catalog"]
        catalog_path = write_json(workdir / "catalog.json", configured_catalog(discovered, [args.stream]))
        emulator.reset_log()
        started = time.monotonic()
        result = run_connector(["read", "--config", config_path, "--catalog", catalog_path], workdir, timeout=3600)
        wall = time.monotonic() - started
        calls = len(emulator.requests)
    records = len(result.records(args.stream))
    peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"stream             {args.stream} ({'ok' if result.returncode == 0 else 'FAILED'})")
    print(f"records            {records}")
    print(f"wall time          {wall:.1f} s (process start included)")
    print(f"records/s          {records / wall:.0f}")
    print(f"requests           {calls} ({calls / max(1, records):.4f} per record)")
    print(f"peak RSS           {peak_rss_mb:.0f} MB (largest child process)")


if __name__ == "__main__":
    main()
