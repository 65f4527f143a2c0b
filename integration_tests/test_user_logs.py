"""What a person reads in the log of check, discover and read."""

from __future__ import annotations

import re

from integration_tests.conftest import Connector
from integration_tests.emulator import Dataset
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

    def test_a_read_ends_with_one_api_use_line_per_ad_account(self, connector: Connector, dataset: Dataset) -> None:
        emulator = connector.emulator
        emulator.set_budget(calls=3, window_seconds=1)  # a tight budget, so some calls are throttled
        config = connector.config(account_ids=dataset.accounts, requests_per_second=8, page_size=1)
        catalog = connector.catalog(config, ["campaigns"])
        emulator.reset_log()

        run = connector.run("read", config, catalog)

        assert run.returncode == 0, run.stdout[-2000:]
        lines = {m["log"]["message"].split(":")[0]: m["log"]["message"] for m in run.of_type("LOG") if m["log"]["message"].startswith("API use of ")}
        assert set(lines) == {f"API use of {account}" for account in dataset.accounts}
        for account in dataset.accounts:
            sent = [r for r in emulator.requests if f"act_{r.account_id}" == account or r.account_id == account]
            throttled = sum(1 for r in sent if r.throttled)
            line = lines[f"API use of {account}"]
            assert f": {len(sent)} calls, {throttled} throttled, " in line, line
            peak = float(re.search(r"X-Business-Use-Case-Usage (\d+(?:\.\d+)?)%", line).group(1))
            assert peak >= 100 or throttled == 0, line
        assert any(r.throttled for r in emulator.requests), "the budget was meant to throttle some calls"
