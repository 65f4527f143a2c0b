"""Errors as Meta really sends them, through `read` with mocked HTTP: what each one means for a sync.

"Please reduce the amount of data" (code 1, HTTP 500, no subcode) arrives on any request, paged or
not (issue 8 item 2); some codes only say what they mean with `is_transient` or their message
(item 6); a 2xx body can be unusable (issue 9 item 8).
"""

from __future__ import annotations

import json
import re
from typing import Any
from unittest import TestCase
from urllib.parse import parse_qs, urlparse

import requests_mock
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse

from unit_tests.components import manifest_floors
from unit_tests.builders import (
    API,
    TOKEN,
    ConfigBuilder,
    fields_of,
    graph_object,
    graph_page,
    graph_request,
    no_retry_waits,
    read_stream,
)

REDUCE_DATA = {
    "error": {
        "message": "Please reduce the amount of data you're asking for, then retry your request",
        "type": "OAuthException",
        "code": 1,
        "fbtrace_id": "Atrace",
    }
}
CDK_DEVELOPER_WORDS = ("not set up to send a smaller page", "page_size_reduction", "REDUCE_PAGE_SIZE", "minimum_page_size")


def reduce_data() -> HttpResponse:
    return HttpResponse(body=json.dumps(REDUCE_DATA), status_code=500)


