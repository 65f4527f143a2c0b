"""A read paused and resumed by signals prints every record it read.

A debugger or a sampling profiler attached to a slow sync (py-spy), or a stopped and continued job,
stops the process with SIGSTOP/SIGCONT. A stop during a large write to a full pipe cuts the write
short, and Python's buffered stdout then dropped the rest without an error (source_facebook_ads/
whole_writes.py): before the fix this read lost a quarter of its records.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from integration_tests.conftest import Connector
from integration_tests.connector import finished_run, start_connector, write_json
from integration_tests.emulator import Dataset

OBJECT_STREAMS = ["campaigns", "adsets", "ads"]


@pytest.fixture
def dataset() -> Dataset:
    # Enough records that the CDK's PrintBuffer hands on writes of hundreds of kilobytes.
    return Dataset.generate(accounts=2, campaigns_per_account=400, seed=11)


def parses(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def records_per_stream(messages: list[dict]) -> Counter:
    return Counter(message["record"]["stream"] for message in messages if message["type"] == "RECORD")


def test_a_read_stopped_and_continued_every_few_milliseconds_prints_every_record(
    connector: Connector, tmp_path: Path
) -> None:
    config = connector.config(include_deleted=True)
    expected = records_per_stream(connector.read(config, OBJECT_STREAMS).messages)
    assert sum(expected.values()) > 4000

    catalog = connector.catalog(config, OBJECT_STREAMS)
    args = ["read", "--config", write_json(tmp_path / "config.json", config),
            "--catalog", write_json(tmp_path / "catalog.json", catalog)]
    process = start_connector(args, connector.workdir, tmp_path)

    def stop_and_continue() -> None:
        while process.poll() is None:
            time.sleep(0.02)
            try:
                process.send_signal(signal.SIGSTOP)
                time.sleep(0.005)
                process.send_signal(signal.SIGCONT)
            except ProcessLookupError:
                return

    printed: list[bytes] = []

    def read_slowly() -> None:
        # A reader a little slower than the writer keeps the pipe full, where a stop cuts a write short.
        while chunk := os.read(process.stdout.fileno(), 1 << 16):
            printed.append(chunk)
            time.sleep(0.002)

    threads = [threading.Thread(target=stop_and_continue, daemon=True), threading.Thread(target=read_slowly, daemon=True)]
    for thread in threads:
        thread.start()
    stderr = process.stderr.read()
    process.wait(timeout=300)
    for thread in threads:
        thread.join(timeout=30)
    stdout = b"".join(printed).decode()

    assert process.returncode == 0, stderr[-2000:]
    assert not [line[:100] for line in stdout.splitlines() if not parses(line)], "lines were cut and run together"
    paused = finished_run(args, process.returncode, stdout, stderr)
    assert records_per_stream(paused.messages) == expected
