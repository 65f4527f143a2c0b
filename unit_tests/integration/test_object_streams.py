"""Ad-object streams read per ad account from /act_{id}/<edge>, through `read` with mocked HTTP."""

from __future__ import annotations

import json
from unittest import TestCase

from airbyte_cdk.models import AirbyteStateMessageSerializer, ConfiguredAirbyteCatalogSerializer, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import discover, read
from airbyte_cdk.test.mock_http import HttpMocker

from source_facebook_ads.run import _build_source
from source_facebook_ads.source import SourceFacebookAds

from unit_tests.builders import (
    ConfigBuilder,
    fields_of,
    graph_page,
    graph_request,
    per_account_state,
    read_stream,
    updated_since_filter,
)

EPOCH = 0


class AccountEdgeStreamCases:
    """Behaviour every /act_{id}/<edge> stream shares; each subclass names its stream and edge."""

    stream: str
    edge: str

    def request(self, account_id: str = "111", **params: object):
        return graph_request(
            f"act_{account_id}/{self.edge}", fields=fields_of(self.stream), limit="500", **self.base_params(), **params
        )

    def base_params(self) -> dict[str, str]:
        return {}

    def record(self, record_id: str, **values: object) -> dict:
        return {"id": record_id, "updated_time": "2026-11-01T10:00:00+0000", **values}

    def test_read_sends_bearer_token_fields_and_limit_to_the_account_edge(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(self.request(), graph_page([self.record("1"), self.record("2")]))

            output = read_stream(self.stream, ConfigBuilder().build())

            assert [r.record.data["id"] for r in output.records] == ["1", "2"]
            assert not output.errors

    def test_every_record_carries_its_ad_account_id_where_meta_sends_none(self) -> None:
        """Meta's AdVideo has no account_id; any record without one gets its partition's, so accounts join."""
        with HttpMocker() as http_mocker:
            http_mocker.get(self.request("111"), graph_page([self.record("a1")]))
            http_mocker.get(self.request("222"), graph_page([self.record("b1", account_id="222")]))

            output = read_stream(self.stream, ConfigBuilder().with_account_ids("111", "222").build())

        assert sorted((r.record.data["id"], r.record.data["account_id"]) for r in output.records) == [("a1", "111"), ("b1", "222")]

    def test_read_follows_after_cursor_across_three_pages_including_an_empty_one(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(self.request(), graph_page([self.record("1")], after="c1"))
            http_mocker.get(self.request(after="c1"), graph_page([], after="c2"))
            http_mocker.get(self.request(after="c2"), graph_page([self.record("2")], after="c3"))
            http_mocker.get(self.request(after="c3"), graph_page([self.record("3")]))

            output = read_stream(self.stream, ConfigBuilder().build())

            assert sorted(r.record.data["id"] for r in output.records) == ["1", "2", "3"]

    def test_read_visits_each_configured_account_once_with_or_without_act_prefix(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(self.request("111"), graph_page([self.record("a1")]))
            http_mocker.get(self.request("222"), graph_page([self.record("b1")]))

            output = read_stream(self.stream, ConfigBuilder().with_account_ids("act_111", "222", "111").build())

            assert sorted(r.record.data["id"] for r in output.records) == ["a1", "b1"]

    def test_read_without_account_ids_syncs_every_account_of_me_adaccounts(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(
                graph_request("me/adaccounts", fields="account_id", limit="500"),
                graph_page([{"id": "act_111", "account_id": "111"}, {"id": "act_333", "account_id": "333"}]),
            )
            http_mocker.get(self.request("111"), graph_page([self.record("a1")]))
            http_mocker.get(self.request("333"), graph_page([self.record("c1")]))

            output = read_stream(self.stream, ConfigBuilder().with_account_ids().build())

            assert sorted(r.record.data["id"] for r in output.records) == ["a1", "c1"]


class ServerFilteredStreamCases(AccountEdgeStreamCases):
    """campaigns, adsets, ads: incremental on updated_time with Meta's server-side filtering."""

    entity: str
    every_status: list[str]

    def base_params(self) -> dict[str, str]:
        return {}

    def filtered_request(self, account_id: str, since: int, statuses: list[str] | None = None, **params: object):
        return self.request(account_id, filtering=updated_since_filter(self.entity, since, statuses), **params)

    def request(self, account_id: str = "111", **params: object):
        params.setdefault("filtering", updated_since_filter(self.entity, EPOCH))
        return super().request(account_id, **params)

    def test_incremental_read_without_state_filters_from_start_date(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(self.filtered_request("111", since=1767225600), graph_page([self.record("1")]))

            output = read_stream(
                self.stream, ConfigBuilder().with_start_date("2026-01-01").build(), SyncMode.incremental
            )

            assert [r.record.data["id"] for r in output.records] == ["1"]

    def test_incremental_read_filters_each_account_from_its_own_state_minus_one_second(self) -> None:
        with HttpMocker() as http_mocker:
            # 2026-11-01T10:00:00Z is 1793527200; 2026-10-01T00:00:00Z is 1790812800
            http_mocker.get(self.filtered_request("111", since=1793527199), graph_page([self.record("a2", updated_time="2026-11-05T08:00:00+0000")]))
            http_mocker.get(self.filtered_request("222", since=1790812799), graph_page([]))
            state = per_account_state(
                self.stream,
                "updated_time",
                {"111": "2026-11-01T10:00:00+0000", "222": "2026-10-01T00:00:00+0000"},
            )

            output = read_stream(
                self.stream, ConfigBuilder().with_account_ids("111", "222").build(), SyncMode.incremental, state=state
            )

            assert [r.record.data["id"] for r in output.records] == ["a2"]
            final_state = output.most_recent_state.stream_state.__dict__["states"]
            cursors = {entry["partition"]["account_id"]: entry["cursor"]["updated_time"] for entry in final_state}
            assert cursors["111"] == "2026-11-05T08:00:00+0000"
            assert cursors["222"] >= "2026-10-01T00:00:00+0000"

    def test_include_deleted_adds_every_effective_status_to_the_filter(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(
                self.filtered_request("111", since=EPOCH, statuses=self.every_status),
                graph_page([self.record("1", effective_status="DELETED")]),
            )

            output = read_stream(self.stream, ConfigBuilder().with_include_deleted().build(), SyncMode.incremental)

            assert [r.record.data["effective_status"] for r in output.records] == ["DELETED"]


CAMPAIGN_STATUSES = ["ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES"]
ADSET_STATUSES = CAMPAIGN_STATUSES + ["CAMPAIGN_PAUSED"]
AD_STATUSES = ADSET_STATUSES + ["ADSET_PAUSED", "DISAPPROVED", "PENDING_BILLING_INFO", "PENDING_REVIEW", "PREAPPROVED"]


class TestCampaignsStream(ServerFilteredStreamCases, TestCase):
    stream, edge, entity, every_status = "campaigns", "campaigns", "campaign", CAMPAIGN_STATUSES


class TestAdsetsStream(ServerFilteredStreamCases, TestCase):
    stream, edge, entity, every_status = "adsets", "adsets", "adset", ADSET_STATUSES


class TestAdsStream(ServerFilteredStreamCases, TestCase):
    stream, edge, entity, every_status = "ads", "ads", "ad", AD_STATUSES


class TestAdcreativesStream(AccountEdgeStreamCases, TestCase):
    stream, edge = "adcreatives", "adcreatives"


class ClientSideIncrementalCases(AccountEdgeStreamCases):
    cursor_field = "updated_time"
    old_value: object = "2026-10-01T00:00:00+0000"
    new_value: object = "2026-11-02T00:00:00+0000"
    saved_value: object = "2026-10-15T00:00:00+0000"

    def test_incremental_read_emits_only_records_changed_after_the_account_state(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(
                self.request("111"),
                graph_page([self.record("old", **{self.cursor_field: self.old_value}), self.record("new", **{self.cursor_field: self.new_value})]),
            )
            state = per_account_state(self.stream, self.cursor_field, {"111": self.saved_value})

            output = read_stream(self.stream, ConfigBuilder().build(), SyncMode.incremental, state=state)

            assert [r.record.data["id"] for r in output.records] == ["new"]


class TestAdimagesStream(ClientSideIncrementalCases, TestCase):
    stream, edge = "adimages", "adimages"


class TestAdvideosStream(ClientSideIncrementalCases, TestCase):
    stream, edge = "advideos", "advideos"


class TestCustomAudiencesStream(ClientSideIncrementalCases, TestCase):
    stream, edge = "custom_audiences", "customaudiences"
    cursor_field = "time_updated"
    old_value, new_value, saved_value = 1790812800, 1793577600, 1792022400


class TestSyncProgress(TestCase):
    def test_a_finished_stream_logs_its_records_per_account_and_elapsed_time(self) -> None:
        campaigns = TestCampaignsStream()
        with HttpMocker() as http_mocker:
            http_mocker.get(campaigns.request("111"), graph_page([campaigns.record("a1", account_id="111"), campaigns.record("a2", account_id="111")]))
            http_mocker.get(campaigns.request("222"), graph_page([campaigns.record("b1", account_id="222")]))

            output = read_stream("campaigns", ConfigBuilder().with_account_ids("111", "222").build())

        lines = [log.log.message for log in output.logs if log.log.message.startswith("Stream campaigns finished")]
        assert len(lines) == 1
        assert "3 records in" in lines[0] and "act_111: 2, act_222: 1" in lines[0]


class TestCustomConversionsStream(AccountEdgeStreamCases, TestCase):
    stream, edge = "custom_conversions", "customconversions"

    def record(self, record_id: str, **values: object) -> dict:
        return {"id": record_id, "name": "Purchase", "custom_event_type": "PURCHASE", "creation_time": "2026-10-01T08:00:00+0000", **values}


class TestActivitiesStream(TestCase):
    """The change history: Meta filters on `since`; an event is keyed by object, type and time."""

    def request(self, account_id: str, since: int):
        return graph_request(f"act_{account_id}/activities", fields=fields_of("activities"), limit="500", since=str(since))

    def event(self, object_id: str, event_time: str, event_type: str = "update_ad_set_budget") -> dict:
        return {"event_time": event_time, "event_type": event_type, "object_id": object_id, "object_type": "CAMPAIGN"}

    def test_read_without_start_date_still_sends_since_so_meta_does_not_stop_at_one_week(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(self.request("111", since=EPOCH), graph_page([self.event("7", "2026-11-02T09:00:00+0000")]))

            output = read_stream("activities", ConfigBuilder().build())

        assert [r.record.data["object_id"] for r in output.records] == ["7"]

    def test_read_sends_the_start_date_as_since_in_unix_seconds(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(self.request("111", since=1767225600), graph_page([self.event("7", "2026-11-02T09:00:00+0000")]))

            output = read_stream("activities", ConfigBuilder().with_start_date("2026-01-01").build(), SyncMode.incremental)

        assert len(output.records) == 1 and not output.errors

    def test_incremental_read_asks_each_account_since_its_newest_event_minus_one_second(self) -> None:
        with HttpMocker() as http_mocker:
            # 2026-11-01T10:00:00Z is 1793527200
            http_mocker.get(
                self.request("111", since=1793527199),
                graph_page([self.event("8", "2026-11-05T08:00:00+0000"), self.event("7", "2026-11-03T08:00:00+0000")]),
            )
            state = per_account_state("activities", "event_time", {"111": "2026-11-01T10:00:00+0000"})

            output = read_stream("activities", ConfigBuilder().build(), SyncMode.incremental, state=state)

        assert [r.record.data["object_id"] for r in output.records] == ["8", "7"]
        final_state = output.most_recent_state.stream_state.__dict__["states"]
        assert final_state[0]["cursor"]["event_time"] == "2026-11-05T08:00:00+0000"

    def test_discover_keys_an_event_by_its_object_type_and_time(self) -> None:
        config = ConfigBuilder().build()

        catalog = discover(SourceFacebookAds(config=config), config).catalog.catalog

        stream = next(s for s in catalog.streams if s.name == "activities")
        assert stream.source_defined_primary_key == [["object_id"], ["event_type"], ["event_time"]]
        assert stream.default_cursor_field == ["event_time"]


def test_the_read_command_builds_only_the_catalog_streams_and_leaves_other_states_alone(tmp_path) -> None:
    # The CDK resolves, copies, validates and builds every stream of the manifest it is given (issue 10).
    config = ConfigBuilder().with_account_ids().build()  # the accounts come from the account list, a parent stream
    configured = CatalogBuilder().with_stream("campaigns", SyncMode.full_refresh).with_stream("no_such_stream", SyncMode.full_refresh).build()
    state = per_account_state("ads", "updated_time", {"111": "2026-11-01T10:00:00+0000"})
    paths = {"config": config, "catalog": ConfiguredAirbyteCatalogSerializer.dump(configured), "state": [AirbyteStateMessageSerializer.dump(s) for s in state]}
    for name, content in paths.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(content))
    source = _build_source(["read", *(arg for name in paths for arg in (f"--{name}", str(tmp_path / f"{name}.json")))])
    campaigns = TestCampaignsStream()
    with HttpMocker() as http_mocker:
        http_mocker.get(graph_request("me/adaccounts", fields="account_id", limit="500"), graph_page([{"id": "act_111", "account_id": "111"}]))
        http_mocker.get(campaigns.request("111"), graph_page([campaigns.record("a1")]))

        output = read(source, config, configured, state)

    assert [stream["name"] for stream in source.resolved_manifest["streams"]] == ["campaigns"]
    assert [r.record.data["id"] for r in output.records] == ["a1"] and not output.errors
    statuses = {(m.trace.stream_status.stream_descriptor.name, m.trace.stream_status.status.name) for m in output.trace_messages if m.trace.stream_status}
    assert ("no_such_stream", "INCOMPLETE") in statuses and ("campaigns", "COMPLETE") in statuses
    assert {m.state.stream.stream_descriptor.name for m in output.state_messages} == {"campaigns"}
    discovered = _build_source(["discover", "--config", str(tmp_path / "config.json")]).resolved_manifest["streams"]
    assert {"campaigns", "ads", "ad_insights"} <= {stream["name"] for stream in discovered}
