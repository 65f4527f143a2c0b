"""What a person reads in the log of check, discover and read."""

from __future__ import annotations

from integration_tests.conftest import Connector
from integration_tests.connector import ConnectorRun


def warnings_of(run: ConnectorRun) -> list[str]:
    return [m["log"]["message"] for m in run.of_type("LOG") if m["log"]["level"] in ("WARN", "WARNING")]


class TestLogs:
    def test_no_command_opens_with_the_cdks_false_warnings_about_our_error_handler(self, connector: Connector) -> None:
        config = connector.config()
        runs = [connector.run("check", config), connector.run("discover", config), connector.read(config, ["campaigns", "ad_insights"])]

        for run in runs:
            assert run.returncode == 0, run.stdout[-2000:]
            false_warnings = [w for w in warnings_of(run) if "page_size_reduction" in w or "request_window_splitting" in w]
            assert not false_warnings, false_warnings[:2]
