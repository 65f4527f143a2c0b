"""The classifier table, row by row: Meta's code/subcode first, the HTTP status second."""

from __future__ import annotations

import json
from typing import Any, Optional

import pytest
import requests

from source_facebook_ads.components.graph_error_classifier import NO_ERROR, POLICY_BLOCK_WAIT_SECONDS, GraphErrorKind, classify
from source_facebook_ads.components.graph_urls import ad_account_id
from source_facebook_ads.components.request_kind import RequestKind
from source_facebook_ads.components.request_shrinking import Shrink, cannot_shrink, how_to_shrink
from unit_tests.components import FLOORS, INSIGHTS_FLOORS, TOKEN, buc_header, meta_error

ACCOUNT_PATH = "/v25.0/act_123/campaigns"
INSIGHTS_PATH = "/v25.0/act_123/insights"
CUT_OFF = object()  # marks a body that did not parse (the caller passes None)

K = GraphErrorKind

# (row id, HTTP status, body, path, kind, words the user message must contain)
TABLE: list[tuple[str, Optional[int], Any, str, GraphErrorKind, tuple[str, ...]]] = [
    # token invalid / expired / revoked
    ("190 at 400", 400, meta_error(190), ACCOUNT_PATH, K.INVALID_TOKEN, ("access token", "System User", "access_token")),
    ("190/463 expired", 400, meta_error(190, 463), ACCOUNT_PATH, K.INVALID_TOKEN, ("Generate New Token",)),
    ("190 at 500", 500, meta_error(190, 460), ACCOUNT_PATH, K.INVALID_TOKEN, ("expired",)),
    ("102 session", 400, meta_error(102), "/v25.0/me", K.INVALID_TOKEN, ("System User",)),
    ("401 no body", 401, None, ACCOUNT_PATH, K.INVALID_TOKEN, ("access token",)),
    ("401 unknown code", 401, meta_error(99999), ACCOUNT_PATH, K.INVALID_TOKEN, ("access token",)),
    # permission / asset assignment
    ("10 at 400", 400, meta_error(10), ACCOUNT_PATH, K.MISSING_PERMISSION, ("act_123", "Manage campaigns", "ads_read", "read_insights")),
    ("200 at 403", 403, meta_error(200), ACCOUNT_PATH, K.MISSING_PERMISSION, ("act_123", "Manage campaigns")),
    ("294 at 400", 400, meta_error(294), INSIGHTS_PATH, K.MISSING_PERMISSION, ("act_123",)),
    ("299 at 400", 400, meta_error(299), ACCOUNT_PATH, K.MISSING_PERMISSION, ("act_123",)),
    ("403 no body", 403, None, ACCOUNT_PATH, K.MISSING_PERMISSION, ("act_123", "Manage campaigns")),
    ("200 on /me/businesses", 400, meta_error(200), "/v25.0/me/businesses", K.MISSING_PERMISSION, ("/v25.0/me/businesses", "business_management")),
    # the account does not exist or the token cannot see it
    ("100/33", 400, meta_error(100, 33), "/v25.0/act_123", K.UNKNOWN_ACCOUNT, ("act_123", "account_ids")),
    ("100/2446289 one broken creative", 400, meta_error(100, 2446289, error_user_title="Ad Creative Is Incomplete"), "/v25.0/act_123/adcreatives", K.UNREADABLE_OBJECT, ("act_123", "Ad Creative Is Incomplete")),
    # too much data
    ("100/1487534", 400, meta_error(100, 1487534), INSIGHTS_PATH, K.TOO_MUCH_DATA, ("reduce the amount of data", "act_123")),
    ("1 reduce data at 500", 500, meta_error(1, message="Please reduce the amount of data you're asking for, then retry your request"), ACCOUNT_PATH, K.TOO_MUCH_DATA, ("act_123",)),
    ("100/1504018 sync insights timeout", 400, meta_error(100, 1504018), INSIGHTS_PATH, K.TOO_MUCH_DATA, ("act_123",)),
    # rate limited
    ("4 app limit", 400, meta_error(4), ACCOUNT_PATH, K.RATE_LIMITED, ("throttling", "act_123", "code 4")),
    ("17 user limit", 400, meta_error(17), ACCOUNT_PATH, K.RATE_LIMITED, ("code 17",)),
    ("17/2446079", 400, meta_error(17, 2446079), ACCOUNT_PATH, K.RATE_LIMITED, ("code 17",)),
    ("32 pages limit", 400, meta_error(32), ACCOUNT_PATH, K.RATE_LIMITED, ("code 32",)),
    ("341 application limit", 400, meta_error(341), ACCOUNT_PATH, K.RATE_LIMITED, ("code 341",)),
    ("613 rate limit", 400, meta_error(613, 1487742), ACCOUNT_PATH, K.RATE_LIMITED, ("code 613",)),
    ("80000 ads_insights", 400, meta_error(80000), INSIGHTS_PATH, K.RATE_LIMITED, ("code 80000",)),
    ("80004 ads_management", 400, meta_error(80004), ACCOUNT_PATH, K.RATE_LIMITED, ("code 80004",)),
    ("80014 other BUC", 400, meta_error(80014), ACCOUNT_PATH, K.RATE_LIMITED, ("code 80014",)),
    ("subcode 2446079 alone", 400, meta_error(9000, 2446079), ACCOUNT_PATH, K.RATE_LIMITED, ("act_123",)),
    ("80000 at 500", 500, meta_error(80000), INSIGHTS_PATH, K.RATE_LIMITED, ("code 80000",)),
    ("429 no body", 429, None, ACCOUNT_PATH, K.RATE_LIMITED, ("HTTP 429",)),
    ("429 html body", 429, CUT_OFF, ACCOUNT_PATH, K.RATE_LIMITED, ("HTTP 429",)),
    ("368 policy block", 400, meta_error(368), ACCOUNT_PATH, K.RATE_LIMITED, ("policy", "368")),
    # transient
    ("1 unknown at 500", 500, meta_error(1, 99), ACCOUNT_PATH, K.TRANSIENT, ("temporary", "code 1")),
    ("2 at 400", 400, meta_error(2, is_transient=True), ACCOUNT_PATH, K.TRANSIENT, ("code 2",)),
    ("is_transient with unknown code", 400, meta_error(12345, is_transient=True), ACCOUNT_PATH, K.TRANSIENT, ("code 12345",)),
    ("500 no body", 500, None, ACCOUNT_PATH, K.TRANSIENT, ("HTTP 500",)),
    ("500 cut-off JSON", 500, CUT_OFF, ACCOUNT_PATH, K.TRANSIENT, ("HTTP 500",)),
    ("502 html", 502, CUT_OFF, ACCOUNT_PATH, K.TRANSIENT, ("HTTP 502",)),
    ("503 JSON without error", 503, {"status": "down"}, ACCOUNT_PATH, K.TRANSIENT, ("HTTP 503",)),
    ("502 unknown code", 502, meta_error(424242), ACCOUNT_PATH, K.TRANSIENT, ("HTTP 502",)),
    ("400 html from a proxy", 400, CUT_OFF, ACCOUNT_PATH, K.TRANSIENT, ("HTTP 400",)),
    ("200 cut-off body", 200, CUT_OFF, ACCOUNT_PATH, K.TRANSIENT, ("empty or cut-off",)),
    ("200 with error body", 200, meta_error(12345), ACCOUNT_PATH, K.TRANSIENT, ("status 200",)),
    # known codes win over a 200
    ("200 with code 190", 200, meta_error(190), ACCOUNT_PATH, K.INVALID_TOKEN, ("access token",)),
    ("200 with code 80000", 200, meta_error(80000), INSIGHTS_PATH, K.RATE_LIMITED, ("code 80000",)),
    # what Meta means, where the code alone does not say it
    ("1 is_transient false", 400, meta_error(1, 2853001, message="Invalid parameter", is_transient=False, error_user_title="Profile is not linked to delegate page", error_user_msg="The profile is not linked to the delegate page."), "/v25.0/act_123/advideos", K.REFUSED, ("Profile is not linked to delegate page", "not linked to the delegate page", "retrying will not help", "Business Settings")),
    ("unknown code is_transient false at 500", 500, meta_error(424242, is_transient=False, message="Nope"), ACCOUNT_PATH, K.REFUSED, ("Nope",)),
    ("100 Missing permissions", 400, meta_error(100, message="(#100) Missing permissions"), ACCOUNT_PATH, K.MISSING_PERMISSION, ("act_123", "ads_read")),
    ("190 asking for a Page permission", 400, meta_error(190, message="(#190) This method must be called with a Page Access Token with pages_read_engagement"), "/v25.0/act_123/advideos", K.MISSING_PERMISSION, ("Page permission", "pages_read_engagement", "token itself is valid")),
    ("3018 start beyond 37 months", 400, meta_error(3018, message="(#3018) The start date of the time range cannot be beyond 37 months from the current date"), INSIGHTS_PATH, K.REFUSED, ("37 months", "start_date")),
    ("415/1404120 two-factor", 400, meta_error(415, 1404120, message="Two factor authentication required"), "/v25.0/me/businesses", K.REFUSED, ("two-factor authentication", "/v25.0/me/businesses")),
    # version retired
    ("2635", 400, meta_error(2635), "/v19.0/act_123/campaigns", K.API_VERSION_RETIRED, ("v19.0", "api_version")),
    # anything else: system error with Meta's own words
    ("100 invalid parameter", 400, meta_error(100, message="(#100) Tried accessing nonexisting field (foo)"), ACCOUNT_PATH, K.UNEXPECTED, ("act_123", "nonexisting field (foo)")),
    ("100 at 500 is still fatal", 500, meta_error(100, message="Invalid parameter"), ACCOUNT_PATH, K.UNEXPECTED, ("Invalid parameter",)),
    ("2500 parse error", 400, meta_error(2500, message="Syntax error"), "/v25.0/me", K.UNEXPECTED, ("/v25.0/me", "Syntax error")),
    ("unknown code at 400", 400, meta_error(99999, message="Something odd"), ACCOUNT_PATH, K.UNEXPECTED, ("Something odd",)),
    ("404 unknown code", 404, meta_error(803, message="Unknown path"), "/v25.0/nope", K.UNEXPECTED, ("Unknown path",)),
]


