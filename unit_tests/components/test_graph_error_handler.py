"""GraphErrorHandler: ErrorResolution per classifier row, the backoff strategy, and real CDK retries.

The last tests drive the CDK's own HttpClient (7.39.1) with mocked HTTP to prove the retry
accounting: throttles do not consume the transient retries, transient retries stop at five, and
the throttle budget ends a sync that Meta keeps throttling.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

import pytest
import requests
import requests_mock
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.call_rate import APIBudget
from airbyte_cdk.sources.streams.http import HttpClient
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.components.aimd_pacer import AimdPacer
from source_facebook_ads.components.graph_backoff import PACED_THROTTLE_RETRY_SECONDS, TRANSIENT_BACKOFF_MAX_SECONDS
from source_facebook_ads.components.graph_error_handler import CDK_MAX_TIME_MARGIN_SECONDS, GraphBackoffStrategy, GraphErrorHandler
from source_facebook_ads.components.object_isolation import RefusedRead
from source_facebook_ads.components.throttle_pause import THROTTLE_FALLBACK_WAIT_SECONDS
from unit_tests.components import API, MANIFEST_FLOORS, FakeClock, manifest_floors, TOKEN, buc_header, graph_response, meta_error

CONFIG = {"access_token": TOKEN, "max_throttle_wait_minutes": 60}
EDGE_URL = f"{API}/act_123/campaigns?limit=500&fields=id"
INSIGHTS_URL = f"{API}/act_123/insights?level=ad&time_range=%7B%22since%22%3A%222026-01-01%22%2C%22until%22%3A%222026-01-30%22%7D"
ONE_DAY_INSIGHTS_URL = f"{API}/act_123/insights?level=ad&time_range=%7B%22since%22%3A%222026-01-01%22%2C%22until%22%3A%222026-01-01%22%7D"
OBJECT_URL = f"{API}/act_123?fields=id,name"
REDUCE_DATA = meta_error(1, message="Please reduce the amount of data you're asking for, then retry your request")

RETRY, FAIL, RATE_LIMITED = ResponseAction.RETRY, ResponseAction.FAIL, ResponseAction.RATE_LIMITED
CONFIG_ERROR, SYSTEM_ERROR, TRANSIENT = FailureType.config_error, FailureType.system_error, FailureType.transient_error
HTML = b"<html><body>Bad Gateway</body></html>"
CUT_OFF_PAGE = b'{"data": [{"id": "1"}, {"id": "2"'


def handler(request_kind: str = "edge", **config: Any) -> GraphErrorHandler:
    return GraphErrorHandler(**manifest_floors(request_kind), config={**CONFIG, **config}, parameters={}, request_kind=request_kind)


def manifest_kind(response: requests.Response) -> str:
    """The request_kind the manifest gives the requester of a row's request (edges unless listed)."""
    return KIND_OF_REQUEST.get((response.request.method, response.url), "edge")