def error_body(code: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Atrace", **extra}}


def limits_asked(mock: requests_mock.Mocker) -> list[int]:
    return [int(parse_qs(urlparse(request.url).query)["limit"][0]) for request in mock.request_history]


def assert_user_facing(output: Any) -> None:
    """No CDK message written for connector developers, and no token, anywhere in the output."""
    text = "\n".join(message.model_dump_json() if hasattr(message, "model_dump_json") else str(message) for message in output._messages)
    for words in CDK_DEVELOPER_WORDS:
        assert words not in text
    assert TOKEN not in text


class TestAdaccountsStream(TestCase):
    def test_reduce_data_on_me_adaccounts_halves_the_page_and_reads_every_account(self) -> None:
        request = lambda limit: graph_request("me/adaccounts", fields=fields_of("adaccounts"), limit=limit)
        with HttpMocker() as http_mocker, no_retry_waits():
            http_mocker.get(request("500"), reduce_data())
            http_mocker.get(request("250"), graph_page([{"id": "act_1", "account_id": "1"}]))

            output = read_stream("adaccounts", ConfigBuilder().build())

        assert [r.record.data["id"] for r in output.records] == ["act_1"]
        assert not output.errors

    def test_per_account_stream_without_account_ids_survives_reduce_data_on_the_account_list(self) -> None:
        with HttpMocker() as http_mocker, no_retry_waits():
            http_mocker.get(graph_request("me/adaccounts", fields="account_id", limit="500"), reduce_data())
            http_mocker.get(
                graph_request("me/adaccounts", fields="account_id", limit="250"),
                graph_page([{"id": "act_7", "account_id": "7"}]),
            )
            http_mocker.get(
                graph_request("act_7/adimages", fields=fields_of("adimages"), limit="500"), graph_page([{"hash": "h1", "id": "i1"}])
            )

            output = read_stream("adimages", ConfigBuilder().with_account_ids().build())

        assert [r.record.data["hash"] for r in output.records] == ["h1"]

    def test_reduce_data_at_every_page_size_fails_with_what_to_do_and_no_cdk_wording(self) -> None:
        with requests_mock.Mocker() as mock, no_retry_waits():
            mock.get(re.compile(rf"^{re.escape(API)}/me/adaccounts"), status_code=500, json=REDUCE_DATA)

            output = read_stream("adaccounts", ConfigBuilder().build(), expecting_exception=True)

        assert limits_asked(mock) == [500, 250, 125, 62, 31, 25]
        error = output.errors[0].trace.error
        assert "pages of 25 objects" in error.message
        assert "objects. " + manifest_floors("edge")["failure_message"] in error.message  # page_size_reduction's advice
        assert_user_facing(output)


class TestBusinessesStream(TestCase):
    def test_reduce_data_on_me_businesses_halves_the_page(self) -> None:
        with HttpMocker() as http_mocker, no_retry_waits():
            http_mocker.get(graph_request("me/businesses", fields=fields_of("businesses"), limit="500"), reduce_data())
            http_mocker.get(
                graph_request("me/businesses", fields=fields_of("businesses"), limit="250"), graph_page([{"id": "9", "name": "Acme"}])
            )

            output = read_stream("businesses", ConfigBuilder().build())

        assert [r.record.data["name"] for r in output.records] == ["Acme"]


class TestAdAccountStream(TestCase):
    def request(self):
        return graph_request("act_111", fields=fields_of("ad_account"))

    def test_reduce_data_on_the_account_object_is_retried_as_it_is(self) -> None:
        with HttpMocker() as http_mocker, no_retry_waits():
            http_mocker.get(self.request(), [reduce_data(), reduce_data(), graph_object({"id": "act_111", "account_id": "111"})])

            output = read_stream("ad_account", ConfigBuilder().build())

        assert [r.record.data["id"] for r in output.records] == ["act_111"]
        assert not output.errors

    def test_reduce_data_that_persists_fails_after_five_retries_saying_to_run_again_not_to_lower_page_size(self) -> None:
        with requests_mock.Mocker() as mock, no_retry_waits():
            mock.get(f"{API}/act_111", status_code=500, json=REDUCE_DATA)

            output = read_stream("ad_account", ConfigBuilder().build(), expecting_exception=True)

        assert mock.call_count == 6
        error = output.errors[0].trace.error
        assert error.failure_type.value == "transient_error"
        assert "act_111" in error.message and "after 5 retries" in error.message and "run the sync again later" in error.message
        assert "page_size" not in error.message
        assert_user_facing(output)


class TestAdInsightsStream(TestCase):
    CONFIG = ConfigBuilder().with_start_date("2026-11-01").with_values(end_date="2026-11-01", insights_window_days=1)

    def test_one_day_over_the_row_ceiling_halves_the_page_before_it_fails(self) -> None:
        def answer(request: Any, context: Any) -> dict:
            if int(parse_qs(urlparse(request.url).query)["limit"][0]) > 100:
                context.status_code = 400
                return error_body(100, "Please reduce the amount of data you're asking for", error_subcode=1487534)
            return {"data": [{"account_id": "111", "ad_id": "9", "date_start": "2026-11-01", "date_stop": "2026-11-01"}]}

        with requests_mock.Mocker() as mock, no_retry_waits():
            mock.get(re.compile(rf"^{re.escape(API)}/act_111/insights"), json=answer)

            output = read_stream("ad_insights", self.CONFIG.build(), SyncMode.incremental)

        assert limits_asked(mock) == [500, 250, 125, 62]
        assert [r.record.data["ad_id"] for r in output.records] == ["9"]

    def test_one_day_that_fails_at_the_smallest_page_says_what_to_reduce(self) -> None:
        with requests_mock.Mocker() as mock, no_retry_waits():
            mock.get(re.compile(rf"^{re.escape(API)}/act_111/insights"), status_code=500, json=REDUCE_DATA)

            output = read_stream("ad_insights", self.CONFIG.build(), SyncMode.incremental, expecting_exception=True)

        assert limits_asked(mock) == [500, 250, 125, 62, 31, 25]
        error = output.errors[0].trace.error
        assert error.failure_type.value == "config_error"
        assert "single day 2026-11-01 in pages of 25 rows" in error.message and "breakdowns" in error.message
        assert "(now none). " + manifest_floors("insights")["failure_message"] in error.message  # window splitting's advice
        assert_user_facing(output)


class TestAdvideosStream(TestCase):
    def test_code_1_that_meta_marks_not_transient_fails_at_once_with_meta_words_for_the_user(self) -> None:
        body = error_body(
            1,
            "An unknown error has occurred.",
            error_subcode=2853001,
            is_transient=False,
            error_user_title="Profile is not linked to delegate page",
            error_user_msg="The profile used is not linked to the delegate page of this business.",
        )
        with requests_mock.Mocker() as mock, no_retry_waits():
            mock.get(re.compile(rf"^{re.escape(API)}/act_111/advideos"), status_code=400, json=body)

            output = read_stream("advideos", ConfigBuilder().build(), expecting_exception=True)

        assert mock.call_count == 1
        error = output.errors[0].trace.error
        assert error.failure_type.value == "config_error"
        assert "Profile is not linked to delegate page" in error.message
        assert "not linked to the delegate page of this business" in error.message

    def test_code_190_asking_for_a_page_permission_says_so_and_not_to_generate_a_new_token(self) -> None:
        body = error_body(190, "(#190) This method must be called with a Page Access Token with pages_read_engagement")
        with requests_mock.Mocker() as mock:
            mock.get(re.compile(rf"^{re.escape(API)}/act_111/advideos"), status_code=400, json=body)

            output = read_stream("advideos", ConfigBuilder().build(), expecting_exception=True)

        error = output.errors[0].trace.error
        assert error.failure_type.value == "config_error"
        assert "Page permission (pages_read_engagement)" in error.message
        assert "Generate New Token" not in error.message


class TestCampaignsStream(TestCase):
    def read_answering(self, status: int, body: dict[str, Any]) -> Any:
        with requests_mock.Mocker() as mock:
            mock.get(re.compile(rf"^{re.escape(API)}/act_111/campaigns"), status_code=status, json=body)
            return read_stream("campaigns", ConfigBuilder().build(), expecting_exception=True)

    def test_missing_permissions_code_100_is_a_config_error_about_permissions(self) -> None:
        error = self.read_answering(400, error_body(100, "(#100) Missing permissions")).errors[0].trace.error
        assert error.failure_type.value == "config_error"
        assert "act_111" in error.message and "ads_read" in error.message

    def test_two_factor_authentication_required_is_a_config_error_with_the_fix(self) -> None:
        body = error_body(415, "Two factor authentication required", error_subcode=1404120)
        error = self.read_answering(400, body).errors[0].trace.error
        assert error.failure_type.value == "config_error"
        assert "turn on two-factor authentication" in error.message


class TestAdimagesStream(TestCase):
    def test_meta_upgrading_the_version_is_one_warning_per_sync_however_many_answers_say_so(self) -> None:
        upgraded = {"X-Ad-Api-Version-Warning": "The call was upgraded to v26.0 because v25.0 is deprecated."}
        with requests_mock.Mocker() as mock:
            page = {"data": [{"hash": "h", "id": "i"}], "paging": {"cursors": {}}}
            mock.get(re.compile(rf"^{re.escape(API)}/act_\d+/adimages"), json=page, headers=upgraded)

            output = read_stream("adimages", ConfigBuilder().with_account_ids("111", "222", "333").build())

        assert mock.call_count == 3 and len(output.records) == 3
        warnings = [log.log.message for log in output.logs if "upgraded to v26.0" in log.log.message]
        assert len(warnings) == 1
        assert "api_version" in warnings[0]
        assert [log.log.level.value for log in output.logs if "upgraded to v26.0" in log.log.message] == ["WARN"]