@pytest.mark.parametrize("status, body, path, kind, words", [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_classification_table(status: int, body: Any, path: str, kind: GraphErrorKind, words: tuple[str, ...]) -> None:
    error = classify(status, None if body is CUT_OFF else body, path, None)
    assert error.kind is kind
    for word in words:
        assert word in error.user_message
    assert f"HTTP {status}" in error.technical_detail
    assert f"path {path}" in error.technical_detail
    if isinstance(body, dict) and "error" in body:
        assert f"code {body['error']['code']}" in error.technical_detail
        assert "fbtrace_id AbCdEf123" in error.technical_detail


def test_subcode_and_meta_message_are_in_the_technical_detail() -> None:
    error = classify(400, meta_error(100, 33, message="Unsupported get request."), "/v25.0/act_9", None)
    assert "subcode 33" in error.technical_detail
    assert "Meta: Unsupported get request." in error.technical_detail
    assert error.message == f"{error.user_message} Details: {error.technical_detail}."


@pytest.mark.parametrize(
    "exception",
    [
        requests.exceptions.ConnectionError("Connection aborted."),
        requests.exceptions.ReadTimeout("Read timed out. (read timeout=120)"),
        requests.exceptions.ConnectTimeout("Connect timed out"),
        requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead"),
        ConnectionResetError("reset by peer"),
        TimeoutError("timed out"),
    ],
    ids=lambda exception: type(exception).__name__,
)
def test_connection_errors_and_timeouts_are_transient(exception: Exception) -> None:
    error = classify(None, None, ACCOUNT_PATH, exception)
    assert error.kind is K.TRANSIENT
    assert "act_123" in error.user_message
    assert type(exception).__name__ in error.technical_detail


def test_other_request_exceptions_are_unexpected() -> None:
    error = classify(None, None, "", requests.exceptions.InvalidURL("bad url"))
    assert error.kind is K.UNEXPECTED
    assert "InvalidURL" in error.user_message


@pytest.mark.parametrize("body", [{"data": [], "paging": {}}, {"id": "123"}, [], {}])
def test_a_parsed_2xx_body_without_error_is_not_an_error(body: Any) -> None:
    assert classify(200, body, ACCOUNT_PATH, None) is NO_ERROR


def test_200_with_an_empty_body_is_transient() -> None:
    assert classify(200, None, ACCOUNT_PATH, None).kind is K.TRANSIENT


def test_throttle_carries_the_wait_meta_stated_in_the_headers() -> None:
    headers = buc_header("123", call_count=100, estimated_time_to_regain_access=3)
    assert classify(400, meta_error(80004), ACCOUNT_PATH, None, headers).retry_after_seconds == 180
    assert classify(400, meta_error(80004), ACCOUNT_PATH, None).retry_after_seconds is None
    assert classify(429, None, ACCOUNT_PATH, None, {"Retry-After": "12"}).retry_after_seconds == 12


def test_policy_block_waits_long_unless_meta_states_a_wait() -> None:
    assert classify(400, meta_error(368), ACCOUNT_PATH, None).retry_after_seconds == POLICY_BLOCK_WAIT_SECONDS
    headers = {"X-Ad-Account-Usage": json.dumps({"acc_id_util_pct": 100, "reset_time_duration": 1800})}
    assert classify(400, meta_error(368), ACCOUNT_PATH, None, headers).retry_after_seconds == 1800


def test_query_strings_never_reach_the_classification() -> None:
    error = classify(400, meta_error(10), f"{ACCOUNT_PATH}?access_token={TOKEN}&fields=id", None)
    assert "act_123" in error.user_message
    assert TOKEN not in error.message and "fields=id" not in error.message


@pytest.mark.parametrize(
    "status, body, exception",
    [
        (400, meta_error(190, message=f"Malformed access token {TOKEN}"), None),
        (400, meta_error(100, message=f"Invalid parameter: access_token={TOKEN}"), None),
        (400, meta_error(99999, message=f"See https://graph.facebook.com/v25.0/me?access_token={TOKEN}"), None),
        (400, meta_error(10, error_user_msg=f"token {TOKEN} lacks a permission"), None),
        (
            None,
            None,
            requests.exceptions.ConnectionError(
                f"HTTPSConnectionPool(host='graph.facebook.com'): Max retries exceeded with url: "
                f"/v25.0/act_123/campaigns?fields=id&access_token={TOKEN} (Caused by NewConnectionError)"
            ),
        ),
        (None, None, requests.exceptions.InvalidURL(f"Authorization: Bearer {TOKEN}")),
    ],
)
def test_no_message_contains_the_token(status: Optional[int], body: Any, exception: Optional[Exception]) -> None:
    error = classify(status, body, ACCOUNT_PATH, exception)
    assert TOKEN not in error.message
    assert "EAAG" not in error.message


@pytest.mark.parametrize(
    "url, account",
    [
        ("https://graph.facebook.com/v25.0/act_123/campaigns", "123"),
        ("/v25.0/act_123", "123"),
        ("/v25.0/act_123?fields=id", "123"),
        ("/v25.0/act_123/insights?filtering=/act_999/", "123"),
        ("/v25.0/me/adaccounts", None),
        ("/v25.0/6012345678/insights", None),
        ("/v25.0/me?filter=/act_5", None),
        ("/v25.0/act_12x/ads", None),
    ],
)
def test_ad_account_id_comes_from_the_path_segment(url: str, account: Optional[str]) -> None:
    assert ad_account_id(url) == account


@pytest.mark.parametrize(
    "kind, query, shrink",
    [
        (RequestKind.EDGE, {"limit": "500"}, Shrink.SMALLER_PAGE),
        (RequestKind.EDGE, {"limit": "26"}, Shrink.SMALLER_PAGE),
        (RequestKind.EDGE, {"limit": "25"}, Shrink.IMPOSSIBLE),
        (RequestKind.OBJECT, {}, Shrink.RETRY_AS_IS),  # not paged (one object): only a later try can help
        (RequestKind.INSIGHTS, {"time_range": '{"since":"2026-01-01","until":"2026-01-30"}', "limit": "500"}, Shrink.SMALLER_WINDOW),
        (RequestKind.INSIGHTS, {"time_range": '{"since":"2026-01-01","until":"2026-01-02"}'}, Shrink.SMALLER_WINDOW),
        (RequestKind.INSIGHTS, {"time_range": '{"since":"2026-01-01","until":"2026-01-01"}', "limit": "500"}, Shrink.SMALLER_PAGE),
        (RequestKind.INSIGHTS, {"time_range": '{"since":"2026-01-01","until":"2026-01-01"}', "limit": "25"}, Shrink.IMPOSSIBLE),
        (RequestKind.INSIGHTS, {"time_range[since]": "2026-01-01", "time_range[until]": "2026-01-07"}, Shrink.SMALLER_WINDOW),
        (RequestKind.INSIGHTS, {"date_preset": "last_30d"}, Shrink.IMPOSSIBLE),
        (RequestKind.INSIGHTS, {"time_range": "garbage"}, Shrink.IMPOSSIBLE),
        (RequestKind.REPORT_RUN_ROWS, {}, Shrink.IMPOSSIBLE),
    ],
)
def test_how_to_shrink_a_request_that_asked_for_too_much(kind: RequestKind, query: dict[str, str], shrink: Shrink) -> None:
    assert how_to_shrink(kind, query, FLOORS) is shrink


def test_cannot_shrink_says_what_to_reduce() -> None:
    too_much = classify(400, meta_error(100, 1487534), INSIGHTS_PATH, None)
    one_day = cannot_shrink(
        too_much,
        RequestKind.INSIGHTS,
        INSIGHTS_PATH,
        {"time_range": '{"since":"2026-01-01","until":"2026-01-01"}', "fields": "spend,clicks", "breakdowns": "age"},
        INSIGHTS_FLOORS,
    )
    assert "act_123" in one_day.user_message and "single day 2026-01-01" in one_day.user_message
    assert "insights fields (now 2) and breakdowns (now age)" in one_day.user_message
    # The advice is the CDK window splitting's failure_message, as the manifest words it.
    assert one_day.user_message.endswith(" " + INSIGHTS_FLOORS.advice) and "fewer insights fields" in INSIGHTS_FLOORS.advice
    assert one_day.technical_detail == too_much.technical_detail
    smallest_page = cannot_shrink(too_much, RequestKind.EDGE, ACCOUNT_PATH, {"limit": "25"}, FLOORS)
    assert "pages of 25 objects" in smallest_page.user_message and "fewer fields" in smallest_page.user_message
    assert smallest_page.user_message.endswith(" " + FLOORS.advice)
