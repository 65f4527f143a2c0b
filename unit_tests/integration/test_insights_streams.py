"""Insights streams: daily rows per level, windows, lookback, breakdowns, custom reports, row-ceiling splits."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any
from unittest import TestCase
from urllib.parse import parse_qs, urlparse

import requests_mock
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.entrypoint_wrapper import discover
from airbyte_cdk.test.mock_http import HttpMocker

from source_facebook_ads.source import SourceFacebookAds
from unit_tests.builders import (
    API,
    ConfigBuilder,
    fields_of,
    graph_page,
    graph_request,
    insights_status_filter,
    no_retry_waits,
    per_account_state,
    read_stream,
)


def time_range(since: str, until: str) -> str:
    return json.dumps({"since": since, "until": until}, sort_keys=True)


def insights_config() -> ConfigBuilder:
    return ConfigBuilder().with_start_date("2026-11-01").with_values(end_date="2026-11-14")


class InsightsStreamCases:
    stream: str
    level: str
    id_field: str

    def request(self, since: str, until: str, account_id: str = "111", **params: object):
        query = {
            "fields": fields_of(self.stream),
            "level": self.level,
            "time_increment": "1",
            "time_range": time_range(since, until),
            "action_breakdowns": "action_type",
            **insights_status_filter(self.level),
            "limit": "500",
            **params,
        }
        return graph_request(f"act_{account_id}/insights", **query)

    def row(self, object_id: str, day: str) -> dict:
        return {
            "account_id": "111",
            self.id_field: object_id,
            "date_start": day,
            "date_stop": day,
            "impressions": "1200",
            "spend": "12.5",
            "actions": [{"action_type": "link_click", "value": "7"}],
        }

    def test_read_requests_daily_rows_in_windows_of_insights_window_days(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(self.request("2026-11-01", "2026-11-07"), graph_page([self.row("1", "2026-11-01")], after="n"))
            http_mocker.get(self.request("2026-11-01", "2026-11-07", after="n"), graph_page([self.row("1", "2026-11-02")]))
            http_mocker.get(self.request("2026-11-08", "2026-11-14"), graph_page([self.row("1", "2026-11-08")]))

            output = read_stream(self.stream, insights_config().build(), SyncMode.incremental)

        assert sorted((r.record.data[self.id_field], r.record.data["date_start"]) for r in output.records) == [
            ("1", "2026-11-01"),
            ("1", "2026-11-02"),
            ("1", "2026-11-08"),
        ]

    def test_every_report_names_every_status_of_its_level_whatever_include_deleted_says(self) -> None:
        """Meta leaves deleted and archived objects out of insights unless effective_status names them."""
        for config in (insights_config(), insights_config().with_include_deleted()):
            with HttpMocker() as http_mocker:
                http_mocker.get(self.request("2026-11-01", "2026-11-14"), graph_page([self.row("1", "2026-11-01")]))

                output = read_stream(self.stream, config.with_values(insights_window_days=14).build())

            assert len(output.records) == 1 and not output.errors

    def test_read_emits_string_metrics_as_numbers(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(self.request("2026-11-01", "2026-11-14"), graph_page([self.row("1", "2026-11-01")]))

            output = read_stream(self.stream, insights_config().with_values(insights_window_days=14).build())

        record = output.records[0].record.data
        assert record["impressions"] == 1200
        assert record["spend"] == 12.5
        assert record["actions"] == [{"action_type": "link_click", "value": 7}]


class TestAccountInsightsStream(InsightsStreamCases, TestCase):
    stream, level, id_field = "account_insights", "account", "account_id"

    def test_read_without_start_date_covers_meta_last_30d_today_excluded(self) -> None:
        today = datetime.now(timezone.utc).date()
        yesterday = today - timedelta(days=1)
        windows = [(today - timedelta(days=30 - 7 * i), min(yesterday, today - timedelta(days=24 - 7 * i))) for i in range(5)]
        with HttpMocker() as http_mocker:
            for since, until in windows:
                http_mocker.get(self.request(since.isoformat(), until.isoformat()), graph_page([]))

            output = read_stream(self.stream, ConfigBuilder().build())

        assert not output.errors
        assert windows[0][0] == today - timedelta(days=30) and windows[-1][1] == yesterday

    def test_incremental_read_with_state_rereads_the_lookback_days_per_account(self) -> None:
        state = per_account_state(self.stream, "date_start", {"111": "2026-11-12", "222": "2026-11-03"})
        config = insights_config().with_account_ids("111", "222").with_values(insights_lookback_days=3, insights_window_days=14)
        with HttpMocker() as http_mocker:
            http_mocker.get(
                self.request("2026-11-09", "2026-11-14", "111"),
                graph_page([self.row("111", "2026-11-09"), self.row("111", "2026-11-13")]),
            )
            http_mocker.get(self.request("2026-11-01", "2026-11-14", "222"), graph_page([]))

            output = read_stream(self.stream, config.build(), SyncMode.incremental, state=state)

        assert [r.record.data["date_start"] for r in output.records] == ["2026-11-09", "2026-11-13"]
        cursors = {
            entry["partition"]["account_id"]: entry["cursor"]["date_start"]
            for entry in output.most_recent_state.stream_state.__dict__["states"]
        }
        # State moves to the newest day read; an account without rows keeps its state (never ahead of the data).
        assert cursors == {"111": "2026-11-13", "222": "2026-11-03"}

    def test_state_is_written_after_every_closed_window_so_a_kill_loses_no_finished_window(self) -> None:
        days = [f"2026-11-{day:02d}" for day in range(1, 15, 2)]  # seven 2-day windows
        with HttpMocker() as http_mocker:
            for since in days:
                until = (date.fromisoformat(since) + timedelta(days=1)).isoformat()
                http_mocker.get(self.request(since, until), graph_page([self.row("111", since)]))

            output = read_stream(self.stream, insights_config().with_values(insights_window_days=2).build(), SyncMode.incremental)

        cursors = [
            {entry["partition"]["account_id"]: entry["cursor"]["date_start"] for entry in message.state.stream.stream_state.__dict__["states"]}
            for message in output.state_messages
        ]
        # One state per closed window (the CDK alone writes one per 600 s), plus the final one.
        assert len(cursors) == len(days) + 1
        assert [c["111"] for c in cursors] == sorted(c["111"] for c in cursors)
        assert cursors[-1] == {"111": days[-1]}

    def test_breakdowns_are_requested_and_become_part_of_the_primary_key(self) -> None:
        config = insights_config().with_values(insights_breakdowns=["age", "gender"], insights_window_days=14).build()
        with HttpMocker() as http_mocker:
            http_mocker.get(
                self.request("2026-11-01", "2026-11-14", breakdowns="age,gender"),
                graph_page([{**self.row("111", "2026-11-01"), "age": "18-24", "gender": "female"}]),
            )

            output = read_stream(self.stream, config)
        catalog = discover(SourceFacebookAds(config=config), config).catalog.catalog

        stream = next(s for s in catalog.streams if s.name == self.stream)
        assert stream.source_defined_primary_key == [["account_id"], ["date_start"], ["age"], ["gender"]]
        assert {"age", "gender"} <= set(stream.json_schema["properties"])
        assert output.records[0].record.data["age"] == "18-24"

    def test_attribution_windows_and_field_override_reach_the_request(self) -> None:
        config = insights_config().with_values(
            insights_window_days=14, insights_fields=["spend"], insights_attribution_windows=["7d_click", "1d_view"]
        )
        with HttpMocker() as http_mocker:
            http_mocker.get(
                graph_request(
                    "act_111/insights",
                    fields="spend,account_id,date_start,date_stop",
                    level="account",
                    time_increment="1",
                    time_range=time_range("2026-11-01", "2026-11-14"),
                    action_breakdowns="action_type",
                    action_attribution_windows='["7d_click", "1d_view"]',
                    limit="500",
                ),
                graph_page([{"account_id": "111", "date_start": "2026-11-01", "date_stop": "2026-11-01", "spend": "3.5"}]),
            )

            output = read_stream(self.stream, config.build())

        assert output.records[0].record.data["spend"] == 3.5


class TestCampaignInsightsStream(InsightsStreamCases, TestCase):
    stream, level, id_field = "campaign_insights", "campaign", "campaign_id"


class TestAdsetInsightsStream(InsightsStreamCases, TestCase):
    stream, level, id_field = "adset_insights", "adset", "adset_id"


class TestAdInsightsStream(InsightsStreamCases, TestCase):
    stream, level, id_field = "ad_insights", "ad", "ad_id"

    def test_row_ceiling_splits_the_window_until_meta_answers_and_yields_each_day_once(self) -> None:
        """Meta refuses 14 and 7 days (code 100/1487534) but answers 3: every day arrives exactly once."""
        config = insights_config().with_values(insights_window_days=14).build()
        with requests_mock.Mocker() as mock:
            mock.get(re.compile(rf"^{re.escape(API)}/act_111/insights"), json=answer_up_to_three_days)

            output = read_stream(self.stream, config, SyncMode.incremental)

        days = [r.record.data["date_start"] for r in output.records]
        assert sorted(days) == [(date(2026, 11, 1) + timedelta(days=i)).isoformat() for i in range(14)]
        spans = [window_days(request) for request in mock.request_history]
        assert max(span for span in spans if span <= 3) <= 3 and 14 in spans and 7 in spans
        final = output.most_recent_state.stream_state.__dict__["states"][0]["cursor"]["date_start"]
        assert final == "2026-11-14"

    def test_one_day_that_still_exceeds_the_row_ceiling_is_a_config_error_saying_what_to_reduce(self) -> None:
        config = insights_config().with_values(end_date="2026-11-02", insights_window_days=2).build()
        with requests_mock.Mocker() as mock, no_retry_waits():
            # Every window and every page size: 2 days, then 1 day in pages of 500 down to 25.
            mock.get(
                re.compile(rf"^{re.escape(API)}/act_111/insights"),
                status_code=400,
                json={"error": {"code": 100, "error_subcode": 1487534, "message": "Please reduce the amount of data"}},
            )

            output = read_stream(self.stream, config, expecting_exception=True)

        assert [window_days(request) for request in mock.request_history][:2] == [2, 1]

        error = output.errors[0].trace.error
        assert error.failure_type.value == "config_error"
        assert error.stream_descriptor.name == "ad_insights"
        assert "act_111" in error.message and "2026-11-01" in error.message
        assert f"fields (now {len(fields_of(self.stream).split(','))})" in error.message
        assert "breakdowns (now none)" in error.message


def window_days(request: Any) -> int:
    window = json.loads(parse_qs(urlparse(request.url).query)["time_range"][0])
    return (date.fromisoformat(window["until"]) - date.fromisoformat(window["since"])).days + 1


def answer_up_to_three_days(request: Any, context: Any) -> dict:
    if window_days(request) > 3:
        context.status_code = 400
        return {"error": {"code": 100, "error_subcode": 1487534, "message": "Please reduce the amount of data you're asking for"}}
    window = json.loads(parse_qs(urlparse(request.url).query)["time_range"][0])
    start = date.fromisoformat(window["since"])
    rows = [
        {"account_id": "111", "ad_id": "9", "date_start": day, "date_stop": day, "impressions": "5"}
        for day in ((start + timedelta(days=i)).isoformat() for i in range(window_days(request)))
    ]
    return {"data": rows, "paging": {"cursors": {}}}


class TestCustomInsightsStream(TestCase):
    CONFIG = insights_config().with_values(
        custom_insights=[
            {"name": "spend_by_country", "level": "campaign", "fields": ["spend", "impressions"], "breakdowns": ["country"]}
        ],
        insights_window_days=14,
    )

    def test_custom_report_appears_in_discover_with_its_key_and_columns(self) -> None:
        config = self.CONFIG.build()

        catalog = discover(SourceFacebookAds(config=config), config).catalog.catalog

        stream = next(s for s in catalog.streams if s.name == "custom_insights_spend_by_country")
        assert stream.source_defined_primary_key == [["campaign_id"], ["date_start"], ["country"]]
        assert set(stream.json_schema["properties"]) >= {"spend", "impressions", "country", "campaign_id", "date_start"}
        assert stream.json_schema["properties"]["impressions"]["type"] == ["null", "integer"]

    def test_custom_report_reads_with_its_own_level_fields_and_breakdowns(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(
                graph_request(
                    "act_111/insights",
                    fields="spend,impressions,account_id,date_start,date_stop,campaign_id",
                    level="campaign",
                    time_increment="1",
                    time_range=time_range("2026-11-01", "2026-11-14"),
                    breakdowns="country",
                    action_breakdowns="action_type",
                    **insights_status_filter("campaign"),
                    limit="500",
                ),
                graph_page([{"campaign_id": "5", "date_start": "2026-11-02", "country": "DE", "spend": "1.25", "impressions": "10"}]),
            )

            output = read_stream("custom_insights_spend_by_country", self.CONFIG.build())

        assert [r.record.data for r in output.records] == [
            {"campaign_id": "5", "date_start": "2026-11-02", "country": "DE", "spend": 1.25, "impressions": 10}
        ]
