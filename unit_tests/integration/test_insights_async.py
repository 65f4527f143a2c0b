"""Insights with `insights_job_mode: async`: Meta's report runs, end to end through the CDK's AsyncRetriever.

Each window is created (POST /act_{id}/insights), polled (GET /{report_run_id}) and read
(GET /{report_run_id}/insights, paged). A run that fails or is skipped is run again; after two
failed runs the window is split in halves; a one-day window that still fails ends the stream.
The CDK's orchestrator waits 5 s between status rounds and the connector's poll backoff starts at
5 s: both are set to 0 here so each test takes a fraction of a second.
"""

from __future__ import annotations

import json
from typing import Any
from unittest import TestCase, mock

from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.declarative.async_job.job_orchestrator import AsyncJobOrchestrator
from airbyte_cdk.test.entrypoint_wrapper import discover
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse

from source_facebook_ads.components import report_window_splitting
from source_facebook_ads.source import SourceFacebookAds
from unit_tests.builders import (
    API,
    AUTH_HEADER,
    TOKEN,
    ConfigBuilder,
    fields_of,
    graph_page,
    insights_status_filter,
    per_account_state,
    read_stream,
)

STATUS_FIELDS = "id,account_id,async_status,async_percent_completion,error_code,error_subcode,error_message,error_user_title,error_user_msg"
STREAM = "account_insights"


def time_range(since: str, until: str) -> str:
    return json.dumps({"since": since, "until": until}, sort_keys=True)


def async_config(**values: Any) -> dict[str, Any]:
    defaults = {"end_date": "2026-11-14", "insights_window_days": 14, "insights_job_mode": "async"}
    return ConfigBuilder().with_start_date("2026-11-01").with_values(**{**defaults, **values}).build()


def create_run(since: str, until: str, **params: str) -> HttpRequest:
    query = {
        "fields": fields_of(STREAM),
        "level": "account",
        "time_increment": "1",
        "time_range": time_range(since, until),
        "action_breakdowns": "action_type",
        **params,
    }
    return HttpRequest(url=f"{API}/act_111/insights", query_params=query, headers=AUTH_HEADER)


def run_created(run_id: str) -> HttpResponse:
    return HttpResponse(body=json.dumps({"report_run_id": run_id}), status_code=200)


def poll(run_id: str) -> HttpRequest:
    return HttpRequest(url=f"{API}/{run_id}", query_params={"fields": STATUS_FIELDS}, headers=AUTH_HEADER)


def run_status(run_id: str, status: str, percent: int = 100, **failure: Any) -> HttpResponse:
    body = {"id": run_id, "account_id": "111", "async_status": status, "async_percent_completion": percent, **failure}
    return HttpResponse(body=json.dumps(body), status_code=200)


def rows(run_id: str, **params: str) -> HttpRequest:
    return HttpRequest(url=f"{API}/{run_id}/insights", query_params={"limit": "500", **params}, headers=AUTH_HEADER)


def row(day: str, impressions: str = "10") -> dict[str, Any]:
    return {"account_id": "111", "date_start": day, "date_stop": day, "impressions": impressions, "spend": "1.5"}


class AsyncInsightsTestCase(TestCase):
    def setUp(self) -> None:
        patches = [
            mock.patch.object(AsyncJobOrchestrator, "_WAIT_TIME_BETWEEN_STATUS_UPDATE_IN_SECONDS", 0),
            mock.patch.object(report_window_splitting, "FIRST_POLL_SECONDS", 0),
            mock.patch.object(report_window_splitting, "MAX_POLL_SECONDS", 0),
        ]
        for patch in patches:
            patch.start()
            self.addCleanup(patch.stop)


