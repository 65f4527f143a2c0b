"""A proxy set in the environment carries the sync's calls, and NO_PROXY still bypasses it.

Each requester reads the environment once per host (components/session_environment.py), not on
every call as requests does: these reads show that what the environment says still applies.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from integration_tests.conftest import Connector
from integration_tests.connector import ConnectorRun, run_connector, write_json


def port_nothing_listens_on() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def set_env(monkeypatch: pytest.MonkeyPatch, name: str, value: str | None) -> None:
    """Both spellings: requests prefers the lower-case one where both are set."""
    for spelling in (name.upper(), name.lower()):
        if value is None:
            monkeypatch.delenv(spelling, raising=False)
        else:
            monkeypatch.setenv(spelling, value)


def read_campaigns(connector: Connector, config: dict, tmp_path: Path) -> ConnectorRun:
    """A read by a command started with this test's environment (the forked runs keep theirs)."""
    catalog = connector.catalog(connector.config(), ["campaigns"])
    args = ["read", "--config", write_json(tmp_path / "config.json", config)]
    return run_connector([*args, "--catalog", write_json(tmp_path / "catalog.json", catalog)], connector.workdir)


class TestProxyFromTheEnvironment:
    def test_http_proxy_carries_every_call_to_the_graph_host(
        self, connector: Connector, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The emulator is the proxy: nothing listens at the configured host, so only calls that
        # went through the proxy are answered.
        set_env(monkeypatch, "http_proxy", connector.emulator.base_url)
        set_env(monkeypatch, "no_proxy", None)
        config = connector.config(base_url=f"http://127.0.0.1:{port_nothing_listens_on()}")
        connector.emulator.reset_log()

        result = read_campaigns(connector, config, tmp_path)

        assert result.returncode == 0, result.errors
        assert result.records("campaigns")
        assert connector.emulator.requests, "no call reached the proxy"

    def test_no_proxy_sends_calls_to_the_host_directly(
        self, connector: Connector, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        set_env(monkeypatch, "http_proxy", f"http://127.0.0.1:{port_nothing_listens_on()}")
        set_env(monkeypatch, "no_proxy", "127.0.0.1")

        result = read_campaigns(connector, connector.config(), tmp_path)

        assert result.returncode == 0, result.errors
        assert result.records("campaigns")
