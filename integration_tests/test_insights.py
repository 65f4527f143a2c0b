"""Insights through the installed command against the emulator: async report runs, lookback,
row-ceiling splits, custom reports and the breakdown check, each compared with the ground truth.

Pacing is not the point here, so configs start at 50 requests per second. The CDK's async
orchestrator looks at report runs every 5 s; the emulator answers "Job Completed" from the first
poll (`job_pending_polls = 0`) so that an async read takes about two of those rounds. The status
progression itself is covered by unit_tests/integration/test_insights_async.py.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any, Iterable

import pytest

from integration_tests.conftest import TOKEN, Connector, last_30d
from integration_tests.emulator import Dataset, GraphEmulator

FAST = {"requests_per_second": 50}
INSIGHTS_LEVELS = {
    "account_insights": ("account", "account_id"),
    "campaign_insights": ("campaign", "campaign_id"),
    "adset_insights": ("adset", "adset_id"),
    "ad_insights": ("ad", "ad_id"),
}


def spend_by_key(records: Iterable[dict[str, Any]], *key_fields: str) -> dict[tuple, float]:
    """{(key values...): spend}, refusing a key seen twice."""
    result: dict[tuple, float] = {}
    for record in records:
        key = tuple(record[field] for field in key_fields)
        assert key not in result, f"duplicate row {key}"
        result[key] = round(float(record.get("spend", 0)), 2)
    return result


def ground_truth(
    dataset: Dataset, level: str, since: date, until: date, *key_fields: str, breakdowns: tuple = (), accounts: Iterable[str] = ()
) -> dict[tuple, float]:
    rows = [
        row
        for account_id in (accounts or dataset.accounts)
        for row in dataset.insight_rows(level, account_id, since, until, breakdowns=breakdowns, fields=(*key_fields, "spend"))
    ]
    return spend_by_key(rows, *key_fields, "date_start", *breakdowns)


def days_of(time_range: str) -> list[date]:
    window = json.loads(time_range)
    since, until = date.fromisoformat(window["since"]), date.fromisoformat(window["until"])
    return [since + timedelta(days=offset) for offset in range((until - since).days + 1)]


def insights_requests(emulator: GraphEmulator, method: str = "GET") -> list:
    return [r for r in emulator.requests if r.method == method and r.path.endswith("/insights") and "/act_" in r.path]


class TestAsyncInsights:
    def test_async_mode_returns_the_same_rows_as_sync_mode_for_every_level(
        self, connector: Connector, dataset: Dataset, emulator: GraphEmulator
    ) -> None:
        emulator.job_pending_polls = 0
        today, account = dataset.today(), dataset.accounts[0]  # one account: its four runs fit in one round
        config = connector.config(
            account_ids=[account], start_date=(today - timedelta(days=13)).isoformat(), insights_window_days=14, **FAST
        )

        sync = connector.read(config, list(INSIGHTS_LEVELS))
        emulator.reset_log()
        async_ = connector.read({**config, "insights_job_mode": "async"}, list(INSIGHTS_LEVELS))

        assert sync.returncode == 0 and not sync.errors, sync.stderr[-3000:]
        assert async_.returncode == 0 and not async_.errors, async_.stderr[-3000:]
        for stream, (level, id_field) in INSIGHTS_LEVELS.items():
            expected = ground_truth(dataset, level, today - timedelta(days=13), today, id_field, accounts=[account])
            assert expected, stream
            assert spend_by_key(sync.records(stream), id_field, "date_start") == expected, stream
            assert spend_by_key(async_.records(stream), id_field, "date_start") == expected, stream
        created = insights_requests(emulator, "POST")
        assert len(created) == len(INSIGHTS_LEVELS)  # one report run per stream and window
        assert not insights_requests(emulator, "GET")  # rows came from the report runs only
        assert {r.query["level"] for r in created} == {"account", "campaign", "adset", "ad"}
        assert all(r.query["time_increment"] == "1" and "spend" in r.query["fields"] for r in created)

    def test_second_read_rereads_exactly_the_lookback_window_and_keeps_sync_state(
        self, connector: Connector, dataset: Dataset, emulator: GraphEmulator
    ) -> None:
        """The first read is sync, the second async from its state: the state is the same in both modes."""
        emulator.job_pending_polls = 0
        today = dataset.today()
        config = connector.config(
            start_date=(today - timedelta(days=20)).isoformat(), insights_window_days=7, insights_lookback_days=3, **FAST
        )
        first = connector.read(config, ["account_insights"])
        assert first.returncode == 0 and not first.errors, first.stderr[-3000:]
        state = first.final_states()
        cursors = {
            entry["partition"]["account_id"]: date.fromisoformat(entry["cursor"]["date_start"])
            for entry in state[0]["stream"]["stream_state"]["states"]
        }
        assert set(cursors) == {account.removeprefix("act_") for account in dataset.accounts}

        emulator.reset_log()
        second = connector.read({**config, "insights_job_mode": "async"}, ["account_insights"], state=state)

        assert second.returncode == 0 and not second.errors, second.stderr[-3000:]
        for account_id, cursor in cursors.items():
            ranges = [r.query["time_range"] for r in insights_requests(emulator, "POST") if r.account_id == f"act_{account_id}"]
            days = [day for time_range in ranges for day in days_of(time_range)]
            lookback = [cursor - timedelta(days=3) + timedelta(days=offset) for offset in range((today - cursor).days + 4)]
            assert sorted(days) == lookback, account_id  # each day once, nothing before the lookback
        got = Counter((r["account_id"], r["date_start"]) for r in second.records("account_insights"))
        assert all(date.fromisoformat(day) >= cursors[account] - timedelta(days=3) for account, day in got)
        assert max(got.values()) == 1


class TestInsightsOfDeletedAndArchivedObjects:
    """Meta reports a deleted or archived object's stats only when the request names its status."""

    @pytest.fixture
    def dataset(self) -> Dataset:
        return Dataset.generate(seed=7, retired_pct=20)

    def test_every_level_returns_the_truth_and_ad_spend_adds_up_to_account_spend(
        self, connector: Connector, dataset: Dataset
    ) -> None:
        ads = [ad for account in dataset.accounts for ad in dataset.nodes(account, "ad")]
        retired = [ad for ad in ads if ad.effective_status in ("DELETED", "ARCHIVED")]
        assert len(retired) >= len(ads) / 4
        for kind in ("campaign", "adset"):
            assert any(node.effective_status in ("DELETED", "ARCHIVED") for acc in dataset.accounts for node in dataset.nodes(acc, kind))

        result = connector.read(connector.config(insights_window_days=30, **FAST), list(INSIGHTS_LEVELS))

        assert result.returncode == 0 and not result.errors, result.stderr[-3000:]
        for stream, (level, id_field) in INSIGHTS_LEVELS.items():
            expected = ground_truth(dataset, level, *last_30d(dataset), id_field)
            assert spend_by_key(result.records(stream), id_field, "date_start") == expected, stream
        assert {r["ad_id"] for r in result.records("ad_insights")} & {ad.id for ad in retired}
        ad_spend: dict[tuple, float] = defaultdict(float)
        for record in result.records("ad_insights"):
            ad_spend[(record["account_id"], record["date_start"])] += record.get("spend", 0)
        account_spend = spend_by_key(result.records("account_insights"), "account_id", "date_start")
        assert {key: round(spend, 2) for key, spend in ad_spend.items()} == account_spend