class TestReportRunFlow(AsyncInsightsTestCase):
    def test_report_run_is_created_with_the_sync_report_parameters_polled_until_complete_and_read_page_by_page(self) -> None:
        config = async_config(insights_breakdowns=["age"], insights_attribution_windows=["7d_click"])
        with HttpMocker() as http_mocker:
            http_mocker.post(
                create_run("2026-11-01", "2026-11-14", breakdowns="age", action_attribution_windows='["7d_click"]'),
                run_created("900"),
            )
            http_mocker.get(poll("900"), [run_status("900", "Job Running", 40), run_status("900", "Job Completed")])
            http_mocker.get(rows("900"), graph_page([{**row("2026-11-01"), "age": "18-24"}], after="n"))
            http_mocker.get(rows("900", after="n"), graph_page([{**row("2026-11-02", "25"), "age": "25-34"}]))

            output = read_stream(STREAM, config, SyncMode.incremental)

        assert not output.errors
        assert [(r.record.data["date_start"], r.record.data["age"], r.record.data["impressions"]) for r in output.records] == [
            ("2026-11-01", "18-24", 10),
            ("2026-11-02", "25-34", 25),
        ]
        state = output.most_recent_state.stream_state.__dict__["states"]
        assert state == [{"partition": {"account_id": "111"}, "cursor": {"date_start": "2026-11-02"}}]

    def test_an_ad_report_run_is_created_filtering_on_every_ad_status(self) -> None:
        """Deleted and archived ads keep their spend, but Meta reports it only when effective_status names them."""
        creation = HttpRequest(
            url=f"{API}/act_111/insights",
            query_params={
                "fields": fields_of("ad_insights"),
                "level": "ad",
                "time_increment": "1",
                "time_range": time_range("2026-11-01", "2026-11-14"),
                "action_breakdowns": "action_type",
                **insights_status_filter("ad"),
            },
            headers=AUTH_HEADER,
        )
        with HttpMocker() as http_mocker:
            http_mocker.post(creation, run_created("900"))
            http_mocker.get(poll("900"), run_status("900", "Job Completed"))
            http_mocker.get(rows("900"), graph_page([{**row("2026-11-03"), "ad_id": "7"}]))

            output = read_stream("ad_insights", async_config())

        assert [r.record.data["ad_id"] for r in output.records] == ["7"]

    def test_completed_below_100_percent_is_polled_again_before_reading(self) -> None:
        status = poll("900")
        with HttpMocker() as http_mocker:
            http_mocker.post(create_run("2026-11-01", "2026-11-14"), run_created("900"))
            http_mocker.get(status, [run_status("900", "Job Completed", 90), run_status("900", "Job Completed", 100)])
            http_mocker.get(rows("900"), graph_page([row("2026-11-03")]))

            output = read_stream(STREAM, async_config())

            http_mocker.assert_number_of_calls(status, 2)
        assert [r.record.data["date_start"] for r in output.records] == ["2026-11-03"]

    def test_windows_follow_insights_window_days_as_in_sync_mode(self) -> None:
        config = async_config(insights_window_days=7)
        with HttpMocker() as http_mocker:
            http_mocker.post(create_run("2026-11-01", "2026-11-07"), run_created("900"))
            http_mocker.post(create_run("2026-11-08", "2026-11-14"), run_created("901"))
            for run_id, day in (("900", "2026-11-01"), ("901", "2026-11-08")):
                http_mocker.get(poll(run_id), run_status(run_id, "Job Completed"))
                http_mocker.get(rows(run_id), graph_page([row(day)]))

            output = read_stream(STREAM, config, SyncMode.incremental)

        assert sorted(r.record.data["date_start"] for r in output.records) == ["2026-11-01", "2026-11-08"]

    def test_incremental_read_rereads_the_lookback_days_before_the_state(self) -> None:
        state = per_account_state(STREAM, "date_start", {"111": "2026-11-12"})
        with HttpMocker() as http_mocker:
            http_mocker.post(create_run("2026-11-09", "2026-11-14"), run_created("900"))
            http_mocker.get(poll("900"), run_status("900", "Job Completed"))
            http_mocker.get(rows("900"), graph_page([row("2026-11-13")]))

            output = read_stream(STREAM, async_config(insights_lookback_days=3), SyncMode.incremental, state=state)

        assert [r.record.data["date_start"] for r in output.records] == ["2026-11-13"]


    def test_async_mode_discovers_the_same_streams_keys_cursors_and_schemas_as_sync_mode(self) -> None:
        custom = [{"name": "by_country", "level": "campaign", "fields": ["spend"], "breakdowns": ["country"]}]
        catalogs = {}
        for mode in ("sync", "async"):
            config = async_config(insights_job_mode=mode, insights_breakdowns=["age"], custom_insights=custom)
            streams = discover(SourceFacebookAds(config=config), config).catalog.catalog.streams
            catalogs[mode] = {s.name: (s.source_defined_primary_key, s.default_cursor_field, s.json_schema) for s in streams}

        assert catalogs["async"] == catalogs["sync"]
        assert "custom_insights_by_country" in catalogs["async"]


