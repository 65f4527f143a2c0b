"""The installed command against the emulator: every stream equals the emulator's ground truth."""

from __future__ import annotations

from collections import Counter
import time
from datetime import date, datetime, timedelta, timezone

from integration_tests.conftest import TOKEN, Connector, last_30d
from integration_tests.emulator import Dataset
from source_facebook_ads.stream_shaping import schema_fields

OBJECT_STREAMS = [
    "me", "adaccounts", "businesses", "ad_account", "campaigns", "adsets", "ads",
    "adcreatives", "adimages", "advideos", "custom_audiences", "custom_conversions",
]
INSIGHTS_LEVELS = {
    "account_insights": ("account", "account_id"),
    "campaign_insights": ("campaign", "campaign_id"),
    "adset_insights": ("adset", "adset_id"),
    "ad_insights": ("ad", "ad_id"),
}
# Every stream but the breakdown presets (ad_insights_<preset>): those multiply the insights rows by
# up to 24 and take the same path as ad_insights; test_coverage.py reads them on a smaller dataset.
EVERY_STREAM_BUT_PRESETS = [*OBJECT_STREAMS, "activities", *INSIGHTS_LEVELS]


def expected_insight_keys(dataset: Dataset, level: str, id_field: str, since: date, until: date) -> Counter:
    keys: Counter = Counter()
    for account_id in dataset.accounts:
        for row in dataset.insight_rows(level, account_id, since, until):
            keys[(row[id_field], row["date_start"])] += 1
    return keys


class TestFullSync:
    def test_read_of_every_stream_but_the_presets_equals_ground_truth_without_duplicates(self, connector: Connector, dataset: Dataset) -> None:
        result = connector.read(connector.config(), EVERY_STREAM_BUT_PRESETS)

        assert result.returncode == 0, result.stderr[-3000:]
        assert not result.errors
        for stream in OBJECT_STREAMS:
            ids = result.record_ids(stream)
            assert Counter(ids).most_common(1)[0][1] == 1, f"{stream} has duplicates"
            assert set(ids) == dataset.expected_ids(stream), stream
        events = Counter((r["object_id"], r["event_type"], r["event_time"]) for r in result.records("activities"))
        assert set(events) == dataset.expected_ids("activities") and max(events.values()) == 1
        today = dataset.today()
        # The per-account streams share one account list of ids; the adaccounts stream reads its own.
        account_lists = Counter(r.query.get("fields") for r in connector.emulator.requests if r.path.endswith("/me/adaccounts"))
        assert account_lists == {"account_id": 1, ",".join(schema_fields("adaccounts")): 1}
        for stream, (level, id_field) in INSIGHTS_LEVELS.items():
            got = Counter((r[id_field], r["date_start"]) for r in result.records(stream))
            assert got == expected_insight_keys(dataset, level, id_field, *last_30d(dataset)), stream

    def test_include_deleted_adds_archived_and_deleted_objects(self, connector: Connector, dataset: Dataset) -> None:
        result = connector.read(connector.config(include_deleted=True), ["campaigns", "adsets", "ads"])

        for stream in ("campaigns", "adsets", "ads"):
            assert set(result.record_ids(stream)) == dataset.expected_ids(stream, include_deleted=True)
        assert dataset.expected_ids("ads", include_deleted=True) > dataset.expected_ids("ads")

    def test_token_appears_in_no_byte_of_output_and_never_in_a_query(self, connector: Connector) -> None:
        runs = [
            connector.run("spec", connector.config()),
            connector.run("check", connector.config()),
            connector.read(connector.config(), EVERY_STREAM_BUT_PRESETS),
        ]

        for run in runs:
            assert TOKEN not in run.stdout
            assert TOKEN not in run.stderr
        assert connector.emulator.requests
        assert not any(request.had_query_token for request in connector.emulator.requests)


class TestIncrementalSync:
    STREAMS = ["campaigns", "adsets", "ads", "adimages", "advideos", "custom_audiences"]

    def test_second_read_with_emitted_state_returns_only_changed_objects(self, connector: Connector, dataset: Dataset) -> None:
        config = connector.config(start_date="2020-01-01")
        first = connector.read(config, self.STREAMS)
        assert first.returncode == 0 and not first.errors
        changed = {
            "campaigns": sorted(dataset.expected_ids("campaigns"))[:2],
            "ads": sorted(dataset.expected_ids("ads"))[:3],
            "adimages": sorted(dataset.expected_ids("adimages"))[:1],
            "custom_audiences": sorted(dataset.expected_ids("custom_audiences"))[:1],
        }
        time.sleep(1.1)  # updated_time has one-second resolution: the edit lands after the first read
        edited_at = datetime.now(timezone.utc).replace(microsecond=0)
        for stream, ids in changed.items():
            dataset.touch(stream, ids, edited_at)

        second = connector.read(config, self.STREAMS, state=[s for s in first.final_states()])

        assert second.returncode == 0 and not second.errors
        for stream in self.STREAMS:
            got = set(second.record_ids(stream))
            assert set(changed.get(stream, [])) <= got, stream
            # The read starts 1 s before the saved cursor, so the newest object(s) per account are
            # read again by design; nothing else may come back.
            assert got - set(changed.get(stream, [])) <= newest_per_account(first, stream, dataset), stream


def newest_per_account(run, stream: str, dataset: Dataset) -> set:
    cursor = "time_updated" if stream == "custom_audiences" else "updated_time"
    newest: dict[str, tuple] = {}
    for record in run.records(stream):
        account = dataset.by_id[record["id"]].account_id
        best = newest.get(account)
        if best is None or record[cursor] > best[0]:
            newest[account] = (record[cursor], {record["id"]})
        elif record[cursor] == best[0]:
            best[1].add(record["id"])
    return set().union(*(ids for _, ids in newest.values())) if newest else set()
