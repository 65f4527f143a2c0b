"""Benchmark: this connector against Airbyte's `source-facebook-marketing` 6.1.9 on the same emulator data.

    .venv/bin/python -m benchmarks.side_by_side [--work objects|insights|both --runs 3 --campaigns 100]

The peer is installed (once) into its own venv under `.benchmarks/` (gitignored) with pip, and runs
through benchmarks/peer_wrapper.py, which points its Graph SDK at the emulator. A "bare declarative"
connector (benchmarks/bare_declarative.yaml: the CDK's own components only, no custom code) reads
the same insights. The connectors run alternately, `--runs` times each, against one emulator; the
table shows the median run of each: records/s (wall, process start included), records per
CPU-second of the connector process, calls, calls per minimum, peak RSS, and ratios to the peer.
The minimum is one call per 500 records (Graph's largest page) per account and stream.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

from benchmarks.measure import Measured, run_measured
from integration_tests.connector import CONNECTOR, configured_catalog, run_connector, write_json
from integration_tests.emulator import Dataset, GraphEmulator

TOKEN = "benchmark-token"
ROOT = Path(__file__).resolve().parent.parent
PEER_VENV = ROOT / ".benchmarks" / "peer-venv"
PEER_PACKAGE = "airbyte-source-facebook-marketing==6.1.9"
PAGE = 500
CAMPAIGN_STATUSES = ["ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES"]
ADSET_STATUSES = [*CAMPAIGN_STATUSES, "CAMPAIGN_PAUSED"]
AD_STATUSES = [*ADSET_STATUSES, "ADSET_PAUSED", "DISAPPROVED", "PENDING_BILLING_INFO", "PENDING_REVIEW", "PREAPPROVED"]
WORK = {
    # name: (our streams, peer streams, bare streams)
    "objects": (["campaigns", "adsets", "ads"], ["campaigns", "ad_sets", "ads"], ["campaigns", "adsets", "ads"]),
    "insights": (["ad_insights"], ["ads_insights"], ["ad_insights"]),
}


def peer_python() -> Path:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"installing {PEER_PACKAGE} into {PEER_VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PEER_PACKAGE], check=True)
    return python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", choices=[*WORK, "both"], default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--accounts", type=int, default=2)
    parser.add_argument("--campaigns", type=int, default=25, help="insights: campaigns per account (x2 adsets x2 ads)")
    parser.add_argument("--object-campaigns", type=int, default=1500, help="objects: campaigns per account (x2 adsets x2 ads)")
    parser.add_argument("--days", type=int, default=30, help="insights days, ending yesterday")
    args = parser.parse_args()

    for work in WORK if args.work == "both" else [args.work]:
        campaigns = args.object_campaigns if work == "objects" else args.campaigns
        dataset = Dataset.generate(accounts=args.accounts, campaigns_per_account=campaigns, seed=11)
        ids = [account.removeprefix("act_") for account in dataset.accounts]
        workdir = Path(tempfile.mkdtemp(prefix=f"side-by-side-{work}-"))
        with GraphEmulator(dataset, token=TOKEN) as emulator:
            first_day = dataset.today() - timedelta(days=args.days)
            last_day = dataset.today() - timedelta(days=1)
            commands = connectors(emulator, ids, first_day, last_day, workdir)
            results: dict[str, list[Measured]] = {}
            for _ in range(args.runs):
                for name, (argv, env, catalogs) in commands.items():
                    catalog = catalogs.get(work)
                    if catalog is None:
                        continue
                    emulator.reset_log()
                    config = str(workdir / f"{name}.json")
                    measured = run_measured([*argv, "read", "--config", config, "--catalog", catalog], workdir, env=env, label=name)
                    measured.calls = len(emulator.requests)
                    results.setdefault(name, []).append(measured)
        _print_table(work, results, _minimum_calls(ids, results))


def connectors(emulator, account_ids, first_day, last_day, workdir: Path, work: dict = WORK) -> dict:
    """name -> (argv, env, {work: catalog path}) for ours, the peer and the bare declarative connector.

    `work` maps a work's name to its streams in each (ours, peer, bare), as WORK does."""
    ours_config = {
        "access_token": TOKEN, "base_url": emulator.base_url, "account_ids": account_ids, "include_deleted": True,
        "start_date": first_day.isoformat(), "end_date": last_day.isoformat(),
    }
    peer_config = {
        "account_ids": account_ids, "credentials": {"auth_type": "Service", "access_token": TOKEN},
        "start_date": f"{first_day.isoformat()}T00:00:00Z", "end_date": f"{last_day.isoformat()}T23:59:59Z",
        "insights_lookback_window": 1,
        # Every status, as ours with include_deleted (the peer's default leaves deleted objects out).
        "campaign_statuses": CAMPAIGN_STATUSES, "adset_statuses": ADSET_STATUSES, "ad_statuses": AD_STATUSES,
    }
    bare_config = {**ours_config}
    env = {**os.environ, "GRAPH_URL": emulator.base_url, "PYTHONPATH": str(ROOT)}
    commands = {
        "source-facebook-ads": ([str(CONNECTOR)], ours_config, 0),
        "source-facebook-marketing 6.1.9": ([str(peer_python()), str(ROOT / "benchmarks" / "peer_wrapper.py")], peer_config, 1),
        "bare declarative": ([sys.executable, "-m", "benchmarks.bare_declarative"], bare_config, 2),
    }
    built = {}
    for name, (argv, config, column) in commands.items():
        config_path = write_json(workdir / f"{name}.json", config)
        discovered = _discover(argv, config_path, workdir, env)
        catalogs = {}
        for work_name, streams in work.items():
            if streams[column]:
                catalogs[work_name] = write_json(workdir / f"{name}-{work_name}.json", configured_catalog(discovered, streams[column]))
        built[name] = (argv, env, catalogs)
    return built


