"""Fixtures for end-to-end runs: a fresh emulator per test, and a scratch directory to run from."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest

from integration_tests.connector import ConnectorRun, configured_catalog, run_connector, write_json
from integration_tests.emulator import Dataset, GraphEmulator

TOKEN = "EAAG-integration-secret-token-7c41"


@pytest.fixture
def dataset() -> Dataset:
    return Dataset.generate(seed=7)


@pytest.fixture
def emulator(dataset: Dataset) -> Iterator[GraphEmulator]:
    with GraphEmulator(dataset, token=TOKEN) as emu:
        yield emu


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
        return run_connector(args, self.workdir)

    def catalog(self, config: dict, streams: list[str] | None = None) -> dict:
        discovered = self.run("discover", config)
        catalogs = discovered.of_type("CATALOG")
        assert catalogs, discovered.stdout[-2000:] + discovered.stderr[-2000:]
        return configured_catalog(catalogs[0]["catalog"], streams)

    def read(self, config: dict, streams: list[str] | None = None, state: list | None = None) -> ConnectorRun:
        return self.run("read", config, self.catalog(config, streams), state)


@pytest.fixture
def connector(emulator: GraphEmulator, tmp_path: Path) -> Connector:
    return Connector(emulator, tmp_path)


def last_30d(dataset: Dataset) -> tuple[date, date]:
    """The insights days of a config without start_date: Meta's last_30d (today excluded)."""
    today = dataset.today()
    return today - timedelta(days=30), today - timedelta(days=1)
