"""A real client: PyAirbyte runs the installed command and loads every stream into DuckDB.

PyAirbyte lives in its own venv, built on first use (seconds with uv, minutes with pip) and reused while the pin below
is unchanged: it brings warehouse clients (DuckDB, Snowflake, BigQuery, pandas, pyarrow: ~800 MB) that
neither the connector nor its other tests need. The venv sits in the user's cache directory
(`$XDG_CACHE_HOME` or `~/.cache`), not in the checkout, so a fresh clone (as CI makes for every run)
reuses it. `pyairbyte_read.py` runs there; it knows only the path of the executable and a config.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from integration_tests.conftest import TOKEN, last_30d
from integration_tests.connector import CONNECTOR, write_json
from integration_tests.emulator import Dataset, GraphEmulator
from integration_tests.test_coverage import PRESETS
from integration_tests.test_full_sync import INSIGHTS_LEVELS, OBJECT_STREAMS, expected_insight_keys

PYAIRBYTE_VERSION = "0.71.3"
PYAIRBYTE_VENV = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "source-facebook-ads" / f"pyairbyte-{PYAIRBYTE_VERSION}"
)
READ_SCRIPT = Path(__file__).with_name("pyairbyte_read.py")
# A cold cache downloads ~250 MB of wheels.
INSTALL_TIMEOUT_SECONDS = 1200


def pyairbyte_python() -> Path:
    """The PyAirbyte venv's interpreter; the venv is (re)built when the pinned version is missing."""
    python = PYAIRBYTE_VENV / "bin" / "python"
    installed = PYAIRBYTE_VENV / f"airbyte-{PYAIRBYTE_VERSION}.installed"
    PYAIRBYTE_VENV.parent.mkdir(parents=True, exist_ok=True)
    # Other checkouts on the machine may run this test at the same time: one builds, the others wait.
    with open(PYAIRBYTE_VENV.parent / f"{PYAIRBYTE_VENV.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not installed.exists():
            build_pyairbyte_venv(python, installed)
    return python


def build_pyairbyte_venv(python: Path, installed: Path) -> None:
    shutil.rmtree(PYAIRBYTE_VENV, ignore_errors=True)  # a half-built venv
    requirement = f"airbyte=={PYAIRBYTE_VERSION}"
    # uv (which the test command's install brings) builds it in seconds from its cache, pip in minutes.
    uv = Path(sys.executable).with_name("uv")
    if uv.exists():
        steps = [
            [str(uv), "venv", "-q", "--python", sys.executable, str(PYAIRBYTE_VENV)],
            [str(uv), "pip", "install", "-q", "--python", str(python), requirement],
        ]
    else:
        steps = [[sys.executable, "-m", "venv", str(PYAIRBYTE_VENV)], [str(python), "-m", "pip", "install", "-q", requirement]]
    for step in steps:
        completed = subprocess.run(step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_SECONDS)
        if completed.returncode != 0:
            pytest.fail(f"{' '.join(step)} failed:\n{completed.stdout[-2000:]}{completed.stderr[-3000:]}")
    installed.touch()


def expected_rows(dataset: Dataset) -> dict[str, int]:
    """Rows per table of a first read with the default config: the emulator's ground truth."""
    rows = {stream: len(dataset.expected_ids(stream)) for stream in OBJECT_STREAMS}
    today = dataset.today()
    for stream, (level, id_field) in INSIGHTS_LEVELS.items():
        keys = expected_insight_keys(dataset, level, id_field, *last_30d(dataset))
        rows[stream] = sum(keys.values())
    rows["activities"] = len(dataset.expected_ids("activities"))
    for stream, breakdowns in PRESETS.items():
        rows[stream] = sum(len(dataset.insight_rows("ad", account, *last_30d(dataset), breakdowns=breakdowns, fields=("ad_id",)))
                           for account in dataset.accounts)
    return rows


@pytest.fixture
def dataset() -> Dataset:
    """Two campaigns per account, as test_coverage.py: every stream is read, the presets multiply the rows."""
    return Dataset.generate(seed=7, campaigns_per_account=2)


def test_pyairbyte_reads_every_stream_into_duckdb_with_ground_truth_row_counts(
    emulator: GraphEmulator, dataset: Dataset, tmp_path: Path
) -> None:
    python = pyairbyte_python()
    config = write_json(tmp_path / "config.json", {"access_token": TOKEN, "base_url": emulator.base_url})
    env = {
        **os.environ,
        # No registry lookup (the executable is given) and no telemetry.
        "AIRBYTE_OFFLINE_MODE": "1",
        "DO_NOT_TRACK": "1",
        "AIRBYTE_CACHE_ROOT": str(tmp_path / "cache"),
        "AIRBYTE_LOGGING_ROOT": str(tmp_path / "logs"),
    }

    completed = subprocess.run(
        [str(python), str(READ_SCRIPT), "--executable", str(CONNECTOR), "--config", config],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )

    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-4000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert Path(report["cache"]).is_file() and Path(report["cache"]).suffix == ".duckdb"
    rows = {stream: table["rows"] for stream, table in report["tables"].items()}
    assert rows == expected_rows(dataset)
