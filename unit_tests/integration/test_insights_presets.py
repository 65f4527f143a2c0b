"""The named breakdown presets: ad-level insights streams of the built-in report list, each with its breakdowns."""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta
from typing import Any
from unittest import TestCase

import requests_mock
import yaml
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.entrypoint_wrapper import discover
from airbyte_cdk.test.mock_http import HttpMocker

from source_facebook_ads.source import SourceFacebookAds, manifest_path
from unit_tests.builders import API, ConfigBuilder, graph_page, graph_request, insights_status_filter, read_stream
from unit_tests.integration.test_insights_streams import answer_up_to_three_days, insights_config, time_range, window_days

HOURLY = "hourly_stats_aggregated_by_advertiser_time_zone"
# The presets' compact field set, as manifest.yaml declares it; the key columns follow it in the request.
PRESET_FIELDS = yaml.safe_load(manifest_path().read_text())["definitions"]["breakdown_preset_fields"]
KEY_COLUMNS = ["account_id", "date_start", "date_stop", "ad_id"]


@functools.cache
def discovered_properties(stream: str) -> frozenset:
    return frozenset(discovered(stream).json_schema["properties"])


@functools.cache
def discovered(stream: str) -> Any:
    config = ConfigBuilder().build()
    catalog = discover(SourceFacebookAds(config=config), config).catalog.catalog
    return next(s for s in catalog.streams if s.name == stream)


class PresetCases:
    stream: str
    breakdowns: list[str]
    values: dict[str, str]  # one row's breakdown values
    action_breakdowns = "action_type"

    def fields(self) -> list[str]:
        return [*PRESET_FIELDS, *KEY_COLUMNS]

    def request(self, since: str, until: str, **params: object):
        query = {
            "fields": ",".join(self.fields()),
            "level": "ad",
            "time_increment": "1",
            "time_range": time_range(since, until),
            "action_breakdowns": self.action_breakdowns,
            **insights_status_filter("ad"),
            "limit": "500",
            **({"breakdowns": ",".join(self.breakdowns)} if self.breakdowns else {}),
            **params,
        }
        return graph_request("act_111/insights", **query)

    def row(self, day: str) -> dict[str, Any]:
        return {"account_id": "111", "ad_id": "9", "date_start": day, "date_stop": day, "impressions": "40", **self.values}

    def test_discover_lists_the_preset_keyed_by_ad_day_and_its_breakdowns(self) -> None:
        stream = discovered(self.stream)

        assert stream.source_defined_primary_key == [["ad_id"], ["date_start"], *([b] for b in self.breakdowns)]
        assert set(self.breakdowns) <= set(stream.json_schema["properties"])
        assert stream.default_cursor_field == ["date_start"]

    def test_read_asks_for_ad_rows_with_the_preset_breakdowns_whatever_insights_breakdowns_says(self) -> None:
        config = insights_config().with_values(insights_window_days=14, insights_breakdowns=["country"]).build()
        with HttpMocker() as http_mocker:
            http_mocker.get(self.request("2026-11-01", "2026-11-14"), graph_page([self.row("2026-11-03")]))

            output = read_stream(self.stream, config, SyncMode.incremental)

        record = output.records[0].record.data
        assert {key: record[key] for key in self.values} == self.values
        assert record["impressions"] == 40

    def test_insights_fields_replace_the_preset_fields(self) -> None:
        config = insights_config().with_values(insights_window_days=14, insights_fields=["spend", "impressions"]).build()
        with HttpMocker() as http_mocker:
            http_mocker.get(
                self.request("2026-11-01", "2026-11-14", fields=",".join(["spend", "impressions", *KEY_COLUMNS])),
                graph_page([self.row("2026-11-03")]),
            )

            output = read_stream(self.stream, config)

        assert len(output.records) == 1 and not output.errors


class TestAgeAndGenderPreset(PresetCases, TestCase):
    stream, breakdowns, values = "ad_insights_age_and_gender", ["age", "gender"], {"age": "25-34", "gender": "female"}


