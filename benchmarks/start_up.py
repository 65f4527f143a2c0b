"""Benchmark: how long `spec` and `check` take next to importing the CDK's declarative source alone.

    .venv/bin/python -m benchmarks.start_up [--runs 5]

Issue 10's target: each command within 0.5 s of the bare import. `check` reads one ad account of a
local emulator. CPU seconds (every thread of the child, from `os.wait4`) are the figure to compare
on a loaded machine; wall time stretches with the load. Medians of `--runs` runs, taken in turn.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.measure import Measured, run_measured
from integration_tests.connector import CONNECTOR, write_json
from integration_tests.emulator import Dataset, GraphEmulator

TOKEN = "start-up-benchmark-token"
CDK_IMPORT = [sys.executable, "-c", "import airbyte_cdk.sources.declarative.concurrent_declarative_source"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="start-up-bench-"))
    with GraphEmulator(Dataset.generate(accounts=1), token=TOKEN) as emulator:
        config = {"access_token": TOKEN, "base_url": emulator.base_url}
        config_path = write_json(workdir / "config.json", config)
        commands = {
            "import the CDK's declarative source": CDK_IMPORT,
            "source-facebook-ads spec": [str(CONNECTOR), "spec"],
            "source-facebook-ads check (1 account)": [str(CONNECTOR), "check", "--config", config_path],
        }
        runs: dict[str, list[Measured]] = {label: [] for label in commands}
        for _ in range(args.runs):
            for label, argv in commands.items():
                measured = run_measured(argv, workdir, label=label)
                if measured.returncode != 0 or measured.errors:
                    raise SystemExit(f"{label} failed: {measured.errors}")
                runs[label].append(measured)

    baseline_cpu = statistics.median(m.cpu_seconds for m in runs["import the CDK's declarative source"])
    baseline_wall = statistics.median(m.wall_seconds for m in runs["import the CDK's declarative source"])
    print(f"{'command':40} {'CPU s':>7} {'wall s':>7} {'CPU over import':>16} {'wall over import':>17}")
    for label, measured in runs.items():
        cpu = statistics.median(m.cpu_seconds for m in measured)
        wall = statistics.median(m.wall_seconds for m in measured)
        print(f"{label:40} {cpu:7.2f} {wall:7.2f} {cpu - baseline_cpu:+16.2f} {wall - baseline_wall:+17.2f}")
    print(f"medians of {args.runs} runs each")


if __name__ == "__main__":
    main()
