"""`check` asks Meta about the configured insights reports: one day (yesterday), first ad account.

Breakdowns, action breakdowns and fields are only validated by Meta; a refused report fails the
check with a message naming the setting and Meta's words.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from unittest import TestCase

from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import Status
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest

from source_facebook_ads.source import SourceFacebookAds
from unit_tests.builders import (
    TOKEN,
    ConfigBuilder,
    fields_of,
    graph_error,
    graph_object,
    graph_page,
    graph_request,
    insights_status_filter,
)


def yesterday() -> str:
    """Read when a test runs, as the source reads its today: a suite can run past midnight (UTC)."""
    return (datetime.now(timezone.utc).date() - timedelta(days=1)).isoformat()


INVALID_BREAKDOWN = "(#100) breakdowns[0] must be one of the following values: age, country, gender"


def check(config: dict[str, Any]):
    return SourceFacebookAds(config=config).check(logging.getLogger("test"), config)


def account_answers(http_mocker: HttpMocker, *account_ids: str) -> None:
    http_mocker.get(graph_request("me", fields=fields_of("me")), graph_object({"id": "1", "name": "bot"}))
    for account_id in account_ids:
        http_mocker.get(
            graph_request(f"act_{account_id}", fields=fields_of("ad_account")),
            graph_object({"id": f"act_{account_id}", "account_id": account_id}),
        )


def one_day_of(fields: str, level: str, account_id: str = "111", **params: str) -> HttpRequest:
    query = {
        "fields": fields,
        "level": level,
        "time_increment": "1",
        "time_range": json.dumps({"since": yesterday(), "until": yesterday()}, sort_keys=True),
        "action_breakdowns": "action_type",
        **insights_status_filter(level),  # check probes name every status, as the sync does
        "limit": "500",
        **params,
    }
    return graph_request(f"act_{account_id}/insights", **query)


class TestCheckInsightsBreakdowns(TestCase):
    def test_valid_breakdowns_pass_after_one_request_for_yesterday_on_the_first_account(self) -> None:
        config = ConfigBuilder().with_account_ids("111", "222").with_values(insights_breakdowns=["age"], insights_job_mode="async").build()
        probe = one_day_of(fields_of("account_insights"), "account", breakdowns="age")
        with HttpMocker() as http_mocker:
            account_answers(http_mocker, "111", "222")
            http_mocker.get(probe, graph_page([{"account_id": "111", "date_start": yesterday(), "age": "18-24"}], after="more"))

            status = check(config)

            http_mocker.assert_number_of_calls(probe, 1)  # the first page answers; the next is not read
        assert status.status == Status.SUCCEEDED

    def test_an_unknown_breakdown_fails_the_check_naming_the_setting_and_meta_words(self) -> None:
        config = ConfigBuilder().with_values(insights_breakdowns=["agee"]).build()
        with HttpMocker() as http_mocker:
            account_answers(http_mocker, "111")
            http_mocker.get(
                one_day_of(fields_of("account_insights"), "account", breakdowns="agee"),
                graph_error(400, 100, message=INVALID_BREAKDOWN),
            )

            status = check(config)

        assert status.status == Status.FAILED
        assert "insights_breakdowns ['agee']" in status.message
        assert INVALID_BREAKDOWN in status.message
        assert "act_111" in status.message and yesterday() in status.message
        assert TOKEN not in status.message

    def test_action_breakdowns_other_than_the_default_are_checked_with_meta(self) -> None:
        refused = "(#100) action_breakdowns[0] must be one of the following values: action_type, action_destination"
        config = ConfigBuilder().with_values(insights_action_breakdowns=["action_typo"]).build()
        with HttpMocker() as http_mocker:
            account_answers(http_mocker, "111")
            http_mocker.get(
                one_day_of(fields_of("account_insights"), "account", action_breakdowns="action_typo"),
                graph_error(400, 100, message=refused),
            )

            status = check(config)

        assert status.status == Status.FAILED
        assert "insights_action_breakdowns ['action_typo']" in status.message and refused in status.message

    def test_a_custom_report_names_its_action_breakdowns_when_meta_refuses_them(self) -> None:
        refused = "(#100) action_breakdowns[0] must be one of the following values: action_type"
        custom = [{"name": "by_device", "level": "ad", "fields": ["spend"], "action_breakdowns": ["action_device"]}]
        with HttpMocker() as http_mocker:
            account_answers(http_mocker, "111")
            http_mocker.get(
                one_day_of("spend,account_id,date_start,date_stop,ad_id", "ad", action_breakdowns="action_device"),
                graph_error(400, 100, message=refused),
            )

            status = check(ConfigBuilder().with_values(custom_insights=custom).build())

        assert status.status == Status.FAILED
        assert "custom_insights entry 'by_device' (fields ['spend'], breakdowns [], action_breakdowns ['action_device'])" in status.message

    def test_each_custom_report_is_checked_and_a_refused_one_is_named(self) -> None:
        custom = [
            {"name": "by_country", "level": "campaign", "fields": ["spend"], "breakdowns": ["country"], "start_date": "2026-01-01"},
            {"name": "bad_field", "level": "ad", "fields": ["spend", "not_a_field"]},
        ]
        config = ConfigBuilder().with_values(custom_insights=custom).build()
        with HttpMocker() as http_mocker:
            account_answers(http_mocker, "111")
            http_mocker.get(
                one_day_of("spend,account_id,date_start,date_stop,campaign_id", "campaign", breakdowns="country"),
                graph_page([]),
            )
            http_mocker.get(
                one_day_of("spend,not_a_field,account_id,date_start,date_stop,ad_id", "ad"),
                graph_error(400, 100, message="(#100) not_a_field is not valid for fields param"),
            )

            status = check(config)

        assert status.status == Status.FAILED
        assert "custom_insights entry 'bad_field'" in status.message
        assert "not_a_field is not valid for fields param" in status.message
        assert "by_country" not in status.message

    def test_no_insights_request_without_breakdowns_fields_or_custom_reports(self) -> None:
        with HttpMocker() as http_mocker:  # any insights request would be unmatched and fail the check
            account_answers(http_mocker, "111")

            status = check(ConfigBuilder().build())

        assert status.status == Status.SUCCEEDED


def test_the_entrypoint_reports_a_refused_breakdown_as_a_failed_check_without_a_trace(tmp_path: Path) -> None:
    config = ConfigBuilder().with_values(insights_breakdowns=["agee"]).build()
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    source = SourceFacebookAds(config=config)
    with HttpMocker() as http_mocker:
        account_answers(http_mocker, "111")
        http_mocker.get(
            one_day_of(fields_of("account_insights"), "account", breakdowns="agee"),
            graph_error(400, 100, message=INVALID_BREAKDOWN),
        )

        messages = [json.loads(line) for line in AirbyteEntrypoint(source).run(AirbyteEntrypoint.parse_args(["check", "--config", str(config_path)]))]

    statuses = [m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"]
    assert statuses[0]["status"] == "FAILED" and "insights_breakdowns ['agee']" in statuses[0]["message"]
    assert not [m for m in messages if m["type"] == "TRACE"]  # a trace would carry a stack trace