class TestFailedReportRuns(AsyncInsightsTestCase):
    def test_a_failed_run_is_run_again(self) -> None:
        creation = create_run("2026-11-01", "2026-11-14")
        with HttpMocker() as http_mocker:
            http_mocker.post(creation, [run_created("900"), run_created("901")])
            http_mocker.get(poll("900"), run_status("900", "Job Failed", 0, error_code=-2, error_subcode=2490547))
            http_mocker.get(poll("901"), run_status("901", "Job Completed"))
            http_mocker.get(rows("901"), graph_page([row("2026-11-05")]))

            output = read_stream(STREAM, async_config())

            http_mocker.assert_number_of_calls(creation, 2)
        assert not output.errors
        assert [r.record.data["date_start"] for r in output.records] == ["2026-11-05"]

    def test_a_skipped_run_is_run_again_not_taken_as_empty(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.post(create_run("2026-11-01", "2026-11-14"), [run_created("900"), run_created("901")])
            http_mocker.get(poll("900"), run_status("900", "Job Skipped", 0))
            http_mocker.get(poll("901"), run_status("901", "Job Completed"))
            http_mocker.get(rows("901"), graph_page([row("2026-11-05")]))

            output = read_stream(STREAM, async_config())

        assert [r.record.data["date_start"] for r in output.records] == ["2026-11-05"]

    def test_a_window_that_fails_twice_is_split_in_halves_and_every_row_arrives_once(self) -> None:
        failed = {"error_code": -3, "error_subcode": 1504045, "error_message": "Report too large"}
        with HttpMocker() as http_mocker:
            http_mocker.post(create_run("2026-11-01", "2026-11-14"), [run_created("900"), run_created("901")])
            http_mocker.get(poll("900"), run_status("900", "Job Failed", 0, **failed))
            http_mocker.get(poll("901"), run_status("901", "Job Failed", 0, **failed))
            http_mocker.post(create_run("2026-11-01", "2026-11-07"), run_created("902"))
            http_mocker.post(create_run("2026-11-08", "2026-11-14"), run_created("903"))
            http_mocker.get(poll("902"), run_status("902", "Job Completed"))
            http_mocker.get(poll("903"), run_status("903", "Job Completed"))
            http_mocker.get(rows("902"), graph_page([row("2026-11-01"), row("2026-11-07")]))
            http_mocker.get(rows("903"), graph_page([row("2026-11-08"), row("2026-11-14")]))

            output = read_stream(STREAM, async_config(), SyncMode.incremental)

        assert not output.errors
        assert [r.record.data["date_start"] for r in output.records] == ["2026-11-01", "2026-11-07", "2026-11-08", "2026-11-14"]
        assert output.most_recent_state.stream_state.__dict__["states"][0]["cursor"] == {"date_start": "2026-11-14"}

    def test_a_one_day_window_that_keeps_failing_is_a_config_error_naming_account_day_and_meta_answer(self) -> None:
        config = async_config(end_date="2026-11-01", insights_window_days=1)
        with HttpMocker() as http_mocker:
            http_mocker.post(create_run("2026-11-01", "2026-11-01"), [run_created("900"), run_created("901")])
            for run_id in ("900", "901"):
                http_mocker.get(poll(run_id), run_status(run_id, "Job Failed", 0, error_code=-2, error_subcode=2490547))

            output = read_stream(STREAM, config, expecting_exception=True)

        error = output.errors[0].trace.error
        assert error.failure_type.value == "config_error"
        assert "act_111" in error.message and "2026-11-01" in error.message and "Job Failed" in error.message
        assert TOKEN not in error.message

    def test_invalid_breakdowns_reported_by_the_run_stop_at_once_with_meta_words(self) -> None:
        config = async_config(insights_breakdowns=["age"])
        invalid = {"error_code": 2, "error_subcode": 1504041, "error_user_msg": "The breakdowns are not valid together"}
        creation = create_run("2026-11-01", "2026-11-14", breakdowns="age")
        with HttpMocker() as http_mocker:
            http_mocker.post(creation, run_created("900"))
            http_mocker.get(poll("900"), run_status("900", "Job Failed", 0, **invalid))

            output = read_stream(STREAM, config, expecting_exception=True)

            http_mocker.assert_number_of_calls(creation, 1)
        error = output.errors[0].trace.error
        assert error.failure_type.value == "config_error"
        assert "The breakdowns are not valid together" in error.message and "insights_breakdowns" in error.message

    def test_a_creation_refused_for_too_much_data_is_split_not_failed(self) -> None:
        too_much = HttpResponse(
            body=json.dumps({"error": {"code": 100, "error_subcode": 1487534, "message": "Please reduce the amount of data"}}),
            status_code=400,
        )
        with HttpMocker() as http_mocker:
            http_mocker.post(create_run("2026-11-01", "2026-11-14"), too_much)
            for run_id, (since, until), day in (("902", ("2026-11-01", "2026-11-07"), "2026-11-02"), ("903", ("2026-11-08", "2026-11-14"), "2026-11-09")):
                http_mocker.post(create_run(since, until), run_created(run_id))
                http_mocker.get(poll(run_id), run_status(run_id, "Job Completed"))
                http_mocker.get(rows(run_id), graph_page([row(day)]))

            output = read_stream(STREAM, async_config())

        assert not output.errors
        assert [r.record.data["date_start"] for r in output.records] == ["2026-11-02", "2026-11-09"]

    def test_an_invalid_parameter_at_creation_is_a_config_error_without_retries(self) -> None:
        invalid = HttpResponse(
            body=json.dumps({"error": {"code": 100, "message": "(#100) breakdowns[0] must be one of the following values: age"}}),
            status_code=400,
        )
        config = async_config(insights_breakdowns=["agee"])
        creation = create_run("2026-11-01", "2026-11-14", breakdowns="agee")
        with HttpMocker() as http_mocker:
            http_mocker.post(creation, invalid)

            output = read_stream(STREAM, config, expecting_exception=True)

            http_mocker.assert_number_of_calls(creation, 1)
        error = output.errors[0].trace.error
        assert error.failure_type.value == "config_error"
        assert "breakdowns[0] must be one of" in error.message and "insights_breakdowns" in error.message