# (row id, response, expected action, expected failure type, words the message must contain)
RESPONSE_TABLE: list[tuple[str, requests.Response, ResponseAction, Optional[FailureType], tuple[str, ...]]] = [
    ("200 page", graph_response(200, {"data": [{"id": "1"}], "paging": {}}), ResponseAction.SUCCESS, None, ()),
    ("190 at 400", graph_response(400, meta_error(190, 463)), FAIL, CONFIG_ERROR, ("System User token", "code 190")),
    ("102 at 400", graph_response(400, meta_error(102), url=f"{API}/me"), FAIL, CONFIG_ERROR, ("access token",)),
    ("401 no body", graph_response(401), FAIL, CONFIG_ERROR, ("access token",)),
    ("10 at 400", graph_response(400, meta_error(10)), FAIL, CONFIG_ERROR, ("act_123", "Manage campaigns")),
    ("200 at 403", graph_response(403, meta_error(200)), FAIL, CONFIG_ERROR, ("act_123", "ads_read")),
    ("403 html", graph_response(403, raw=HTML), FAIL, CONFIG_ERROR, ("act_123",)),
    ("100/33", graph_response(400, meta_error(100, 33), url=f"{API}/act_123?fields=id"), FAIL, CONFIG_ERROR, ("act_123", "does not exist")),
    ("100/2446289 one object", graph_response(400, meta_error(100, 2446289, error_user_title="Ad Creative Is Incomplete")), FAIL, SYSTEM_ERROR, ("act_123", "Ad Creative Is Incomplete")),
    ("1487534 on an edge page of 500", graph_response(400, meta_error(100, 1487534), url=EDGE_URL), ResponseAction.REDUCE_PAGE_SIZE, CONFIG_ERROR, ()),
    ("code 1 reduce data on an edge", graph_response(500, meta_error(1, message="Please reduce the amount of data you're asking for"), url=EDGE_URL), ResponseAction.REDUCE_PAGE_SIZE, CONFIG_ERROR, ()),
    ("1487534 on a page of 25", graph_response(400, meta_error(100, 1487534), url=f"{API}/act_123/ads?limit=25"), FAIL, CONFIG_ERROR, ("pages of 25 objects", "fewer fields")),
    ("1487534 on 30 days of insights", graph_response(400, meta_error(100, 1487534), url=INSIGHTS_URL), ResponseAction.SPLIT_REQUEST_WINDOW, CONFIG_ERROR, ()),
    ("1487534 on one day of insights", graph_response(400, meta_error(100, 1487534), url=ONE_DAY_INSIGHTS_URL + "&limit=25"), FAIL, CONFIG_ERROR, ("single day", "pages of 25 rows", "breakdowns")),
    ("1487534 on one day of insights in pages of 500", graph_response(400, meta_error(100, 1487534), url=ONE_DAY_INSIGHTS_URL + "&limit=500"), ResponseAction.REDUCE_PAGE_SIZE, CONFIG_ERROR, ()),
    ("code 1 reduce data on /me/adaccounts", graph_response(500, REDUCE_DATA, url=f"{API}/me/adaccounts?fields=account_id&limit=500"), ResponseAction.REDUCE_PAGE_SIZE, CONFIG_ERROR, ()),
    ("code 1 reduce data on one object", graph_response(500, REDUCE_DATA, url=OBJECT_URL), RETRY, TRANSIENT, ("act_123",)),
    ("4 app limit", graph_response(400, meta_error(4)), RATE_LIMITED, TRANSIENT, ("throttling",)),
    ("17/2446079", graph_response(400, meta_error(17, 2446079)), RATE_LIMITED, TRANSIENT, ("code 17",)),
    ("32", graph_response(400, meta_error(32)), RATE_LIMITED, TRANSIENT, ()),
    ("341", graph_response(400, meta_error(341)), RATE_LIMITED, TRANSIENT, ()),
    ("613", graph_response(400, meta_error(613)), RATE_LIMITED, TRANSIENT, ()),
    ("80000", graph_response(400, meta_error(80000), url=INSIGHTS_URL), RATE_LIMITED, TRANSIENT, ("code 80000",)),
    ("80014", graph_response(400, meta_error(80014)), RATE_LIMITED, TRANSIENT, ()),
    ("368", graph_response(400, meta_error(368)), RATE_LIMITED, TRANSIENT, ("policy",)),
    ("429 no body", graph_response(429), RATE_LIMITED, TRANSIENT, ("HTTP 429",)),
    ("1 at 500", graph_response(500, meta_error(1, 99)), RETRY, TRANSIENT, ("temporary",)),
    ("2 at 400", graph_response(400, meta_error(2, is_transient=True)), RETRY, TRANSIENT, ()),
    ("is_transient", graph_response(400, meta_error(12345, is_transient=True)), RETRY, TRANSIENT, ()),
    ("500 cut-off body", graph_response(500, raw=b'{"error": {"code": 1, "mess'), RETRY, TRANSIENT, ("HTTP 500",)),
    ("502 html", graph_response(502, raw=HTML), RETRY, TRANSIENT, ("HTTP 502",)),
    ("200 cut-off page", graph_response(200, raw=CUT_OFF_PAGE), RETRY, TRANSIENT, ("cut off",)),
    ("200 empty body", graph_response(200, raw=b""), RETRY, TRANSIENT, ("empty",)),
    ("200 with error body", graph_response(200, meta_error(12345)), RETRY, TRANSIENT, ()),
    ("2635", graph_response(400, meta_error(2635), url=f"{API.replace('v25.0', 'v19.0')}/act_123/ads"), FAIL, CONFIG_ERROR, ("v19.0", "api_version")),
    ("100 invalid parameter", graph_response(400, meta_error(100, message="(#100) Invalid fields: foo")), FAIL, SYSTEM_ERROR, ("Invalid fields: foo", "fbtrace_id AbCdEf123")),
    ("2500", graph_response(400, meta_error(2500, message="Syntax error")), FAIL, SYSTEM_ERROR, ("Syntax error", "code 2500")),
    ("1 is_transient false", graph_response(400, meta_error(1, 2853001, is_transient=False, error_user_title="Profile is not linked to delegate page", error_user_msg="Link it.")), FAIL, CONFIG_ERROR, ("Profile is not linked to delegate page", "Link it.")),
    ("100 Missing permissions", graph_response(400, meta_error(100, message="(#100) Missing permissions")), FAIL, CONFIG_ERROR, ("act_123", "ads_read")),
    ("3018", graph_response(400, meta_error(3018), url=INSIGHTS_URL), FAIL, CONFIG_ERROR, ("37 months", "start_date")),
    ("415/1404120", graph_response(400, meta_error(415, 1404120)), FAIL, CONFIG_ERROR, ("two-factor",)),
    # a 2xx whose body the request cannot use (issue 9 item 8): read again, saying what came
    ("200 page without data", graph_response(200, {"paging": {}}), RETRY, TRANSIENT, ("without `data`",)),
    ("200 data a string", graph_response(200, {"data": "oops"}), RETRY, TRANSIENT, ("`data` as a string", "oops")),
    ("200 data of scalars", graph_response(200, {"data": [1, 2]}), RETRY, TRANSIENT, ("`data` holding a number",)),
    ("200 paging a string", graph_response(200, {"data": [], "paging": "next"}), RETRY, TRANSIENT, ("`paging` as a string",)),
    ("200 cursors a number", graph_response(200, {"data": [], "paging": {"cursors": 7}}), RETRY, TRANSIENT, ("`paging.cursors` as a number",)),
    ("200 next without after", graph_response(200, {"data": [], "paging": {"next": "https://x/y"}}), RETRY, TRANSIENT, ("without an `after` cursor",)),
    ("200 bare number", graph_response(200, 42), RETRY, TRANSIENT, ("a number (42)",)),
    ("200 bare number for one object", graph_response(200, 42, url=OBJECT_URL), RETRY, TRANSIENT, ("instead of a JSON object",)),
    ("200 one object", graph_response(200, {"id": "act_123"}, url=OBJECT_URL), ResponseAction.SUCCESS, None, ()),
    ("200 invalid UTF-8", graph_response(200, raw=b'{"data": [{"name": "\xff\xfe"}]}'), RETRY, TRANSIENT, ("not valid UTF-8",)),
    ("200 nested 100k deep", graph_response(200, raw=b"[" * 100_000 + b"]" * 100_000), RETRY, TRANSIENT, ("nested too deeply",)),
    ("500 nested 100k deep", graph_response(500, raw=b"[" * 100_000 + b"]" * 100_000), RETRY, TRANSIENT, ("HTTP 500",)),
]


