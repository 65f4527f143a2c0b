"""Benchmark: one sync over 1, 10, 50 and 200 auto-discovered ad accounts.

    .venv/bin/python -m benchmarks.scale [--accounts 1 10 50 200 --campaigns 3 --days 7 --answer-seconds 0.4 --with bare peer --peer-up-to 10]

The config names no `account_ids`: the connector discovers every account from `/me/adaccounts`,
as a user's first sync does. Each account holds a small but real workload: `--campaigns`
campaigns x 2 ad sets x 2 ads, read as `campaigns`, `adsets`, `ads` (deleted included) and
`ad_insights` (ad level, daily, over the last `--days` days). No budget binds: the emulator's
usage headers report near-zero use, so the figures show how the connector spreads the accounts
over its workers, not the pace Meta allows. The emulator answers at once unless `--answer-seconds`
says how long each answer of the reads takes, as Meta's do (~0.4 s on average, as app dashboards show
it, and seconds for a large page: facebook/facebook-python-business-sdk#337): then the workers wait on
Meta, and how many wait at once shows.

Per scale it prints wall time (process start included), the connector's CPU seconds and peak RSS
(`os.wait4` on the child, as benchmarks/measure.py does), that CPU split between the main thread
(start-up, then writing every message) and the workers (every call, page and record; per call in
brackets; `benchmarks/main_thread_clock/`), the emulator's CPU seconds (it serves
from this process, so its CPU is this process's), calls, calls per minimum, the state messages
printed (and their megabytes), and the calls of each kind. With `--runs` above 1 the table shows
the run of median CPU, the figure comparable on a shared machine. The minimum is one call per 500 records (at least one) per account and stream (the records
the read printed), plus one page of the
account list per 500 accounts (the list is read once per sync).

`--with bare peer` also reads each scale's streams with the bare declarative manifest and with
Airbyte's source-facebook-marketing 6.1.9 (benchmarks/side_by_side.py), up to `--peer-up-to`
accounts for the peer (it makes a report run per account and day). Neither discovers accounts:
both are given the account ids.
"""

from __future__ import annotations

import argparse
import math
import re
import resource
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Mapping, Sequence

from benchmarks.measure import Measured, run_measured
from benchmarks.side_by_side import connectors
from integration_tests.connector import CONNECTOR, configured_catalog, run_connector, write_json
from integration_tests.emulator import Dataset, GraphEmulator

TOKEN = "benchmark-token"
PAGE = 500
STREAMS = ["campaigns", "adsets", "ads", "ad_insights"]
# The same work in each connector: ours, the peer, the bare declarative manifest (benchmarks/side_by_side.py).
WORK = {"scale": (STREAMS, ["campaigns", "ad_sets", "ads", "ads_insights"], STREAMS)}
OTHERS = {"peer": "source-facebook-marketing 6.1.9", "bare": "bare declarative"}
ACCOUNT_IN_PATH = re.compile(r"/act_\d+(/[a-z_]+)?$")