class TestSilentNulls:
    """Meta answers some settings with missing data and no error: the emulator does too, the connector warns."""

    @pytest.fixture
    def dataset(self) -> Dataset:
        return Dataset.generate(accounts=1, campaigns_per_account=4, seed=3, history_days=900)

    def test_old_breakdowns_lose_reach_and_opt_in_breakdowns_lose_rows_and_read_says_so(
        self, connector: Connector, dataset: Dataset
    ) -> None:
        start = dataset.today() - timedelta(days=430)
        config = connector.config(
            start_date=start.isoformat(), end_date=(start + timedelta(days=9)).isoformat(), insights_window_days=10,
            insights_breakdowns=["age"], **FAST,
        )

        old = connector.read(config, ["account_insights"])
        opt_in = connector.read(
            connector.config(insights_breakdowns=["impression_device"], **FAST), ["account_insights"]
        )

        assert old.returncode == 0 and not old.errors, old.stderr[-3000:]
        rows = old.records("account_insights")
        assert rows and not any(row.get("reach") or row.get("frequency") or row.get("cpp") for row in rows)
        assert all(row.get("impressions") for row in rows)
        assert any("reach, frequency, cpp" in w for w in warnings_of(old))
        assert opt_in.returncode == 0 and not opt_in.errors and not opt_in.records("account_insights")
        assert any("impression_device" in w and "opted in" in w for w in warnings_of(opt_in))