def assert_resolves(
    response: requests.Response, action: ResponseAction, failure_type: Optional[FailureType], words: tuple[str, ...]
) -> None:
    """The handler's answer: the action, the failure type, the words a person needs, and never the token."""
    try:
        resolution = handler(manifest_kind(response)).interpret_response(response)
    except RefusedRead as refusal:  # the FAIL it stands for, raised so a read can go around it
        resolution = ErrorResolution(FAIL, refusal.failure_type, refusal.message)
    assert resolution.response_action is action
    assert resolution.failure_type is failure_type
    for word in words:
        assert word in (resolution.error_message or "")
    assert TOKEN not in (resolution.error_message or "")


@pytest.mark.parametrize("response, action, failure_type, words", [row[1:] for row in RESPONSE_TABLE], ids=[row[0] for row in RESPONSE_TABLE])
def test_interpret_response_table(
    response: requests.Response, action: ResponseAction, failure_type: Optional[FailureType], words: tuple[str, ...]
) -> None:
    assert_resolves(response, action, failure_type, words)


@pytest.mark.parametrize(
    "exception",
    [requests.exceptions.ConnectionError, requests.exceptions.ReadTimeout, requests.exceptions.ConnectTimeout],
    ids=lambda exception_type: exception_type.__name__,
)
def test_connection_errors_and_timeouts_are_retried(exception: type[requests.RequestException]) -> None:
    request = requests.Request("GET", f"{EDGE_URL}&access_token={TOKEN}").prepare()
    resolution = handler().interpret_response(exception(f"failed for url: {request.url}", request=request))
    assert (resolution.response_action, resolution.failure_type) == (RETRY, TRANSIENT)
    assert "act_123" in resolution.error_message
    assert TOKEN not in resolution.error_message


