"""Fixtures for end-to-end runs: a fresh emulator per test, and a scratch directory to run from."""

from __future__ import annotations

import copy
import json
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest

from integration_tests.connector import (
    RUN_OBSERVERS,
    ConnectorRun,
    configured_catalog,
    finished_run,
    run_forked,
    start_connector,
    write_json,
)
from integration_tests.emulator import Dataset, GraphEmulator
from integration_tests.token_leaks import token_leaks

TOKEN = "EAAG-integration-secret-token-7c41"


@pytest.fixture(autouse=True)
def no_token_in_any_output() -> Iterator[None]:
    """Every byte each run of the command printed, stdout and stderr, holds no form of its token."""
    runs: list[ConnectorRun] = []
    RUN_OBSERVERS.append(runs.append)
    try:
        yield
    finally:
        RUN_OBSERVERS.remove(runs.append)
    for number, run in enumerate(runs, 1):
        for token in {TOKEN, run.access_token or TOKEN}:
            for stream, output in (("stdout", run.stdout), ("stderr", run.stderr)):
                leaks = token_leaks(output, token)
                assert not leaks, f"run {number} printed its access token on {stream} ({', '.join(leaks)})"


@pytest.fixture
def dataset() -> Dataset:
    return Dataset.generate(seed=7)


@pytest.fixture
def emulator(dataset: Dataset) -> Iterator[GraphEmulator]:
    with GraphEmulator(dataset, token=TOKEN) as emu:
        yield emu


# Discover sends no request and its catalog never names base_url: the catalog of a config is the
# same against every emulator, so later reads with that config skip a command start (~2.5 CPU-s).
_CATALOGS: dict[str, dict] = {}


class Connector:
    """The installed command, run from a directory outside the repo against one emulator."""

    def __init__(self, emulator: GraphEmulator, workdir: Path) -> None:
        self.emulator = emulator
        self.workdir = workdir
        self._runs = 0

    def config(self, **overrides: Any) -> dict[str, Any]:
        return {"access_token": TOKEN, "base_url": self.emulator.base_url, **overrides}

    def _file(self, name: str, value: Any) -> str:
        self._runs += 1
        return write_json(self.workdir / f"{self._runs}-{name}.json", value)

    def run(self, command: str, config: dict, catalog: dict | None = None, state: list | None = None) -> ConnectorRun:
        args = [command, "--config", self._file("config", config)]
        if catalog is not None:
            args += ["--catalog", self._file("catalog", catalog)]
        if state is not None:
            args += ["--state", self._file("state", state)]
        return run_forked(args, self.workdir)

    def read_until_first_record(self, config: dict, catalog: dict, tmpdir: Path) -> "RunningRead":
        """A read started in the background (temporary files in `tmpdir`), once it has printed a record."""
        args = ["read", "--config", self._file("config", config), "--catalog", self._file("catalog", catalog)]
        process = start_connector(args, self.workdir, tmpdir)
        printed = []
        for line in process.stdout:
            printed.append(line)
            if line.startswith('{"type":"RECORD"'):
                break
        return RunningRead(process, args, printed)

    def catalog(self, config: dict, streams: list[str] | None = None) -> dict:
        """The configured catalog of a `discover` with this config, run once per config in a test process."""
        key = json.dumps([{k: v for k, v in config.items() if k != "base_url"}, streams], sort_keys=True)
        if key not in _CATALOGS:
            discovered = self.run("discover", config)
            catalogs = discovered.of_type("CATALOG")
            assert catalogs, discovered.stdout[-2000:] + discovered.stderr[-2000:]
            _CATALOGS[key] = configured_catalog(catalogs[0]["catalog"], streams)
        return copy.deepcopy(_CATALOGS[key])

    def read(self, config: dict, streams: list[str] | None = None, state: list | None = None) -> ConnectorRun:
        return self.run("read", config, self.catalog(config, streams), state)


class RunningRead:
    def __init__(self, process: subprocess.Popen, args: list[str], printed: list[str]) -> None:
        self.process = process
        self.args = args
        self.printed = printed

    def stop(self, signal_number: int, timeout: float = 60) -> ConnectorRun:
        """Send the signal and wait for the command to end; what it printed goes to the leak scan."""
        self.process.send_signal(signal_number)
        stdout, stderr = self.process.communicate(timeout=timeout)
        return finished_run(self.args, self.process.returncode, "".join(self.printed) + stdout, stderr)


@pytest.fixture
def connector(emulator: GraphEmulator, tmp_path: Path) -> Connector:
    return Connector(emulator, tmp_path)


def last_30d(dataset: Dataset) -> tuple[date, date]:
    """The insights days of a config without start_date: Meta's last_30d (today excluded)."""
    today = dataset.today()
    return today - timedelta(days=30), today - timedelta(days=1)