def warnings_of(run: Any) -> list[str]:
    return [m["log"]["message"] for m in run.of_type("LOG") if m["log"]["level"] == "WARN"]


class TestSyncInsights:
    def test_a_breakdown_over_30_days_that_meta_refuses_beyond_7_days_completes_with_every_row(
        self, connector: Connector, dataset: Dataset, emulator: GraphEmulator
    ) -> None:
        emulator.max_insights_days_with_breakdowns = 7
        today = dataset.today()
        config = connector.config(insights_window_days=30, insights_breakdowns=["age"], **FAST)

        result = connector.read(config, ["adset_insights"])

        assert result.returncode == 0 and not result.errors, result.stderr[-3000:]
        expected = ground_truth(dataset, "adset", *last_30d(dataset), "adset_id", breakdowns=("age",))
        assert spend_by_key(result.records("adset_insights"), "adset_id", "date_start", "age") == expected
        spans = [(len(days_of(r.query["time_range"])), r.status) for r in insights_requests(emulator)]
        assert spans[0][0] >= 30 and spans[0][1] == 400  # the whole window first: refused, then split
        assert all(days <= 7 for days, status in spans if status == 200)

    def test_a_custom_insights_stream_is_discovered_and_reads_the_ground_truth(
        self, connector: Connector, dataset: Dataset
    ) -> None:
        today = dataset.today()
        report = {"name": "spend_by_country", "level": "campaign", "fields": ["spend", "impressions"], "breakdowns": ["country"]}
        config = connector.config(custom_insights=[report], **FAST)

        discovered = connector.run("discover", config).of_type("CATALOG")[0]["catalog"]["streams"]
        result = connector.read(config, ["custom_insights_spend_by_country"])

        stream = next(s for s in discovered if s["name"] == "custom_insights_spend_by_country")
        assert stream["source_defined_primary_key"] == [["campaign_id"], ["date_start"], ["country"]]
        assert stream["default_cursor_field"] == ["date_start"]
        assert result.returncode == 0 and not result.errors, result.stderr[-3000:]
        expected = ground_truth(dataset, "campaign", *last_30d(dataset), "campaign_id", breakdowns=("country",))
        assert spend_by_key(result.records("custom_insights_spend_by_country"), "campaign_id", "date_start", "country") == expected
        assert all(isinstance(r["impressions"], int) for r in result.records("custom_insights_spend_by_country"))


class TestCheckInsights:
    def test_check_fails_naming_an_unknown_breakdown_in_meta_words_without_a_trace(
        self, connector: Connector, dataset: Dataset, emulator: GraphEmulator
    ) -> None:
        yesterday = (dataset.today() - timedelta(days=1)).isoformat()

        result = connector.run("check", connector.config(insights_breakdowns=["agee"], **FAST))

        status = result.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
        assert status["status"] == "FAILED"
        assert "insights_breakdowns ['agee']" in status["message"]
        assert "breakdowns[0] must be one of the following values" in status["message"]  # Meta's words
        assert result.errors == [] and result.returncode == 0  # a failed check, as the CDK answers a bad config
        assert TOKEN not in result.stdout + result.stderr
        probes = insights_requests(emulator)
        assert [(r.account_id, r.query["breakdowns"], r.query["time_range"]) for r in probes] == [
            (dataset.accounts[0], "agee", json.dumps({"since": yesterday, "until": yesterday}, sort_keys=True))
        ]
