"""AimdPacer on a fake clock: spacing, additive increase, multiplicative decrease, throttle pauses,
per-account isolation, the throttle budget; and on a short real clock: thread safety."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
import threading
import time
from typing import Any, Optional

import pytest
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.call_rate import CallRateLimitHit
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.components.aimd_pacer import APP_KEY, AimdPacer, pacing_key
from source_facebook_ads.components.graph_error_handler import GraphErrorHandler
from source_facebook_ads.components.object_isolation import RefusedRead
from source_facebook_ads.components.account_pace import (
    DECREASE_COOLDOWN_SECONDS,
    HIGH_WATER_PERCENT,
    INCREASE_INTERVAL_SECONDS,
    LOW_WATER_PERCENT,
    RATE_CEILING_PER_SECOND,
    RATE_FLOOR_PER_SECOND,
    RATE_INCREASE_STEP_PER_SECOND,
    SLOW_START_EXIT_PERCENT,
    SLOW_START_INTERVAL_SECONDS,
    USAGE_DECREASE_FACTOR,
    USAGE_SLOPE_SAMPLE_SECONDS,
)
from source_facebook_ads.components.throttle_pause import THROTTLE_FALLBACK_WAIT_SECONDS, THROTTLE_MIN_WAIT_SECONDS
from unit_tests.components import API, MANIFEST_FLOORS, FakeClock, buc_header, graph_response, meta_error

A = f"{API}/act_111/campaigns?limit=500"
B = f"{API}/act_222/adsets?limit=500"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def pacer_on(clock: FakeClock, **config: Any) -> AimdPacer:
    return AimdPacer.from_config(config, clock=clock, sleep=clock.sleep)


def request(url: str) -> requests.PreparedRequest:
    return requests.Request("GET", url).prepare()


def answer(pacer: AimdPacer, response: requests.Response) -> None:
    """What the CDK does with an answer: the pacer reads it, then the error handler (which tells the pacer what an error meant)."""
    pacer.update_from_response(response.request, response)
    with contextlib.suppress(RefusedRead):  # raised for the object streams' requester, which catches it
        GraphErrorHandler(**MANIFEST_FLOORS, config={}, parameters={}, api_budget=pacer).interpret_response(response)


def respond(pacer: AimdPacer, url: str, status: int = 200, body: Any = None, headers: Optional[dict[str, str]] = None) -> None:
    answer(pacer, graph_response(status, body if body is not None else {"data": []}, url=url, headers=headers))


def dispatch_times(pacer: AimdPacer, clock: FakeClock, url: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        pacer.acquire_call(request(url))
        times.append(clock.now)
    return times


def usage(account: str, percent: float) -> dict[str, str]:
    return buc_header(account, call_count=percent)


def throttle(account: str, minutes: float = 0, reset_seconds: Optional[float] = None, code: int = 80004) -> dict[str, Any]:
    headers = buc_header(account, call_count=100, estimated_time_to_regain_access=minutes)
    if reset_seconds is not None:
        headers["X-Ad-Account-Usage"] = json.dumps({"acc_id_util_pct": 100, "reset_time_duration": reset_seconds})
    return {"status": 400, "body": meta_error(code), "headers": headers}


# --- pacing keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, key",
    [
        (f"{API}/act_123/campaigns?after=x", "act_123"),
        (f"{API}/act_123", "act_123"),
        (f"{API}/act_123/insights", "act_123"),
        (f"{API}/me", APP_KEY),
        (f"{API}/me/adaccounts?fields=account_id", APP_KEY),
        (f"{API}/me/businesses", APP_KEY),
        (f"{API}/6023456789012", APP_KEY),  # an async report run
        (f"{API}/6023456789012/insights", APP_KEY),
    ],
)
def test_pacing_key_is_the_account_in_the_path_else_the_app(url: str, key: str) -> None:
    assert pacing_key(url) == key


def test_requests_without_an_account_share_the_app_pace(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    pacer.acquire_call(request(f"{API}/me"))
    pacer.acquire_call(request(f"{API}/me/adaccounts"))
    pacer.acquire_call(request(f"{API}/6023456789012"))
    assert clock.now == pytest.approx(1.0)  # one shared 2/s pace
    pacer.acquire_call(request(A))
    assert clock.now == pytest.approx(1.0)  # an account has its own


# --- initial pace ---------------------------------------------------------------------------------


def test_initial_pace_is_two_requests_per_second(clock: FakeClock) -> None:
    assert dispatch_times(pacer_on(clock), clock, A, 5) == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0])


def test_initial_pace_comes_from_the_config(clock: FakeClock) -> None:
    assert dispatch_times(pacer_on(clock, requests_per_second=4), clock, A, 3) == pytest.approx([0.0, 0.25, 0.5])


def test_time_already_passed_counts_toward_the_next_slot(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    pacer.acquire_call(request(A))
    clock.advance(3)
    pacer.acquire_call(request(A))
    assert clock.slept == []


def test_config_defaults() -> None:
    pacer = AimdPacer.from_config({})
    assert pacer.current_rate("act_1") == 2.0
    assert pacer._budget_seconds == 3600


# --- additive increase ----------------------------------------------------------------------------


def test_additive_increase_while_usage_shows_headroom(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    respond(pacer, A, headers=usage("111", 10))
    assert pacer.current_rate("act_111") == 2.0 + RATE_INCREASE_STEP_PER_SECOND
    respond(pacer, A, headers=usage("111", 10))  # too soon after the last step
    assert pacer.current_rate("act_111") == 2.0 + RATE_INCREASE_STEP_PER_SECOND
    clock.advance(INCREASE_INTERVAL_SECONDS)
    respond(pacer, A, headers=usage("111", 10))
    assert pacer.current_rate("act_111") == 2.0 + 2 * RATE_INCREASE_STEP_PER_SECOND


def test_increase_stops_at_the_ceiling(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    for _ in range(100):
        respond(pacer, A, headers=usage("111", 1))
        clock.advance(INCREASE_INTERVAL_SECONDS)
    assert pacer.current_rate("act_111") == RATE_CEILING_PER_SECOND


def test_the_increased_pace_spaces_requests_closer(clock: FakeClock) -> None:
    pacer = pacer_on(clock, requests_per_second=1.5)
    respond(pacer, A, headers=usage("111", 10))
    spacing = 1 / (1.5 + RATE_INCREASE_STEP_PER_SECOND)
    assert dispatch_times(pacer, clock, A, 3) == pytest.approx([0.0, spacing, 2 * spacing])


def test_between_the_water_marks_the_pace_holds(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    for _ in range(5):
        respond(pacer, A, headers=usage("111", (LOW_WATER_PERCENT + HIGH_WATER_PERCENT) / 2))
        clock.advance(INCREASE_INTERVAL_SECONDS)
    assert pacer.current_rate("act_111") == 2.0


# --- slow start ----------------------------------------------------------------------------------


def test_the_pace_doubles_every_second_while_usage_stays_near_zero(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    rates = []
    for _ in range(4):
        respond(pacer, A, headers=usage("111", 0))
        rates.append(pacer.current_rate("act_111"))
        respond(pacer, A, headers=usage("111", 0))  # within the second: no second doubling
        clock.advance(SLOW_START_INTERVAL_SECONDS)
    assert rates == [4.0, 8.0, RATE_CEILING_PER_SECOND, RATE_CEILING_PER_SECOND]


def test_usage_above_the_ramp_mark_takes_back_the_last_doubling_and_the_pace_then_creeps(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    respond(pacer, A, headers=usage("111", 0))
    clock.advance(SLOW_START_INTERVAL_SECONDS)
    respond(pacer, A, headers=usage("111", 0))
    assert pacer.current_rate("act_111") == 8.0
    clock.advance(SLOW_START_INTERVAL_SECONDS)
    respond(pacer, A, headers=usage("111", SLOW_START_EXIT_PERCENT + 1))
    assert pacer.current_rate("act_111") == 4.0
    for _ in range(3):  # the ramp is over for the sync: low usage again only adds steps
        clock.advance(INCREASE_INTERVAL_SECONDS)
        respond(pacer, A, headers=usage("111", 0))
    assert pacer.current_rate("act_111") == pytest.approx(4.0 + 3 * RATE_INCREASE_STEP_PER_SECOND)


def test_a_budget_showing_use_from_the_first_answer_is_never_ramped(clock: FakeClock) -> None:
    # A budget of 20 calls per window: one call already shows 5%.
    pacer = pacer_on(clock)
    respond(pacer, A, headers=usage("111", 10))
    clock.advance(SLOW_START_INTERVAL_SECONDS)
    respond(pacer, A, headers=usage("111", 0))
    assert pacer.current_rate("act_111") == 2.0 + RATE_INCREASE_STEP_PER_SECOND


def test_a_throttle_ends_the_ramp(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    respond(pacer, A, headers=usage("111", 0))
    answer(pacer, graph_response(400, meta_error(80004, 2446079), url=A))
    assert pacer.current_rate("act_111") == 2.0
    pacer.acquire_call(request(A))  # sleeps through the pause
    for _ in range(3):
        clock.advance(INCREASE_INTERVAL_SECONDS)
        respond(pacer, A, headers=usage("111", 0))
    assert pacer.current_rate("act_111") == pytest.approx(2.0 + 3 * RATE_INCREASE_STEP_PER_SECOND)


def test_accounts_ramp_on_their_own_figures(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    respond(pacer, A, headers=usage("111", 0))
    respond(pacer, B, headers=usage("222", 30))
    assert (pacer.current_rate("act_111"), pacer.current_rate("act_222")) == (4.0, 2.0 + RATE_INCREASE_STEP_PER_SECOND)


# --- unknown usage ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Business-Use-Case-Usage": "not json"},
        {"X-Ad-Account-Usage": '{"acc_id_util_pct": null}'},
        # App usage alone says nothing about the account's own budget: no growth on it.
        {"X-App-Usage": json.dumps({"call_count": 1, "total_time": 1, "total_cputime": 1})},
    ],
    ids=["no headers", "garbled", "null figure", "app usage only"],
)
def test_unknown_account_usage_never_grows_the_pace(clock: FakeClock, headers: dict[str, str]) -> None:
    pacer = pacer_on(clock)
    for _ in range(5):
        respond(pacer, A, headers=headers)
        clock.advance(INCREASE_INTERVAL_SECONDS)
    assert pacer.current_rate("act_111") == 2.0


def test_the_app_pace_grows_on_app_usage(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    me = f"{API}/me/adaccounts"
    respond(pacer, me, headers={"X-App-Usage": json.dumps({"call_count": 10})})
    assert pacer.current_rate(APP_KEY) == 2.0 + RATE_INCREASE_STEP_PER_SECOND
    clock.advance(INCREASE_INTERVAL_SECONDS)
    respond(pacer, me, headers=usage("111", 1))  # an account figure does not govern the app pace
    assert pacer.current_rate(APP_KEY) == 2.0 + RATE_INCREASE_STEP_PER_SECOND


# --- multiplicative decrease ------------------------------------------------------------------------


def test_multiplicative_decrease_on_high_usage(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    once, twice = 2.0 * USAGE_DECREASE_FACTOR, 2.0 * USAGE_DECREASE_FACTOR**2
    respond(pacer, A, headers=usage("111", HIGH_WATER_PERCENT))
    assert pacer.current_rate("act_111") == pytest.approx(once)
    respond(pacer, A, headers=usage("111", 95))  # an answer already in flight: no second cut yet
    assert pacer.current_rate("act_111") == pytest.approx(once)
    clock.advance(DECREASE_COOLDOWN_SECONDS)
    respond(pacer, A, headers=usage("111", 95))
    assert pacer.current_rate("act_111") == pytest.approx(twice)
    first, second = dispatch_times(pacer, clock, A, 2)
    assert second - first == pytest.approx(1 / twice)


def test_high_app_usage_slows_an_account_too(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    respond(pacer, A, headers={**usage("111", 5), "X-App-Usage": json.dumps({"call_count": 95})})
    assert pacer.current_rate("act_111") == pytest.approx(2.0 * USAGE_DECREASE_FACTOR)


def test_decrease_stops_at_the_floor(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    cuts_to_reach_the_floor = math.ceil(math.log(RATE_FLOOR_PER_SECOND / 2.0) / math.log(USAGE_DECREASE_FACTOR))
    for _ in range(cuts_to_reach_the_floor + 5):
        respond(pacer, A, headers=usage("111", 99))
        clock.advance(DECREASE_COOLDOWN_SECONDS)
    assert pacer.current_rate("act_111") == RATE_FLOOR_PER_SECOND


def test_a_pace_change_is_logged_once_with_the_usage_that_caused_it(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    pacer = pacer_on(clock)
    with caplog.at_level(logging.INFO, logger="airbyte"):
        respond(pacer, A, headers=usage("111", 95))
        respond(pacer, A, headers=usage("111", 95))
        dispatch_times(pacer, clock, A, 3)
    lines = [record.getMessage() for record in caplog.records]
    new_rate = 2.0 * USAGE_DECREASE_FACTOR
    assert lines == [
        f"Pacing act_111: 2.00 -> {new_rate:.2f} requests/s (usage X-Business-Use-Case-Usage ads_management call_count 95%)."
    ]


def test_increases_are_logged_as_one_summary_a_minute_not_one_line_a_step(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    pacer = pacer_on(clock)
    with caplog.at_level(logging.INFO, logger="airbyte"):
        for _ in range(int(150 / INCREASE_INTERVAL_SECONDS)):
            clock.advance(INCREASE_INTERVAL_SECONDS)
            respond(pacer, A, headers=usage("111", 10))  # above the ramp's mark: additive steps
    steps = round((pacer.current_rate("act_111") - 2.0) / RATE_INCREASE_STEP_PER_SECOND)
    lines = [record.getMessage() for record in caplog.records]
    assert steps > 20
    assert len(lines) == 2, lines
    assert all(re.match(r"Pacing act_111: \d+\.\d\d -> \d+\.\d\d requests/s in \d+ steps over \d+ s", line) for line in lines)
    rest = [line for line in pacer.summary_lines() if line.startswith("Pacing act_111")]  # when the read ends
    logged_steps = sum(int(re.search(r"in (\d+) step", line).group(1)) for line in [*lines, *rest])
    assert logged_steps == steps


def test_a_cut_first_logs_the_increases_before_it(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    pacer = pacer_on(clock)
    with caplog.at_level(logging.INFO, logger="airbyte"):
        clock.advance(INCREASE_INTERVAL_SECONDS)
        respond(pacer, A, headers=usage("111", 10))
        clock.advance(INCREASE_INTERVAL_SECONDS)
        respond(pacer, A, headers=usage("111", 95))
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2 and "in 1 step over" in lines[0] and "(usage X-Business-Use-Case-Usage" in lines[1], lines


# --- throttles ----------------------------------------------------------------------------------------


def test_throttle_halves_the_pace_and_waits_metas_minutes(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    pacer.acquire_call(request(A))
    respond(pacer, A, **throttle("111", minutes=3))
    assert pacer.current_rate("act_111") == 1.0
    pacer.acquire_call(request(A))
    assert clock.now == pytest.approx(180)
    assert pacer.throttle_wait_spent("act_111") == 180


def test_throttle_waits_reset_time_duration_seconds(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    respond(pacer, A, **throttle("111", minutes=0, reset_seconds=45))
    pacer.acquire_call(request(A))
    assert clock.now == pytest.approx(45)


def test_throttle_without_a_stated_wait_uses_the_fallback_doubling_while_throttles_continue(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    respond(pacer, A, 400, meta_error(17))
    pacer.acquire_call(request(A))
    assert clock.now == pytest.approx(THROTTLE_FALLBACK_WAIT_SECONDS)
    respond(pacer, A, 400, meta_error(17))
    pacer.acquire_call(request(A))
    assert clock.now == pytest.approx(3 * THROTTLE_FALLBACK_WAIT_SECONDS)
    respond(pacer, A)  # a success ends the streak
    respond(pacer, A, 400, meta_error(17))
    start = clock.now
    pacer.acquire_call(request(A))
    assert clock.now - start == pytest.approx(THROTTLE_FALLBACK_WAIT_SECONDS)


def test_answers_of_requests_sent_before_the_pause_do_not_stretch_it(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    for _ in range(4):  # four partitions of one account throttled at once
        respond(pacer, A, 429, meta_error(4))
    pacer.acquire_call(request(A))
    assert clock.now == pytest.approx(THROTTLE_FALLBACK_WAIT_SECONDS)
    assert pacer.current_rate("act_111") == 1.0


def test_a_throttle_that_says_zero_still_pauses_a_little(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    respond(pacer, A, 429, headers={"Retry-After": "1"})
    pacer.acquire_call(request(A))
    assert clock.now == pytest.approx(THROTTLE_MIN_WAIT_SECONDS)


def test_a_throttled_account_does_not_stall_the_others(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    respond(pacer, A, **throttle("111", minutes=5))
    with pytest.raises(CallRateLimitHit):
        pacer.acquire_call(request(A), block=False)
    assert dispatch_times(pacer, clock, B, 3) == pytest.approx([0.0, 0.5, 1.0])
    assert pacer.current_rate("act_222") == 2.0


def test_a_throttle_arriving_while_a_request_waits_for_its_slot_holds_it_back(clock: FakeClock) -> None:
    events: list[str] = []

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if not events:  # another partition's throttle arrives while this request waits for its slot
            events.append("throttled")
            respond(pacer, A, **throttle("111", minutes=2))

    pacer = AimdPacer(clock=clock, sleep=sleep)
    pacer.acquire_call(request(A))
    pacer.acquire_call(request(A))
    assert clock.now == pytest.approx(0.5 + 120)


def test_long_waits_are_logged_with_why_and_how_long(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    pacer = pacer_on(clock)
    with caplog.at_level(logging.INFO, logger="airbyte"):
        respond(pacer, A, **throttle("111", minutes=2))
        pacer.acquire_call(request(A))
    lines = [record.getMessage() for record in caplog.records]
    assert any("Pausing its requests for 120 s" in line and "act_111" in line and "code 80004" in line for line in lines)
    assert any("waiting 120 s before its next request" in line and "Meta is throttling" in line for line in lines)


def test_short_waits_are_not_logged(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    pacer = pacer_on(clock)
    with caplog.at_level(logging.INFO, logger="airbyte"):
        dispatch_times(pacer, clock, A, 10)
    assert caplog.records == []


# --- throttle budget ----------------------------------------------------------------------------------


def test_throttle_budget_fails_the_account_with_a_transient_error_naming_it(clock: FakeClock) -> None:
    pacer = pacer_on(clock, max_throttle_wait_minutes=5)
    respond(pacer, A, **throttle("111", minutes=4))
    pacer.acquire_call(request(A))
    respond(pacer, A, **throttle("111", minutes=2))  # 4 + 2 minutes > 5
    with pytest.raises(AirbyteTracedException) as raised:
        pacer.acquire_call(request(A))
    assert raised.value.failure_type is FailureType.transient_error
    assert "ad account act_111" in raised.value.message
    assert "max_throttle_wait_minutes=5" in raised.value.message
    assert "240 s already spent" in raised.value.message
    assert dispatch_times(pacer, clock, B, 1)  # other accounts go on


def test_throttle_budget_applies_to_the_app_key(clock: FakeClock) -> None:
    pacer = pacer_on(clock, max_throttle_wait_minutes=0)
    respond(pacer, f"{API}/me", 400, meta_error(4))
    with pytest.raises(AirbyteTracedException) as raised:
        pacer.acquire_call(request(f"{API}/me/adaccounts"))
    assert "requests not tied to an ad account" in raised.value.message


# --- per-request cost -----------------------------------------------------------------------------------


class BodyMustNotBeRead(requests.Response):
    @property
    def content(self) -> bytes:  # type: ignore[override]
        raise AssertionError("the pacer parsed a 2xx body")


def test_a_2xx_body_is_never_read(clock: FakeClock) -> None:
    response = BodyMustNotBeRead()
    response.status_code = 200
    response.headers.update(usage("111", 95))
    pacer = pacer_on(clock)
    pacer.update_from_response(request(A), response)
    assert pacer.current_rate("act_111") == pytest.approx(2.0 * USAGE_DECREASE_FACTOR)


def test_cached_responses_are_ignored(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    response = graph_response(200, {"data": []}, url=A, headers=usage("111", 99))
    response.from_cache = True  # type: ignore[attr-defined]
    pacer.update_from_response(request(A), response)
    assert pacer.current_rate("act_111") == 2.0


# --- thread safety ----------------------------------------------------------------------------------------


def test_threads_sharing_one_account_never_exceed_its_pace() -> None:
    rate, threads, per_thread = 40.0, 6, 8
    pacer = AimdPacer(requests_per_second=rate)
    dispatched: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(per_thread):
            pacer.acquire_call(request(A))
            with lock:
                dispatched.append(time.monotonic())

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    dispatched.sort()
    assert len(dispatched) == threads * per_thread
    # n requests at 40/s span at least (n - 1) / 40 s, and no 11 of them fit in less than 0.25 s. The
    # slack absorbs late thread wake-ups; a pacer that let waiting threads go together fails by far.
    assert dispatched[-1] - dispatched[0] >= (len(dispatched) - 1) / rate - 0.1
    window = 10
    for first, last in zip(dispatched, dispatched[window:]):
        assert last - first >= window / rate - 0.1


def test_a_long_wait_for_a_slot_is_logged_at_most_once_a_minute(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    pacer = pacer_on(clock, requests_per_second=RATE_FLOOR_PER_SECOND)  # one request per 20 s
    with caplog.at_level(logging.INFO, logger="airbyte"):
        dispatch_times(pacer, clock, A, 4)
    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        "Pacing act_111: waiting 20 s for its next request slot; it is paced at 0.05 requests/s."
    ]


# --- requests that cannot succeed are not sent ---------------------------------------------------


def test_after_a_rejected_token_no_further_request_is_sent_for_any_account(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    pacer.acquire_call(request(A))
    answer(pacer, graph_response(400, meta_error(190, 463), url=A))

    for url in (A, B, f"{API}/me"):
        with pytest.raises(AirbyteTracedException) as raised:
            pacer.acquire_call(request(url))
        assert raised.value.failure_type == FailureType.config_error
        assert "token" in raised.value.message


def test_an_unknown_account_stops_only_that_account(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    answer(pacer, graph_response(400, meta_error(100, 33), url=A))

    with pytest.raises(AirbyteTracedException) as raised:
        pacer.acquire_call(request(A))
    pacer.acquire_call(request(B))

    assert "act_111" in raised.value.message


def test_a_permission_error_does_not_stop_other_requests_of_the_account(clock: FakeClock) -> None:
    # Code 200 can be about one field or edge; another stream of the same account may still work.
    pacer = pacer_on(clock)
    answer(pacer, graph_response(403, meta_error(200), url=A))

    pacer.acquire_call(request(A))


def test_high_but_falling_usage_holds_the_pace_while_the_window_drains(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    respond(pacer, A, headers=usage("111", 98))
    cut_once = pacer.current_rate("act_111")
    for percent in (97, 95, 96, 92):  # draining, with the jitter of answers arriving out of order
        clock.advance(DECREASE_COOLDOWN_SECONDS)
        respond(pacer, A, headers=usage("111", percent))
    assert pacer.current_rate("act_111") == cut_once
    clock.advance(DECREASE_COOLDOWN_SECONDS)
    respond(pacer, A, headers=usage("111", 99))  # climbing past the level of the last cut: cut again
    assert pacer.current_rate("act_111") == pytest.approx(cut_once * USAGE_DECREASE_FACTOR)


def test_after_usage_drains_below_the_mark_a_new_climb_is_cut_again(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    respond(pacer, A, headers=usage("111", 98))
    clock.advance(DECREASE_COOLDOWN_SECONDS)
    respond(pacer, A, headers=usage("111", (LOW_WATER_PERCENT + HIGH_WATER_PERCENT) / 2))
    clock.advance(DECREASE_COOLDOWN_SECONDS)
    respond(pacer, A, headers=usage("111", HIGH_WATER_PERCENT))
    assert pacer.current_rate("act_111") == pytest.approx(2.0 * USAGE_DECREASE_FACTOR**2)


def test_a_request_waiting_for_its_slot_is_not_sent_once_its_account_proved_unknown(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    pacer.acquire_call(request(A))  # takes the first slot; the next one is half a second later

    def sleep_while_the_first_answer_arrives(seconds: float) -> None:
        clock.sleep(seconds)
        answer(pacer, graph_response(400, meta_error(100, 33), url=A))

    pacer._sleep = sleep_while_the_first_answer_arrives
    with pytest.raises(AirbyteTracedException):
        pacer.acquire_call(request(A))


def test_a_throttle_halves_the_pace_even_right_after_a_usage_cut(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    respond(pacer, A, headers=usage("111", HIGH_WATER_PERCENT))
    answer(pacer, graph_response(400, meta_error(80004, 2446079), url=A))
    assert pacer.current_rate("act_111") == pytest.approx(2.0 * USAGE_DECREASE_FACTOR * 0.5)


def test_low_usage_read_right_after_a_throttle_pause_does_not_raise_the_pace(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    answer(pacer, graph_response(400, meta_error(80004, 2446079), url=A))
    halved = pacer.current_rate("act_111")
    pacer.acquire_call(request(A))  # sleeps through the pause
    respond(pacer, A, headers=usage("111", 5))
    assert pacer.current_rate("act_111") == halved
    clock.advance(INCREASE_INTERVAL_SECONDS)
    respond(pacer, A, headers=usage("111", 5))
    assert pacer.current_rate("act_111") > halved


def test_usage_climbing_to_100_within_the_horizon_is_cut_before_the_high_water_mark(clock: FakeClock) -> None:
    # The first window of a budget below our pace: 10% every 5 s reaches 100% in well under 30 s.
    pacer = pacer_on(clock)
    for percent in (10, 25, 40):  # 3%/s
        respond(pacer, A, headers=usage("111", percent))
        clock.advance(USAGE_SLOPE_SAMPLE_SECONDS)
    before = pacer.current_rate("act_111")
    respond(pacer, A, headers=usage("111", 55))  # 100% in 15 s
    assert pacer.current_rate("act_111") == pytest.approx(before * USAGE_DECREASE_FACTOR)


def test_a_slow_climb_far_from_100_still_lets_the_pace_grow(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    for percent in (10, 10.5, 11, 11.5, 12):  # 0.1%/s: 100% is about 15 minutes away
        respond(pacer, A, headers=usage("111", percent))
        clock.advance(INCREASE_INTERVAL_SECONDS)
    assert pacer.current_rate("act_111") > 2.0


def test_the_pace_does_not_grow_while_usage_climbs_toward_100(clock: FakeClock) -> None:
    pacer = pacer_on(clock)
    respond(pacer, A, headers=usage("111", 10))  # one reading: no climb known yet, a first step up
    clock.advance(INCREASE_INTERVAL_SECONDS)
    after_first_step = pacer.current_rate("act_111")
    for percent in (15, 20, 25, 30):  # 1%/s: 100% in about 80 s, inside the growth horizon
        respond(pacer, A, headers=usage("111", percent))
        clock.advance(INCREASE_INTERVAL_SECONDS)
    assert pacer.current_rate("act_111") == after_first_step


def test_a_faster_pace_applies_at_once_to_requests_already_waiting(clock: FakeClock) -> None:
    # Slots are not reserved ahead: a request that started waiting at a slow pace goes at the new one.
    pacer = pacer_on(clock, requests_per_second=0.1)  # one request per 10 s
    pacer.acquire_call(request(A))
    started = clock.now

    def speed_up_while_asleep(seconds: float) -> None:
        with pacer._lock:
            pacer._pace("act_111").rate = 1.0
        clock.sleep(seconds)

    pacer._sleep = speed_up_while_asleep
    pacer.acquire_call(request(A))
    assert clock.now - started == pytest.approx(1.0)