def test_the_configured_token_is_removed_even_when_it_does_not_look_like_one() -> None:
    plain_token = "plain-secret-value"
    response = graph_response(400, meta_error(100, message=f"Bad value {plain_token}"))
    resolution = GraphErrorHandler(**MANIFEST_FLOORS, config={"access_token": plain_token}, parameters={}).interpret_response(response)
    assert plain_token not in resolution.error_message


def test_the_smallest_page_and_window_and_the_advice_are_the_ones_the_manifest_gives() -> None:
    too_much = meta_error(100, 1487534)
    floors = {"minimum_page_size": 50, "smallest_window": "P2D", "failure_message": "Ask for less."}
    edge = GraphErrorHandler(config=CONFIG, parameters={}, request_kind="edge", **floors)
    insights = GraphErrorHandler(config=CONFIG, parameters={}, request_kind="insights", **floors)
    two_day_window = ONE_DAY_INSIGHTS_URL.replace("01%22%7D", "02%22%7D") + "&limit=100"

    at_50 = edge.interpret_response(graph_response(400, too_much, url=f"{API}/act_123/ads?limit=50"))
    two_days = insights.interpret_response(graph_response(400, too_much, url=two_day_window))

    assert at_50.response_action is FAIL and "pages of 50 objects" in at_50.error_message
    assert "pages of 50 objects. Ask for less." in at_50.error_message
    assert two_days.response_action is ResponseAction.REDUCE_PAGE_SIZE  # a 2-day window is the floor: no split


def test_limits_given_to_the_cdk_never_cut_a_legitimate_throttle_wait() -> None:
    assert handler().max_time == 60 * 60 + CDK_MAX_TIME_MARGIN_SECONDS
    assert handler(max_throttle_wait_minutes=240).max_time == 240 * 60 + CDK_MAX_TIME_MARGIN_SECONDS
    assert handler().max_time > 600
    assert handler().max_retries >= 100


def test_the_factory_can_build_it_from_manifest_fields() -> None:
    pacer = AimdPacer()
    built = GraphErrorHandler(**MANIFEST_FLOORS, config=CONFIG, parameters={}, max_transient_retries=3, api_budget=pacer)
    assert built.backoff_strategies[0]._max_transient_retries == 3
    assert built.backoff_strategies[0]._pacer_waits_out_throttles is True
    assert handler().backoff_strategies[0]._pacer_waits_out_throttles is False


# --- backoff strategy -----------------------------------------------------------------------------

THROTTLE = graph_response(400, meta_error(80004), headers=buc_header("123", call_count=100, estimated_time_to_regain_access=2))
TRANSIENT_ERROR = graph_response(500, meta_error(2))


def strategy(pacer: bool = False, random_fraction: float = 1.0) -> GraphBackoffStrategy:
    return GraphBackoffStrategy(
        classify=handler().classify, pacer_waits_out_throttles=pacer, random_fraction=lambda: random_fraction
    )


