"""Insights streams with their default parameters: Meta's last_30d, one row per object per day."""

from __future__ import annotations

from unittest import TestCase

from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.builders import ConfigBuilder, fields_of, graph_page, graph_request, read_stream


class InsightsStreamCases:
    stream: str
    level: str
    id_field: str

    def request(self, account_id: str = "111", **params: object):
        return graph_request(
            f"act_{account_id}/insights",
            fields=fields_of(self.stream),
            level=self.level,
            date_preset="last_30d",
            time_increment="1",
            limit="500",
            **params,
        )

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

    def test_read_requests_last_30d_daily_rows_at_the_stream_level(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(self.request(), graph_page([self.row("1", "2026-11-01")], after="n"))
            http_mocker.get(self.request(after="n"), graph_page([self.row("1", "2026-11-02")]))

            output = read_stream(self.stream, ConfigBuilder().build())

        assert [(r.record.data[self.id_field], r.record.data["date_start"]) for r in output.records] == [
            ("1", "2026-11-01"),
            ("1", "2026-11-02"),
        ]

    def test_read_emits_string_metrics_as_numbers(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(self.request(), graph_page([self.row("1", "2026-11-01")]))

            record = read_stream(self.stream, ConfigBuilder().build()).records[0].record.data

        assert record["impressions"] == 1200
        assert record["spend"] == 12.5
        assert record["actions"] == [{"action_type": "link_click", "value": 7}]


class TestAccountInsightsStream(InsightsStreamCases, TestCase):
    stream, level, id_field = "account_insights", "account", "account_id"


class TestCampaignInsightsStream(InsightsStreamCases, TestCase):
    stream, level, id_field = "campaign_insights", "campaign", "campaign_id"


class TestAdsetInsightsStream(InsightsStreamCases, TestCase):
    stream, level, id_field = "adset_insights", "adset", "adset_id"


class TestAdInsightsStream(InsightsStreamCases, TestCase):
    stream, level, id_field = "ad_insights", "ad", "ad_id"