class TestCountryPreset(PresetCases, TestCase):
    stream, breakdowns, values = "ad_insights_country", ["country"], {"country": "DE"}


class TestRegionPreset(PresetCases, TestCase):
    stream, breakdowns, values = "ad_insights_region", ["region"], {"region": "Bavaria"}

    def fields(self) -> list[str]:
        # "video_p25..p100_watched_actions do not support region breakdown" (Meta's breakdowns page).
        return [f for f in super().fields() if not re.fullmatch(r"video_p\d+_watched_actions", f)]

    def test_the_video_percentile_fields_meta_refuses_with_region_are_left_out(self) -> None:
        assert "video_p25_watched_actions" in PRESET_FIELDS
        assert "video_p25_watched_actions" not in discovered_properties(self.stream)
        assert "video_play_actions" in discovered_properties(self.stream)


class TestDmaPreset(PresetCases, TestCase):
    stream, breakdowns, values = "ad_insights_dma", ["dma"], {"dma": "New York"}


class TestPlatformAndDevicePreset(PresetCases, TestCase):
    stream = "ad_insights_platform_and_device"
    breakdowns = ["publisher_platform", "platform_position", "device_platform"]
    values = {"publisher_platform": "instagram", "platform_position": "instagram_reels", "device_platform": "mobile_app"}


class TestActionTypePreset(PresetCases, TestCase):
    stream, breakdowns, values = "ad_insights_action_type", [], {}

    def test_action_breakdowns_stay_action_type_whatever_insights_action_breakdowns_says(self) -> None:
        config = insights_config().with_values(insights_window_days=14, insights_action_breakdowns=["action_device"]).build()
        with HttpMocker() as http_mocker:
            http_mocker.get(self.request("2026-11-01", "2026-11-14"), graph_page([self.row("2026-11-01")]))

            output = read_stream(self.stream, config)

        assert len(output.records) == 1 and not output.errors


class TestHourlyPreset(PresetCases, TestCase):
    stream, breakdowns, values = "ad_insights_hourly", [HOURLY], {HOURLY: "19:00:00 - 19:59:59"}

    def fields(self) -> list[str]:
        # "Hourly breakdowns do not support unique fields" (Meta's breakdowns page): reach and its kin.
        return [f for f in super().fields() if "unique" not in f and f not in ("reach", "frequency", "cpp")]

    def test_the_unique_fields_meta_refuses_with_an_hourly_breakdown_are_left_out(self) -> None:
        unique = {"reach", "frequency", "cpp", "unique_clicks"}
        assert unique <= set(PRESET_FIELDS)
        assert not unique & discovered_properties(self.stream)
        assert "impressions" in discovered_properties(self.stream)

    def test_row_ceiling_splits_the_window_and_every_hour_row_arrives_once(self) -> None:
        config = insights_config().with_values(insights_window_days=14).build()
        with requests_mock.Mocker() as mock:
            mock.get(re.compile(rf"^{re.escape(API)}/act_111/insights"), json=hourly_rows_up_to_three_days)

            output = read_stream(self.stream, config, SyncMode.incremental)

        keys = [(r.record.data["date_start"], r.record.data[HOURLY]) for r in output.records]
        days = [(date(2026, 11, 1) + timedelta(days=i)).isoformat() for i in range(14)]
        assert sorted(keys) == sorted((day, hour) for day in days for hour in ("00:00:00 - 00:59:59", "13:00:00 - 13:59:59"))
        assert 14 in [window_days(request) for request in mock.request_history]


def hourly_rows_up_to_three_days(request: Any, context: Any) -> dict:
    """Meta's row ceiling above three days; two hours of one ad per day below it."""
    answer = answer_up_to_three_days(request, context)
    if "error" in answer:
        return answer
    rows = [{**row, HOURLY: hour} for row in answer["data"] for hour in ("00:00:00 - 00:59:59", "13:00:00 - 13:59:59")]
    return {"data": rows, "paging": {"cursors": {}}}
