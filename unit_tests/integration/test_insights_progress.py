"""A long insights stream tells a person how far it is: windows done of total and rows so far."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from unittest import TestCase, mock
from urllib.parse import parse_qs, urlparse

import requests_mock
from airbyte_cdk.models import SyncMode

from source_facebook_ads.insights_progress import InsightsPlan, InsightsProgress
from unit_tests.builders import API, ConfigBuilder, read_stream


def rows_of_each_day(request, context) -> dict:
    window = json.loads(parse_qs(urlparse(request.url).query)["time_range"][0])
    since, until = date.fromisoformat(window["since"]), date.fromisoformat(window["until"])
    days = [since + timedelta(days=i) for i in range((until - since).days + 1)]
    return {"data": [{"account_id": "111", "ad_id": "9", "date_start": d.isoformat(), "date_stop": d.isoformat(), "spend": "1"} for d in days]}


def progress_lines(output) -> list[str]:
    return [log.log.message for log in output.logs if log.log.message.startswith("Stream ad_insights running for")]


class TestAdInsightsProgress(TestCase):
    config = ConfigBuilder().with_start_date("2026-11-01").with_values(end_date="2026-11-06", insights_window_days=2, insights_lookback_days=0)

    def read(self, state=None):
        # Progress every message instead of every 30 s, so a short read shows it.
        with mock.patch("source_facebook_ads.progress.PROGRESS_INTERVAL_SECONDS", 0), requests_mock.Mocker() as meta:
            meta.get(re.compile(rf"^{re.escape(API)}/act_111/insights"), json=rows_of_each_day)
            return read_stream("ad_insights", self.config.build(), SyncMode.incremental, state=state)

    def test_a_running_insights_stream_logs_rows_so_far_and_windows_of_the_total(self) -> None:
        lines = progress_lines(self.read())

        assert lines, "no progress line"
        assert re.search(r"6 rows so far; \d of 3 windows done in the 1 accounts started\.$", lines[-1]), lines[-1]
        rows = [int(re.search(r": (\d+) rows so far", line).group(1)) for line in lines]
        assert rows == sorted(rows), "rows so far never go back"


class TestInsightsProgressCounting(TestCase):
    plan = InsightsPlan(since=date(2026, 11, 1), until=date(2026, 11, 6), window_days=2, lookback_days=0)

    def test_a_window_is_done_once_the_state_has_passed_its_last_day(self) -> None:
        progress = InsightsProgress({"ad_insights": self.plan}, saved={})

        progress.on_state("ad_insights", {"states": [{"partition": {"account_id": "111"}, "cursor": {"date_start": "2026-11-04"}}]})

        assert progress.line("ad_insights", 40, 61).endswith("40 rows so far; 2 of 3 windows done in the 1 accounts started.")

    def test_windows_before_the_saved_state_less_the_lookback_are_not_counted(self) -> None:
        plan = InsightsPlan(since=date(2026, 11, 1), until=date(2026, 11, 6), window_days=2, lookback_days=1)
        progress = InsightsProgress({"ad_insights": plan}, saved={"ad_insights": {"111": date(2026, 11, 5)}})

        progress.on_state("ad_insights", {"states": [{"partition": {"account_id": "111"}, "cursor": {"date_start": "2026-11-05"}}]})

        # From 11-04 (the saved 11-05 less one day of lookback): [11-04, 11-05] done, [11-06] not yet.
        assert progress.line("ad_insights", 3, 5).endswith("1 of 2 windows done in the 1 accounts started.")

    def test_accounts_count_once_they_have_state(self) -> None:
        progress = InsightsProgress({"ad_insights": self.plan}, saved={})

        assert progress.line("ad_insights", 0, 1).endswith("no window done yet.")