def test_transient_backoff_is_exponential_capped_and_bounded_to_five_retries() -> None:
    backoff = strategy()
    waits = [backoff.backoff_time(TRANSIENT_ERROR, attempt) for attempt in range(1, 6)]
    assert waits == [2, 4, 8, 16, 32]
    with pytest.raises(AirbyteTracedException) as raised:
        backoff.backoff_time(TRANSIENT_ERROR, 6)
    assert raised.value.failure_type is FailureType.transient_error
    assert "after 5 retries" in raised.value.message and "act_123" in raised.value.message


def test_transient_backoff_has_jitter() -> None:
    assert strategy(random_fraction=0.0).backoff_time(TRANSIENT_ERROR, 1) == 1.0
    assert strategy(random_fraction=0.5).backoff_time(TRANSIENT_ERROR, 1) == 1.5
    assert strategy(random_fraction=0.0).backoff_time(TRANSIENT_ERROR, 5) == 16.0


def test_transient_backoff_is_capped() -> None:
    backoff = GraphBackoffStrategy(classify=handler().classify, max_transient_retries=20, random_fraction=lambda: 1.0)
    assert [backoff.backoff_time(TRANSIENT_ERROR, attempt) for attempt in range(1, 9)][-1] == TRANSIENT_BACKOFF_MAX_SECONDS


def test_throttles_do_not_count_against_the_transient_retries() -> None:
    backoff = strategy()
    attempt = 0
    for _ in range(12):
        attempt += 1
        backoff.backoff_time(THROTTLE, attempt)
    for _ in range(5):
        attempt += 1
        backoff.backoff_time(TRANSIENT_ERROR, attempt)
    attempt += 1
    with pytest.raises(AirbyteTracedException):
        backoff.backoff_time(TRANSIENT_ERROR, attempt)


def test_a_new_request_starts_with_all_its_transient_retries() -> None:
    backoff = strategy()
    for attempt in range(1, 6):
        backoff.backoff_time(TRANSIENT_ERROR, attempt)
    assert backoff.backoff_time(TRANSIENT_ERROR, 1) == 2  # the next request's first failure


def test_throttle_wait_is_left_to_the_pacer_when_there_is_one() -> None:
    assert strategy(pacer=True).backoff_time(THROTTLE, 1) == PACED_THROTTLE_RETRY_SECONDS


def test_throttle_wait_without_a_pacer_is_what_meta_stated_or_the_default() -> None:
    assert strategy().backoff_time(THROTTLE, 1) == 120
    assert strategy().backoff_time(graph_response(400, meta_error(17)), 1) == THROTTLE_FALLBACK_WAIT_SECONDS


# --- the CDK's own retry loop ---------------------------------------------------------------------


@pytest.fixture
def cdk_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The CDK's backoff sleeps (time.sleep in its rate_limiting module), recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr("airbyte_cdk.sources.streams.http.rate_limiting.time.sleep", slept.append)
    return slept


def http_client(config: dict[str, Any], pacer: Optional[AimdPacer]) -> HttpClient:
    error_handler = GraphErrorHandler(**MANIFEST_FLOORS, config={**CONFIG, **config}, parameters={}, api_budget=pacer)
    return HttpClient(
        name="campaigns",
        logger=logging.getLogger("airbyte"),
        error_handler=error_handler,
        api_budget=pacer or APIBudget(policies=[]),
        backoff_strategy=error_handler.backoff_strategies,
    )


def throttle_response(minutes: int) -> dict[str, Any]:
    return {
        "status_code": 400,
        "json": meta_error(80004),
        "headers": buc_header("123", call_count=100, estimated_time_to_regain_access=minutes),
    }


def test_cdk_retries_through_many_throttles_and_five_transient_errors(cdk_sleeps: list[float]) -> None:
    clock = FakeClock()
    pacer = AimdPacer(clock=clock, sleep=clock.sleep)
    answers = [throttle_response(1)] * 8 + [{"status_code": 500, "json": meta_error(2)}] * 5 + [{"json": {"data": []}}]
    with requests_mock.Mocker() as mock:
        mock.get(EDGE_URL, answers)
        _, response = http_client({}, pacer).send_request("GET", EDGE_URL, request_kwargs={})
        assert response.status_code == 200
        assert mock.call_count == 14
    assert pacer.throttle_wait_spent("act_123") == 8 * 60  # each throttle paused the account for Meta's minute
    # The pacer slept those pauses (in short naps, re-checking its key), plus its spacing: after
    # eight halvings the pace is at its floor, one request per 20 s.
    assert 8 * 60 <= sum(clock.slept) <= 8 * 60 + 14 * 20


