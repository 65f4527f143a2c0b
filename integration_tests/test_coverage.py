"""Issue 12 through the installed command against the emulator: the added insights fields, the named
breakdown presets (sync, row-ceiling splits, async), activities and custom conversions, each
compared with the emulator's ground truth."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from integration_tests.conftest import Connector
from integration_tests.emulator import Dataset, GraphEmulator
from integration_tests.test_insights import FAST, ground_truth, insights_requests, spend_by_key, days_of

HOURLY = "hourly_stats_aggregated_by_advertiser_time_zone"
PRESETS = {
    "ad_insights_age_and_gender": ("age", "gender"),
    "ad_insights_country": ("country",),
    "ad_insights_region": ("region",),
    "ad_insights_dma": ("dma",),
    "ad_insights_platform_and_device": ("publisher_platform", "platform_position", "device_platform"),
    "ad_insights_action_type": (),
    "ad_insights_hourly": (HOURLY,),
}


@pytest.fixture
def dataset() -> Dataset:
    """A small world (2 accounts x 8 ads): breakdown presets multiply rows, and these tests read them all."""
    return Dataset.generate(seed=7, campaigns_per_account=2)


def last_week(dataset: Dataset) -> tuple:
    today = dataset.today()
    return today - timedelta(days=7), today - timedelta(days=1)


class TestBreakdownPresets:
    def test_discover_lists_every_preset_and_each_read_equals_the_ground_truth(self, connector: Connector, dataset: Dataset) -> None:
        since, until = last_week(dataset)
        config = connector.config(start_date=since.isoformat(), end_date=until.isoformat(), insights_window_days=7, **FAST)

        discovered = {s["name"]: s for s in connector.run("discover", config).of_type("CATALOG")[0]["catalog"]["streams"]}
        result = connector.read(config, list(PRESETS))

        assert result.returncode == 0 and not result.errors, result.stderr[-3000:]
        for stream, breakdowns in PRESETS.items():
            assert discovered[stream]["source_defined_primary_key"] == [["ad_id"], ["date_start"], *([b] for b in breakdowns)]
            expected = ground_truth(dataset, "ad", since, until, "ad_id", breakdowns=breakdowns)
            assert expected, stream
            assert spend_by_key(result.records(stream), "ad_id", "date_start", *breakdowns) == expected, stream

    def test_an_hourly_window_meta_refuses_beyond_2_days_is_split_and_every_row_arrives_once(
        self, connector: Connector, dataset: Dataset, emulator: GraphEmulator
    ) -> None:
        emulator.max_insights_days_with_breakdowns = 2
        since, until = last_week(dataset)
        config = connector.config(
            account_ids=[dataset.accounts[0]], start_date=since.isoformat(), end_date=until.isoformat(),
            insights_window_days=7, **FAST,
        )

        result = connector.read(config, ["ad_insights_hourly"])

        assert result.returncode == 0 and not result.errors, result.stderr[-3000:]
        expected = ground_truth(dataset, "ad", since, until, "ad_id", breakdowns=(HOURLY,), accounts=[dataset.accounts[0]])
        assert spend_by_key(result.records("ad_insights_hourly"), "ad_id", "date_start", HOURLY) == expected
        spans = [(len(days_of(r.query["time_range"])), r.status) for r in insights_requests(emulator)]
        assert spans[0] == (7, 400) and all(days <= 2 for days, status in spans if status == 200)

    def test_a_preset_in_async_mode_reads_the_same_rows_from_report_runs(
        self, connector: Connector, dataset: Dataset, emulator: GraphEmulator
    ) -> None:
        emulator.job_pending_polls = 0
        today, account = dataset.today(), dataset.accounts[0]
        config = connector.config(
            account_ids=[account], start_date=(today - timedelta(days=6)).isoformat(), insights_window_days=7,
            insights_job_mode="async", **FAST,
        )

        result = connector.read(config, ["ad_insights_platform_and_device"])

        assert result.returncode == 0 and not result.errors, result.stderr[-3000:]
        breakdowns = PRESETS["ad_insights_platform_and_device"]
        expected = ground_truth(dataset, "ad", today - timedelta(days=6), today, "ad_id", breakdowns=breakdowns, accounts=[account])
        assert spend_by_key(result.records("ad_insights_platform_and_device"), "ad_id", "date_start", *breakdowns) == expected
        created = insights_requests(emulator, "POST")
        assert [r.query["breakdowns"] for r in created] == [",".join(breakdowns)]
        assert not insights_requests(emulator, "GET")


class TestAddedInsightsFields:
    def test_ad_rows_carry_the_added_fields_typed_and_account_rows_only_those_of_their_level(
        self, connector: Connector, dataset: Dataset
    ) -> None:
        yesterday = (dataset.today() - timedelta(days=1)).isoformat()
        config = connector.config(start_date=(dataset.today() - timedelta(days=3)).isoformat(), end_date=yesterday, **FAST)

        result = connector.read(config, ["ad_insights", "account_insights"])

        assert result.returncode == 0 and not result.errors, result.stderr[-3000:]
        ads = [row for row in result.records("ad_insights") if "video_play_curve_actions" in row]
        assert ads, "no ad row with video plays"
        row = ads[0]
        curve = row["video_play_curve_actions"][0]["value"]
        assert isinstance(curve, list) and curve and all(isinstance(point, int) for point in curve)
        assert isinstance(row["auction_bid"], float) and isinstance(row["instant_experience_clicks_to_open"], int)
        assert isinstance(row["cost_per_ad_click"][0]["value"], float) and isinstance(row["canvas_avg_view_percent"], (int, float))
        assert len(row["created_time"]) == 10  # the ad's creation day
        accounts = result.records("account_insights")
        assert accounts and not any("auction_bid" in r or "created_time" in r for r in accounts)
        assert all("video_time_watched_actions" in r for r in accounts if "video_play_actions" in r)


class TestActivitiesAndCustomConversions:
    def test_full_reads_equal_the_ground_truth(self, connector: Connector, dataset: Dataset) -> None:
        result = connector.read(connector.config(**FAST), ["activities", "custom_conversions"])

        assert result.returncode == 0 and not result.errors, result.stderr[-3000:]
        keys = Counter((r["object_id"], r["event_type"], r["event_time"]) for r in result.records("activities"))
        assert max(keys.values()) == 1
        # Older than a week: only there because every read sends `since` (Meta's default is one week).
        assert set(keys) == dataset.expected_ids("activities")
        week_ago = datetime.now(timezone.utc) - timedelta(days=7)
        assert any(datetime.strptime(time_, "%Y-%m-%dT%H:%M:%S%z") < week_ago for _, _, time_ in keys)
        assert Counter(result.record_ids("custom_conversions")) == Counter(dataset.expected_ids("custom_conversions"))

    def test_second_incremental_read_returns_the_new_events_and_nothing_older_than_the_state(
        self, connector: Connector, dataset: Dataset
    ) -> None:
        config = connector.config(start_date="2020-01-01", **FAST)
        first = connector.read(config, ["activities"])
        assert first.returncode == 0 and not first.errors, first.stderr[-3000:]
        time.sleep(1.1)  # event times have one-second resolution
        edited = sorted(dataset.expected_ids("ads"))[:2]
        edited_at = datetime.now(timezone.utc).replace(microsecond=0)
        dataset.touch("ads", edited, edited_at)

        second = connector.read(config, ["activities"], state=first.final_states())

        assert second.returncode == 0 and not second.errors, second.stderr[-3000:]
        got = {(r["object_id"], r["event_type"]) for r in second.records("activities")}
        assert {(ad_id, "update_ad_run_status") for ad_id in edited} <= got
        newest: dict[str, str] = {}
        for record in first.records("activities"):
            account = dataset.by_id[record["object_id"]].account_id
            newest[account] = max(newest.get(account, ""), record["event_time"])
        # The read starts 1 s before each account's saved cursor: its newest events may come again, nothing older.
        assert all(r["event_time"] >= newest[dataset.by_id[r["object_id"]].account_id] for r in second.records("activities"))