def call_kind(path: str) -> str:
    """`/act_X/ads` -> "ads", `/act_X` -> "account", others by their last segment (a report run id -> "report run")."""
    match = ACCOUNT_IN_PATH.search(path)
    if match:
        return (match.group(1) or "/account")[1:]
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return "report run" if last.isdigit() or path.endswith("/insights") else last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, nargs="+", default=[1, 10, 50, 200])
    parser.add_argument("--campaigns", type=int, default=3, help="campaigns per account (x2 adsets x2 ads)")
    parser.add_argument("--days", type=int, default=7, help="insights days, ending yesterday")
    parser.add_argument("--runs", type=int, default=1, help="runs per scale; the table shows the median (by CPU)")
    parser.add_argument("--with", dest="others", nargs="*", choices=list(OTHERS), default=[], help="other connectors to read each scale")
    parser.add_argument("--peer-up-to", type=int, default=10, help="the largest scale the peer reads")
    parser.add_argument("--answer-seconds", type=float, default=0.0,
                        help="how long the emulator takes to answer each call of the reads (Meta: ~0.4 s on average)")
    args = parser.parse_args()

    rows, other_rows = [], []
    for accounts in args.accounts:
        dataset = Dataset.generate(accounts=accounts, campaigns_per_account=args.campaigns, seed=17)
        workdir = Path(tempfile.mkdtemp(prefix=f"scale-{accounts}-"))
        with GraphEmulator(dataset, token=TOKEN) as emulator:
            config = {
                "access_token": TOKEN, "base_url": emulator.base_url, "include_deleted": True,
                "start_date": (dataset.today() - timedelta(days=args.days)).isoformat(),
                "end_date": (dataset.today() - timedelta(days=1)).isoformat(),
            }
            config_path = write_json(workdir / "config.json", config)
            discovered = run_connector(["discover", "--config", config_path], workdir).of_type("CATALOG")[0]["catalog"]
            catalog_path = write_json(workdir / "catalog.json", configured_catalog(discovered, STREAMS))
            emulator.answer_seconds = args.answer_seconds
            runs = []
            for _ in range(args.runs):
                emulator.reset_log()
                emulator_cpu = _own_cpu_seconds()
                measured = run_measured([str(CONNECTOR), "read", "--config", config_path, "--catalog", catalog_path], workdir,
                                        main_thread_clock=True)
                measured.calls = len(emulator.requests)
                runs.append((measured, _own_cpu_seconds() - emulator_cpu, Counter(call_kind(r.path) for r in emulator.requests)))
            names = [OTHERS[other] for other in args.others if other != "peer" or accounts <= args.peer_up_to]
            if names:
                ids = [account.removeprefix("act_") for account in dataset.accounts]
                first_day, last_day = (date.fromisoformat(config[key]) for key in ("start_date", "end_date"))
                commands = connectors(emulator, ids, first_day, last_day, workdir, work=WORK)
                for name in names:
                    argv, env, catalogs = commands[name]
                    others = []
                    for _ in range(args.runs):
                        emulator.reset_log()
                        other = run_measured([*argv, "read", "--config", str(workdir / f"{name}.json"), "--catalog",
                                              catalogs["scale"]], workdir, env=env, label=name)
                        other.calls = len(emulator.requests)
                        others.append(other)
                    other_rows.append((accounts, name, sorted(others, key=lambda m: m.cpu_seconds)[len(others) // 2]))
        failed = [run[0] for run in runs if run[0].returncode != 0]
        if failed:
            print(f"{accounts} accounts: {len(failed)} of {len(runs)} runs FAILED: {'; '.join(failed[0].errors)[:300]}")
        measured, emulator_cpu, kinds = sorted(runs, key=lambda run: run[0].cpu_seconds)[len(runs) // 2]
        minimum = minimum_calls(measured.records_by_account, dataset.accounts, STREAMS)
        rows.append((accounts, measured, emulator_cpu, kinds, minimum))
        _print_row(*rows[-1])
    _print_table(rows)
    if other_rows:
        _print_others(rows, other_rows)


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def minimum_calls(records_by_account: Mapping[tuple[str, str], int], accounts: Sequence[str], streams: Sequence[str],
                  discovered_accounts: bool = True) -> int:
    """One call per 500 records per account and stream (at least one: an empty answer still has to be
    asked for), plus the account list's pages when the accounts are discovered."""
    per_account_and_stream = sum(
        max(1, math.ceil(records_by_account.get((stream, account), 0) / PAGE)) for stream in streams for account in accounts
    )
    return per_account_and_stream + (math.ceil(len(accounts) / PAGE) if discovered_accounts else 0)


def _print_row(accounts, measured: Measured, emulator_cpu, kinds, minimum) -> None:
    status = "ok" if measured.returncode == 0 else f"FAILED: {'; '.join(measured.errors)[:300]}"
    print(f"{accounts} accounts ({status}): records {dict(measured.records)}; calls {dict(kinds)}", flush=True)


def _print_table(rows) -> None:
    print("\n| accounts | records | wall | connector CPU | main thread / workers' CPU (a call) | peak RSS | emulator CPU "
          "| calls | calls / minimum | states (MB) | CPU / 10 accounts' | wall / 10 accounts' |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    base = next((m for accounts, m, *_ in rows if accounts == 10), None)
    for accounts, measured, emulator_cpu, kinds, minimum in rows:
        cpu_ratio = f"{measured.cpu_seconds / base.cpu_seconds:.2f}" if base else "-"
        wall_ratio = f"{measured.wall_seconds / base.wall_seconds:.2f}" if base else "-"
        print(
            f"| {accounts} | {measured.total_records:,} | {measured.wall_seconds:.1f} s | {measured.cpu_seconds:.1f} s | "
            f"{_thread_split(measured)} | "
            f"{measured.peak_rss_mb:.0f} MB | {emulator_cpu:.1f} s | {measured.calls:,} | {measured.calls / minimum:.2f} | "
            f"{measured.state_messages} ({measured.state_bytes / 1e6:.2f}) | {cpu_ratio} | {wall_ratio} |"
        )



def _thread_split(measured: Measured) -> str:
    if measured.workers_cpu_seconds is None:
        return "-"
    per_call = f" ({1000 * measured.workers_cpu_seconds / measured.calls:.1f} ms)" if measured.calls else ""
    return f"{measured.main_thread_cpu_seconds:.1f} s / {measured.workers_cpu_seconds:.1f} s{per_call}"


def _print_others(rows, other_rows) -> None:
    ours = {accounts: measured for accounts, measured, *_ in rows}
    print("\n| accounts | connector | records | wall | CPU | peak RSS | calls | wall / ours | wall / its 10 accounts' |")
    print("|---|---|---|---|---|---|---|---|---|")
    for accounts, name, measured in other_rows:
        base = next((m for a, n, m in other_rows if a == 10 and n == name), None)
        status = "" if measured.returncode == 0 else f" (FAILED: {'; '.join(measured.errors)[:200]})"
        print(
            f"| {accounts} | {name} | {measured.total_records:,} | {measured.wall_seconds:.1f} s | {measured.cpu_seconds:.1f} s | "
            f"{measured.peak_rss_mb:.0f} MB | {measured.calls:,} | {measured.wall_seconds / ours[accounts].wall_seconds:.2f} | "
            f"{f'{measured.wall_seconds / base.wall_seconds:.2f}' if base else '-'} |{status}"
        )


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"\n(benchmark took {time.monotonic() - started:.0f} s)")