def test_cdk_gives_up_after_five_transient_retries(cdk_sleeps: list[float]) -> None:
    with requests_mock.Mocker() as mock:
        mock.get(EDGE_URL, [{"status_code": 502, "text": "<html>Bad Gateway</html>"}] * 10)
        clock = FakeClock()
        with pytest.raises(AirbyteTracedException) as raised:
            http_client({}, AimdPacer(clock=clock, sleep=clock.sleep)).send_request("GET", EDGE_URL, request_kwargs={})
        assert mock.call_count == 6
    assert raised.value.failure_type is FailureType.transient_error
    assert "after 5 retries" in raised.value.message


def test_cdk_retries_an_error_body_nested_100k_deep_and_gives_up_clearly(cdk_sleeps: list[float]) -> None:
    clock = FakeClock()
    with requests_mock.Mocker() as mock:
        mock.get(EDGE_URL, status_code=500, content=b"[" * 100_000 + b"]" * 100_000)
        with pytest.raises(AirbyteTracedException) as raised:  # not a RecursionError from the pacer or handler
            http_client({}, AimdPacer(clock=clock, sleep=clock.sleep)).send_request("GET", EDGE_URL, request_kwargs={})
        assert mock.call_count == 6
    assert raised.value.failure_type is FailureType.transient_error
    assert "HTTP 500" in raised.value.message


def test_cdk_fails_at_once_on_an_invalid_token(cdk_sleeps: list[float]) -> None:
    with requests_mock.Mocker() as mock:
        mock.get(EDGE_URL, status_code=400, json=meta_error(190, 460))
        with pytest.raises(AirbyteTracedException) as raised:
            http_client({}, AimdPacer()).send_request("GET", EDGE_URL, request_kwargs={})
        assert mock.call_count == 1
    assert raised.value.failure_type is FailureType.config_error
    assert "System User token" in raised.value.message
    assert TOKEN not in raised.value.message


def test_cdk_stops_when_the_throttle_budget_runs_out(cdk_sleeps: list[float]) -> None:
    clock = FakeClock()
    pacer = AimdPacer(max_throttle_wait_minutes=10, clock=clock, sleep=clock.sleep)
    with requests_mock.Mocker() as mock:
        mock.get(EDGE_URL, [throttle_response(4)] * 5)
        with pytest.raises(AirbyteTracedException) as raised:
            http_client({"max_throttle_wait_minutes": 10}, pacer).send_request("GET", EDGE_URL, request_kwargs={})
        assert mock.call_count == 3  # paused 4 + 4 minutes; a third 4-minute pause would pass 10
    assert raised.value.failure_type is FailureType.transient_error
    assert "act_123" in raised.value.message and "max_throttle_wait_minutes=10" in raised.value.message


def test_a_throttle_inside_a_200_body_is_waited_out_here_as_the_pacer_never_reads_2xx_bodies() -> None:
    throttle_in_200 = graph_response(200, meta_error(80004), headers=buc_header("123", estimated_time_to_regain_access=1))
    assert handler().interpret_response(throttle_in_200).response_action is RATE_LIMITED
    assert strategy(pacer=True).backoff_time(throttle_in_200, 1) == 60


def test_giving_up_on_transient_errors_never_shows_the_token() -> None:
    plain_token = "plain-secret-value"
    error_handler = GraphErrorHandler(**MANIFEST_FLOORS, config={"access_token": plain_token}, parameters={})
    backoff = GraphBackoffStrategy(classify=error_handler.classify, max_transient_retries=0)
    with pytest.raises(AirbyteTracedException) as raised:
        backoff.backoff_time(graph_response(500, meta_error(2, message=f"token {plain_token} hiccup")), 1)
    assert plain_token not in raised.value.message
    assert plain_token not in (raised.value.internal_message or "")
    assert "hiccup" in (raised.value.internal_message or "")


