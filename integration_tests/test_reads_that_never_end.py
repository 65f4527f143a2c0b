"""Reads that would never end on their own: the installed command against a misbehaving emulator."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta, timezone

from integration_tests.conftest import TOKEN, Connector
from integration_tests.emulator import Dataset, Fault, GraphEmulator


def ads_requests(connector: Connector, account: str) -> int:
    return sum(1 for request in connector.emulator.requests if request.path.endswith(f"/{account}/ads"))


class TestLoopingCursors:
    def test_a_cursor_that_never_moves_stops_the_stream_naming_stream_account_and_cursor(
        self, connector: Connector, dataset: Dataset
    ) -> None:
        account = dataset.accounts[0]
        fault = connector.emulator.inject(Fault("repeated_cursor", path_pattern=rf"/{account}/ads$", times=30))
        config = connector.config(page_size=5, include_deleted=True, requests_per_second=20)
        catalog = connector.catalog(config, ["ads"])
        connector.emulator.reset_log()

        result = connector.run("read", config, catalog)

        assert fault.fired >= 1
        assert ads_requests(connector, account) == 2  # the first page, then the one that repeats it
        messages = [error["message"] for error in result.errors]
        cursor_stop = [m for m in messages if "already followed" in m]
        assert cursor_stop, messages
        assert f"ads for ad account {account}" in cursor_stop[0]
        assert re.search(r"after cursor '[A-Za-z0-9_-]+'", cursor_stop[0])
        # The other account is read whole.
        other = [r["id"] for r in result.records("ads") if r["account_id"] == dataset.accounts[1].removeprefix("act_")]
        assert set(other) == dataset.expected_ids("ads", account_id=dataset.accounts[1], include_deleted=True)

    def test_endless_empty_pages_stop_the_stream_after_ten_in_a_row(self, connector: Connector, dataset: Dataset) -> None:
        account = dataset.accounts[0]
        connector.emulator.inject(Fault("endless_empty_pages", path_pattern=rf"/{account}/ads$", times=30))
        config = connector.config(page_size=5, include_deleted=True, requests_per_second=20)
        catalog = connector.catalog(config, ["ads"])
        connector.emulator.reset_log()

        result = connector.run("read", config, catalog)

        assert ads_requests(connector, account) == 11
        messages = [error["message"] for error in result.errors]
        assert any(f"ads for ad account {account}" in m and "11 empty pages in a row" in m for m in messages), messages


class TestDribbledAnswer:
    def test_a_body_dribbled_a_byte_at_a_time_is_cut_at_request_timeout_seconds_and_asked_again(
        self, connector: Connector, dataset: Dataset
    ) -> None:
        # Every socket read succeeds within the timeout (a byte each 0.5 s); the ~2 kB page alone
        # would take ~15 minutes.
        fault = connector.emulator.inject(Fault("dribble", path_pattern=r"/campaigns$", seconds=0.5))
        config = connector.config(page_size=5, include_deleted=True, requests_per_second=20, request_timeout_seconds=5)
        catalog = connector.catalog(config, ["campaigns"])
        connector.emulator.reset_log()

        started = time.monotonic()
        result = connector.run("read", config, catalog)
        elapsed = time.monotonic() - started

        assert fault.fired == 1
        assert result.returncode == 0 and not result.errors, result.stdout[-2000:]
        assert set(result.record_ids("campaigns")) == dataset.expected_ids("campaigns", include_deleted=True)
        assert elapsed < 30, f"the read took {elapsed:.0f} s"


class TestDaysThatHaveNotBegun:
    def test_insights_never_ask_for_a_day_after_today_in_the_account_time_zone(self, tmp_path) -> None:
        # UTC-12: where a day begins last. The config's range ends three days after today (UTC).
        dataset = Dataset.generate(seed=7, timezone_name="Etc/GMT+12")
        utc_today = datetime.now(timezone.utc).date()
        with GraphEmulator(dataset, token=TOKEN) as emulator:
            connector = Connector(emulator, tmp_path)
            config = connector.config(
                start_date=(utc_today - timedelta(days=6)).isoformat(),
                end_date=(utc_today + timedelta(days=3)).isoformat(),
                insights_window_days=2,
                requests_per_second=20,
            )
            catalog = connector.catalog(config, ["account_insights", "ad_insights"])
            emulator.reset_log()

            result = connector.run("read", config, catalog)

        assert result.returncode == 0 and not result.errors, result.stdout[-2000:]
        for account in dataset.accounts:
            today = dataset.today(account)
            untils = [json.loads(r.query["time_range"])["until"] for r in emulator.requests if r.path.endswith(f"/{account}/insights")]
            assert untils and max(untils) == today.isoformat(), account
            # The time zone is asked at most once per account, not once per stream; not at all when the
            # config's clamp to UTC's today already ends the range on or before the account's today
            # (from 12:00 UTC on, even a UTC-12 account's today is UTC's date).
            assert sum(1 for r in emulator.requests if r.path.endswith(f"/{account}")) <= 1
        assert max(r["date_start"] for r in result.records("ad_insights")) <= max(dataset.today(a) for a in dataset.accounts).isoformat()
