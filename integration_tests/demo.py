"""The README's demo: the installed `source-facebook-ads` command, end to end, against the emulator.

    python -m integration_tests.demo [--output-dir demo_output]

Serves the local Graph API emulator from this process (nothing reaches Meta), runs `spec`,
`check`, `discover` and a `read` of every stream (incremental where the stream supports it)
through the installed command, as Airbyte would. Each stream's records go to
<output-dir>/<stream>.jsonl (one record's data per line), the final state of each stream to
<output-dir>/state.json (what a next incremental read takes as `--state`). Prints one line per
step, then one row per stream. Exits 1 if a step fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

from integration_tests.connector import ConnectorRun, configured_catalog, run_connector, write_json
from integration_tests.emulator import Dataset, GraphEmulator

TOKEN = "demo-token"
SEED = 1


class StepFailed(Exception):
    pass


def failure(run: ConnectorRun) -> str:
    """What went wrong, in the connector's own words: its error trace, else its last output."""
    if run.errors:
        return run.errors[0].get("message") or run.errors[0].get("internal_message") or "error trace"
    return f"exit code {run.returncode}: {(run.stderr or run.stdout).strip()[-1500:]}"


def step(name: str, action: Callable[[], tuple[ConnectorRun, str]]) -> ConnectorRun:
    """Run one command, print `name ok <detail> <seconds>` (or FAILED and why), return its run."""
    started = time.monotonic()
    try:
        run, detail = action()
    except StepFailed as error:
        print(f"{name:<9} FAILED  {error}", flush=True)
        raise
    print(f"{name:<9} ok      {detail:<40} {time.monotonic() - started:5.1f} s", flush=True)
    return run


def shown(path: Path) -> str:
    """The path as the user typed the output directory: relative to the current directory if inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def summary_table(rows: list[tuple[str, int, str, str]]) -> str:
    header = ("stream", "records", "sync mode", "file")
    width = max(len(header[0]), *(len(row[0]) for row in rows))
    lines = [f"{header[0]:<{width}}  {header[1]:>7}  {header[2]:<12}  {header[3]}"]
    lines += [f"{stream:<{width}}  {records:>7}  {mode:<12}  {file}" for stream, records, mode, file in rows]
    lines.append(f"{'total':<{width}}  {sum(row[1] for row in rows):>7}")
    return "\n".join(lines)


def run_demo(output_dir: Path, workdir: Path, emulator: GraphEmulator) -> None:
    config = write_json(workdir / "config.json", {"access_token": TOKEN, "base_url": emulator.base_url})

    def spec() -> tuple[ConnectorRun, str]:
        run = run_connector(["spec"], workdir)
        specs = run.of_type("SPEC")
        if run.returncode != 0 or not specs:
            raise StepFailed(failure(run))
        properties = specs[0]["spec"]["connectionSpecification"].get("properties", {})
        return run, f"{len(properties)} config properties"

    def check() -> tuple[ConnectorRun, str]:
        run = run_connector(["check", "--config", config], workdir)
        statuses = run.of_type("CONNECTION_STATUS")
        if not statuses:
            raise StepFailed(failure(run))
        status = statuses[0]["connectionStatus"]
        if status["status"] != "SUCCEEDED":
            raise StepFailed(status.get("message") or status["status"])
        return run, "SUCCEEDED"

    def discover() -> tuple[ConnectorRun, str]:
        run = run_connector(["discover", "--config", config], workdir)
        catalogs = run.of_type("CATALOG")
        if run.returncode != 0 or not catalogs:
            raise StepFailed(failure(run))
        return run, f"{len(catalogs[0]['catalog']['streams'])} streams"

    step("spec", spec)
    step("check", check)
    catalog = configured_catalog(step("discover", discover).of_type("CATALOG")[0]["catalog"])
    catalog_path = write_json(workdir / "catalog.json", catalog)

    def read() -> tuple[ConnectorRun, str]:
        run = run_connector(["read", "--config", config, "--catalog", catalog_path], workdir)
        if run.returncode != 0 or run.errors:
            raise StepFailed(failure(run))
        return run, f"{len(run.records())} records from {len(catalog['streams'])} streams"

    result = step("read", read)

    output_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for configured in catalog["streams"]:
        name = configured["stream"]["name"]
        records = result.records(name)
        path = output_dir / f"{name}.jsonl"
        path.write_text("".join(json.dumps(record) + "\n" for record in records))
        rows.append((name, len(records), configured["sync_mode"], shown(path)))
    state_path = output_dir / "state.json"
    final_states = result.final_states()
    state_path.write_text(json.dumps(final_states, indent=2))

    print()
    print(summary_table(rows))
    print(f"\nFinal state of {len(final_states)} streams: {shown(state_path)} (pass it as --state to read only changes)")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m integration_tests.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", type=Path, default=Path("demo_output"),
                        help="where the JSONL files and state.json go (default: demo_output)")
    args = parser.parse_args(argv)

    dataset = Dataset.generate(seed=SEED)
    with GraphEmulator(dataset, token=TOKEN) as emulator, tempfile.TemporaryDirectory() as workdir:
        print(f"Graph API emulator at {emulator.base_url} ({len(dataset.accounts)} ad accounts, seed {SEED})", flush=True)
        try:
            run_demo(args.output_dir, Path(workdir), emulator)
        except StepFailed:
            return 1
        except RuntimeError as error:  # the command is not installed
            print(f"FAILED: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
