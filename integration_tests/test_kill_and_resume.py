"""SIGKILL in the middle of a read, resume from the last state it printed: nothing lost, and only
the lookback and the windows that were in flight are read twice. Through the installed command."""

from __future__ import annotations

import json
import signal
import subprocess
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from integration_tests.conftest import Connector
from integration_tests.connector import CONNECTOR, ConnectorRun, write_json
from integration_tests.emulator import Dataset

STREAMS = ["campaigns", "ads", "ad_insights"]
WINDOW_DAYS = 2
LOOKBACK_DAYS = 2


def kill_and_resume_config(connector: Connector) -> dict[str, Any]:
    # No start_date: insights cover Meta's last_30d, the ground truth of `expected_ids`; 2-day
    # windows make fifteen per account, so a kill lands between checkpoints.
    return connector.config(
        include_deleted=True,
        page_size=100,
        requests_per_second=4,
        insights_window_days=WINDOW_DAYS,
        insights_lookback_days=LOOKBACK_DAYS,
    )


def read_killed_after(connector: Connector, name: str, config: dict, catalog: dict, records: int) -> ConnectorRun:
    """Read until `records` records are printed, then SIGKILL: what a platform saw of the dead sync."""
    args = ["read", "--config", write_json(connector.workdir / f"{name}-config.json", config),
            "--catalog", write_json(connector.workdir / f"{name}-catalog.json", catalog)]
    process = subprocess.Popen([str(CONNECTOR), *args], cwd=connector.workdir, stdout=subprocess.PIPE, text=True)
    lines, seen = [], 0
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if line.startswith('{"type":"RECORD"'):
            seen += 1
            if seen == records:
                process.send_signal(signal.SIGKILL)
                break
    # What it printed before it died, the platform reads too; a line the kill cut short it drops.
    lines += [line for line in process.stdout.readlines() if line.endswith("\n")]
    process.wait(timeout=30)
    process.stdout.close()
    stdout = "".join(lines)
    messages = [json.loads(line) for line in lines if line.startswith("{")]
    return ConnectorRun(process.returncode, stdout, "", messages)


def keys(run: ConnectorRun, stream: str) -> list[tuple]:
    if stream == "ad_insights":
        return [(r["ad_id"], r["date_start"]) for r in run.records(stream)]
    return [(r["id"],) for r in run.records(stream)]


def truth(dataset: Dataset, stream: str) -> set[tuple]:
    if stream == "ad_insights":
        return set(dataset.expected_ids(stream))
    return {(object_id,) for object_id in dataset.expected_ids(stream, include_deleted=True)}


def insights_state(run: ConnectorRun) -> dict[str, date]:
    """The last ad_insights state of a run, per account: the day each account resumes from."""
    return {
        entry["partition"]["account_id"]: date.fromisoformat(entry["cursor"]["date_start"])
        for state in run.final_states()
        if state["stream"]["stream_descriptor"]["name"] == "ad_insights"
        for entry in state["stream"]["stream_state"].get("states", [])
    }


def windows_read_whole(dataset: Dataset, killed: ConnectorRun) -> int:
    """How many insights windows (of any account) the killed read printed every row of."""
    printed = set(keys(killed, "ad_insights"))
    count = 0
    for account in dataset.accounts:
        expected = dataset.expected_ids("ad_insights", account_id=account)
        days = sorted({day for _, day in expected})
        for start in range(0, len(days), WINDOW_DAYS):
            window = set(days[start:start + WINDOW_DAYS])
            count += {key for key in expected if key[1] in window} <= printed
    return count


class TestKillAndResume:
    @pytest.mark.parametrize("share", [0.3, 0.6, 0.9])
    def test_a_read_killed_midway_resumes_from_its_last_state_without_losing_a_record(
        self, connector: Connector, dataset: Dataset, share: float
    ) -> None:
        config = kill_and_resume_config(connector)
        catalog = connector.catalog(config, STREAMS)
        total = sum(len(truth(dataset, stream)) for stream in STREAMS)

        killed = read_killed_after(connector, "killed", config, catalog, int(total * share))
        assert killed.returncode == -signal.SIGKILL
        resumed = connector.run("read", config, catalog, killed.final_states())

        assert resumed.returncode == 0 and not resumed.errors, resumed.stdout[-2000:]
        for stream in STREAMS:
            assert set(keys(killed, stream)) | set(keys(resumed, stream)) == truth(dataset, stream), stream
        # Checkpoints keep up: a state message for (nearly) every window read whole. The CDK alone
        # prints one after the first window and then none for 600 s. Half leaves room for windows
        # whose rows were printed but whose close had not come when the kill did.
        whole = windows_read_whole(dataset, killed)
        checkpoints = sum(1 for s in killed.states if s["stream"]["stream_descriptor"]["name"] == "ad_insights")
        assert checkpoints >= whole // 2, f"{checkpoints} insights states for {whole} windows read whole"
        state = insights_state(killed)
        # Read twice: only days from the lookback before each account's state.
        accounts_of_ads = {r["ad_id"]: r["account_id"] for r in killed.records("ad_insights")}
        twice = set(keys(killed, "ad_insights")) & set(keys(resumed, "ad_insights"))
        for ad_id, day in twice:
            saved = state.get(accounts_of_ads[ad_id])
            assert saved is None or date.fromisoformat(day) >= saved - timedelta(days=LOOKBACK_DAYS)