# --- async insights: the three requests of a report run ------------------------------------------

CREATE_URL = f"{API}/act_123/insights?level=ad&time_range=%7B%22since%22%3A%222026-01-01%22%2C%22until%22%3A%222026-01-30%22%7D"
STATUS_URL = f"{API}/836200000001?fields=id,async_status"
ROWS_URL = f"{API}/836200000001/insights?limit=500"
KIND_OF_REQUEST = {
    ("GET", f"{API}/me"): "object",
    ("GET", f"{API}/act_123?fields=id"): "object",
    ("GET", OBJECT_URL): "object",
    ("GET", INSIGHTS_URL): "insights",
    ("GET", ONE_DAY_INSIGHTS_URL + "&limit=25"): "insights",
    ("GET", ONE_DAY_INSIGHTS_URL + "&limit=500"): "insights",
    ("POST", CREATE_URL): "report_run_create",
    ("GET", STATUS_URL): "report_run_poll",
    ("GET", ROWS_URL): "report_run_rows",
}


def posted(response: requests.Response) -> requests.Response:
    response.request = requests.Request("POST", response.url, headers={"Authorization": f"Bearer {TOKEN}"}).prepare()
    return response


# (row id, response, expected action, expected failure type, words the message must contain). A
# transient_error FAIL makes the job repository run the window again and then split it; a
# config_error stops the CDK's job orchestrator at once.
REPORT_RUN_TABLE: list[tuple[str, requests.Response, ResponseAction, Optional[FailureType], tuple[str, ...]]] = [
    ("create: too much data", posted(graph_response(400, meta_error(100, 1487534), url=CREATE_URL)), FAIL, TRANSIENT, ("reduce the amount of data",)),
    ("create: invalid parameter", posted(graph_response(400, meta_error(100, message="(#100) breakdowns[0] must be one of"), url=CREATE_URL)), FAIL, CONFIG_ERROR, ("breakdowns[0] must be one of", "insights_breakdowns")),
    ("create: throttled", posted(graph_response(400, meta_error(80000), url=CREATE_URL)), RATE_LIMITED, TRANSIENT, ()),
    ("create: temporary", posted(graph_response(500, meta_error(1, 99), url=CREATE_URL)), RETRY, TRANSIENT, ()),
    ("create: token", posted(graph_response(400, meta_error(190, 463), url=CREATE_URL)), FAIL, CONFIG_ERROR, ("System User token",)),
    ("status: run unknown or expired", graph_response(400, meta_error(100, 33), url=STATUS_URL), FAIL, TRANSIENT, ("report run", "requested again")),
    ("status: temporary", graph_response(500, meta_error(2), url=STATUS_URL), RETRY, TRANSIENT, ()),
    ("status: permission", graph_response(403, meta_error(200), url=STATUS_URL), FAIL, CONFIG_ERROR, ()),
    ("rows: run unknown or expired", graph_response(400, meta_error(100, 33), url=ROWS_URL), FAIL, TRANSIENT, ("report run",)),
    ("rows: too much data on a page", graph_response(400, meta_error(100, 1487534), url=ROWS_URL), FAIL, CONFIG_ERROR, ("page_size",)),
    ("rows: a page", graph_response(200, {"data": [], "paging": {}}, url=ROWS_URL), ResponseAction.SUCCESS, None, ()),
    ("create: no report_run_id", posted(graph_response(200, {"id": "1"}, url=CREATE_URL)), RETRY, TRANSIENT, ("report_run_id",)),
    ("create: a report run", posted(graph_response(200, {"report_run_id": "836200000001"}, url=CREATE_URL)), ResponseAction.SUCCESS, None, ()),
    ("status: a string", graph_response(200, "Job Completed", url=STATUS_URL), RETRY, TRANSIENT, ("a string",)),
]


@pytest.mark.parametrize("response, action, failure_type, words", [row[1:] for row in REPORT_RUN_TABLE], ids=[row[0] for row in REPORT_RUN_TABLE])
def test_report_run_requests(response: requests.Response, action: ResponseAction, failure_type: Optional[FailureType], words: tuple[str, ...]) -> None:
    assert_resolves(response, action, failure_type, words)