def _discover(argv, config_path, workdir, env) -> dict:
    completed = subprocess.run([*argv, "discover", "--config", config_path], cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    for line in completed.stdout.splitlines():
        if line.startswith("{") and '"CATALOG"' in line:
            return json.loads(line)["catalog"]
    raise RuntimeError(f"{argv} discover failed: {completed.stdout[-2000:]} {completed.stderr[-2000:]}")


def _minimum_calls(account_ids, results) -> int:
    ours = results.get("source-facebook-ads")
    if not ours:
        return 0
    # Per account and stream, one call per 500 records; our records per account are the truth.
    per_stream = Counter(ours[0].records)
    return max(1, sum(math.ceil(count / len(account_ids) / PAGE) * len(account_ids) for count in per_stream.values()))


def _print_table(work: str, results: dict[str, list[Measured]], minimum: int) -> None:
    print(f"\n{work}: median of {len(next(iter(results.values())))} alternating runs; minimum calls {minimum}")
    print("| connector | records | records/s | records per CPU-s | calls | calls / minimum | peak RSS | wall | CPU |")
    print("|---|---|---|---|---|---|---|---|---|")
    medians = {}
    for name, runs in results.items():
        run = sorted(runs, key=lambda m: m.wall_seconds)[len(runs) // 2]
        medians[name] = run
        failed = "" if all(r.returncode == 0 for r in runs) else f" (FAILED: {'; '.join(runs[-1].errors)[:300]})"
        print(
            f"| {name} | {run.total_records} | {run.records_per_second:.0f} | {run.records_per_cpu_second:.0f} | {run.calls} | "
            f"{run.calls / minimum:.2f} | {run.peak_rss_mb:.0f} MB | {run.wall_seconds:.1f} s | {run.cpu_seconds:.1f} s |{failed}"
        )
    ours, peer = medians.get("source-facebook-ads"), medians.get("source-facebook-marketing 6.1.9")
    if ours and peer and peer.wall_seconds and ours.calls:
        print(
            f"ours vs peer: {peer.wall_seconds / ours.wall_seconds:.1f}x faster (wall), "
            f"{ours.records_per_cpu_second / max(peer.records_per_cpu_second, 1e-9):.1f}x records per CPU-s, "
            f"{ours.calls / max(peer.calls, 1):.3f} of the calls, RSS {ours.peak_rss_mb / peer.peak_rss_mb:.2f}x"
        )
    bare = medians.get("bare declarative")
    if ours and bare and bare.cpu_seconds:
        print(f"ours vs bare declarative: {ours.records_per_cpu_second / max(bare.records_per_cpu_second, 1e-9):.2f}x records per CPU-s (target >= 0.8)")


if __name__ == "__main__":
    main()
