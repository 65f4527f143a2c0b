"""Per ad account pacing of Graph API calls: additive increase, multiplicative decrease (AIMD).

Meta budgets calls per ad account over a rolling hour and tells us how much is used in response
headers. Each account (the `act_<digits>` segment of the request path) gets its own pace; requests
that name no account (/me, /me/adaccounts, /me/businesses, /{report_run_id}) share one app-level
pace. Each pace starts with a ramp (slow start): it doubles every second while usage stays near
zero, and the first real use ends the ramp for the sync. After it, the pace grows by a step while
the usage headers show headroom, is cut when usage crosses
the high-water mark or Meta throttles, and a throttle also pauses that key for as long as Meta says;
a throttle of the whole app (code 4) pauses every key at once, under its own key APP_LIMIT_KEY.
A throttled account never stalls the others. The throttle pauses of one key are bounded per sync by
`max_throttle_wait_minutes`; past it, requests for that key fail with a transient_error.

The CDK calls `acquire_call` before every attempt and `update_from_response` after it (its
LimiterSession), for every requester built by the factory that holds this object as `_api_budget`.
Both run per request, so they do a dict lookup, a header read and a short critical section; the
pacer never reads a body. What an error answer means (a throttle, an account that does not exist, a
rejected token) the error handler decides once and tells the pacer (`throttled`, `stop_sending`, ...).
"""

from __future__ import annotations

import datetime
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.call_rate import AbstractAPIBudget, AbstractCallRatePolicy, CallRateLimitHit
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.components.api_usage import ApiUsageLedger, PaceIncreaseSummary
from source_facebook_ads.components.graph_error_classifier import GraphError, ad_account_id, scrub
from source_facebook_ads.components.pacing_constants import (
    DECREASE_COOLDOWN_SECONDS,
    EXHAUSTION_HORIZON_SECONDS,
    DEFAULT_MAX_THROTTLE_WAIT_MINUTES,
    DEFAULT_REQUESTS_PER_SECOND,
    HIGH_WATER_PERCENT,
    INCREASE_HORIZON_SECONDS,
    INCREASE_INTERVAL_SECONDS,
    LONG_WAIT_LOG_INTERVAL_SECONDS,
    LONG_WAIT_LOG_SECONDS,
    LOW_WATER_PERCENT,
    RATE_CEILING_PER_SECOND,
    RATE_FLOOR_PER_SECOND,
    RATE_INCREASE_STEP_PER_SECOND,
    SLOT_RECHECK_SECONDS,
    SLOW_START_EXIT_PERCENT,
    SLOW_START_FACTOR,
    SLOW_START_INTERVAL_SECONDS,
    THROTTLE_FALLBACK_MAX_WAIT_SECONDS,
    THROTTLE_FALLBACK_WAIT_SECONDS,
    THROTTLE_DECREASE_FACTOR,
    THROTTLE_MIN_WAIT_SECONDS,
    USAGE_DECREASE_FACTOR,
    USAGE_SLOPE_SAMPLE_SECONDS,
)
from source_facebook_ads.components.usage_headers import UsageFigure, read_usage

logger = logging.getLogger("airbyte")

APP_KEY = "app"  # the shared pace of requests that name no ad account
APP_LIMIT_KEY = "app-wide limit"  # the pause of a throttle of the whole app: every key waits for it


def pacing_key(url: str) -> str:
    """`act_<digits>` for a request on an ad account, else the app-level key."""
    account = ad_account_id(url)
    return f"act_{account}" if account else APP_KEY


def throttle_budget_minutes(config: Mapping[str, Any]) -> float:
    """Config `max_throttle_wait_minutes` (default 60), validated."""
    return _config_number(config, "max_throttle_wait_minutes", DEFAULT_MAX_THROTTLE_WAIT_MINUTES, allow_zero=True)


@dataclass
class _KeyPace:
    """Mutable pacing state of one key; only touched under AimdPacer._lock."""

    rate: float
    last_send: float = -math.inf  # when the last request of this key was let through
    paused_until: float = -math.inf  # throttle pause end
    pause_cause: str = ""
    throttle_wait_spent: float = 0.0
    throttles_in_a_row: int = 0  # drives the fallback wait when Meta states none
    last_increase: float = -math.inf
    last_decrease: float = -math.inf
    last_throttle_cut: float = -math.inf
    budget_exhausted: Optional[tuple[str, str]] = None  # (message, internal message) once the budget ran out
    unreachable: Optional[GraphError] = None  # Meta said this account does not exist for the token
    percent_at_last_cut: float = 0.0  # usage when the pace was last cut (100 after a throttle)
    slope_anchor: Optional[tuple[float, float]] = None  # (time, percent) the climb is measured from
    usage_slope: float = 0.0  # percent per second over the last sample
    logged_pause_until: float = -math.inf
    last_slot_wait_log: float = -math.inf
    slow_start: bool = True  # multiplying while usage shows real headroom; over at the first sign of use
    rate_before_ramp_step: Optional[float] = None  # the pace before the last multiplication


class AimdPacer(AbstractAPIBudget):
    def __init__(
        self,
        requests_per_second: float = DEFAULT_REQUESTS_PER_SECOND,
        max_throttle_wait_minutes: float = DEFAULT_MAX_THROTTLE_WAIT_MINUTES,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # The configured rate is where each key starts; a rate above the usual ceiling raises the ceiling.
        self._initial_rate = max(RATE_FLOOR_PER_SECOND, requests_per_second)
        self._ceiling = max(RATE_CEILING_PER_SECOND, requests_per_second)
        self._budget_minutes = max_throttle_wait_minutes
        self._budget_seconds = max_throttle_wait_minutes * 60
        self._clock = clock
        self._sleep = sleep
        # One lock for every key: the critical sections are a few arithmetic operations, far shorter
        # than a request, so per-key locks would only add a second lookup.
        self._lock = threading.Lock()
        self._paces: dict[str, _KeyPace] = {}
        # A rejected token or a retired API version fails every request alike: after the first
        # answer says so, no other request is sent (no storm of identical failures across streams).
        self._sync_wide_failure: Optional[GraphError] = None
        self.usage = ApiUsageLedger(APP_KEY)
        self.increases = PaceIncreaseSummary()

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> "AimdPacer":
        return cls(
            requests_per_second=_config_number(config, "requests_per_second", DEFAULT_REQUESTS_PER_SECOND),
            max_throttle_wait_minutes=throttle_budget_minutes(config),
            clock=clock,
            sleep=sleep,
        )

    # --- AbstractAPIBudget -------------------------------------------------------------------

    def get_matching_policy(self, request: Any) -> Optional[AbstractCallRatePolicy]:
        return None  # pacing is keyed by account here, not by the CDK's request matchers

    def acquire_call(self, request: Any, block: bool = True, timeout: Optional[float] = None) -> None:
        """Block until the request's key may send: its throttle pause is over and its next slot has come."""
        key = pacing_key(_url_of(request))
        while True:
            # Checked again after every wait: the answer that proves the request futile may have
            # arrived while this one slept for its slot.
            self._raise_if_known_to_fail(key)
            with self._lock:
                wait, log_line = self._wait_before_dispatch(key)
            if wait <= 0:
                return
            if not block or (timeout is not None and wait > timeout):
                raise CallRateLimitHit(
                    error=f"Pacing {key}: no request slot for {wait:.1f} s",
                    item=request,
                    weight=1,
                    rate=f"{self.current_rate(key):.2f}/s",
                    time_to_wait=datetime.timedelta(seconds=wait),
                )
            if log_line:
                logger.info(log_line)
            # Wake up at least every SLOT_RECHECK_SECONDS: a faster pace, a pause or a futile
            # request is then seen within that time, not after a wait computed earlier.
            nap = min(wait, SLOT_RECHECK_SECONDS)
            self.usage.on_wait(key, nap)
            self._sleep(nap)

    def update_from_response(self, request: Any, response: Any) -> None:
        """Count the answer and adjust the request's key from its usage headers.

        An error answer's headers wait for the error handler, the one place that classifies: it
        then calls `throttled`, or `read_error_usage` (see GraphErrorHandler).
        """
        if not isinstance(response, requests.Response) or getattr(response, "from_cache", False):
            return  # a replayed cached response carries stale headers and used no quota
        url = _url_of(request)
        key = pacing_key(url)
        usage = read_usage(response.headers, ad_account_id(url))
        self.usage.on_answer(key, usage.peak_percent_by_header)
        if response.status_code >= 400:
            return
        with self._lock:
            pace = self._pace(key)
            if response.status_code < 300:
                pace.throttles_in_a_row = 0
            log_lines = self._on_usage(key, pace, usage.account, usage.app, self._clock())
        for line in log_lines:
            logger.info(line)

    # --- what the error handler learned from an answer ----------------------------------------------

    def read_error_usage(self, request: Any, response: requests.Response) -> None:
        """The usage step of an error answer that is not a throttle."""
        url = _url_of(request)
        key = pacing_key(url)
        usage = read_usage(response.headers, ad_account_id(url))
        with self._lock:
            log_lines = self._on_usage(key, self._pace(key), usage.account, usage.app, self._clock())
        for line in log_lines:
            logger.info(line)

    def throttled(self, request: Any, throttle: GraphError) -> None:
        """Meta throttled the request: cut its key's pace and pause the key as long as Meta says."""
        key = pacing_key(_url_of(request))
        self.usage.on_throttle(key)
        with self._lock:
            now = self._clock()
            log_lines = self._on_throttle(key, self._pace(key), throttle, now)
            if throttle.app_wide:
                # Every other key would only spend a call each to learn what this answer says.
                log_lines += self._on_throttle(APP_LIMIT_KEY, self._pace(APP_LIMIT_KEY), throttle, now)
        for line in log_lines:
            logger.info(line)

    def stop_sending(self, request: Any, failure: GraphError) -> None:
        """No further request for the request's ad account: Meta said it does not exist for the token.

        A request that names no account shares the app key with every other such request, so it stops nothing.
        """
        key = pacing_key(_url_of(request))
        if key == APP_KEY:
            return
        with self._lock:
            self._pace(key).unreachable = failure

    def stop_sending_for_all(self, failure: GraphError) -> None:
        """No further request at all: a rejected token or a retired API version fails every request alike."""
        with self._lock:
            self._sync_wide_failure = failure

    # --- introspection (tests, logs) -------------------------------------------------------------

    def current_rate(self, key: str) -> float:
        with self._lock:
            return self._pace(key).rate

    def summary_lines(self) -> list[str]:
        """What to log when the read ends: pace increases not yet logged, then each key's API use."""
        return [*self.increases.flush(self._clock()), *self.usage.summary_lines()]

    def throttle_wait_spent(self, key: str) -> float:
        with self._lock:
            return self._pace(key).throttle_wait_spent

    def _raise_if_known_to_fail(self, key: str) -> None:
        with self._lock:
            failure = self._sync_wide_failure or self._pace(key).unreachable
        if failure is not None:
            raise AirbyteTracedException(
                message=failure.user_message,
                internal_message=f"Not sent: an earlier answer already failed the same way. {failure.technical_detail}",
                failure_type=FailureType.config_error,
            )

    # --- internals (called with self._lock held) --------------------------------------------------

    def _pace(self, key: str) -> _KeyPace:
        pace = self._paces.get(key)
        if pace is None:
            pace = self._paces[key] = _KeyPace(rate=self._initial_rate)
        return pace

    def _wait_before_dispatch(self, key: str) -> tuple[float, Optional[str]]:
        """Seconds the caller must still wait (0: it may send now, and its send is recorded), and a line to log.

        Nothing is reserved while waiting: a key's next request may go one interval, at the key's
        current rate, after its last one, so a pace change applies at once to every request queued
        for the key (slots reserved in advance would keep the old, slower spacing). Waiting threads
        wake at that time and the first to take the lock sends; the others wait one more interval.
        """
        now = self._clock()
        pace = self._pace(key)
        # A throttle of the whole app holds every key, then the key's own pause.
        for paused_key, paused_pace in ((APP_LIMIT_KEY, self._paces.get(APP_LIMIT_KEY)), (key, pace)):
            paused = self._pause_before_dispatch(paused_key, paused_pace) if paused_pace else None
            if paused is not None:
                return paused
        interval = 1.0 / pace.rate
        next_allowed = pace.last_send + interval
        if now >= next_allowed:
            # On schedule, the send counts from its due time (sleep latency must not slow the pace);
            # after an idle spell it counts from now (an idle key earns no burst).
            pace.last_send = next_allowed if now - next_allowed < interval else now
            return 0.0, None
        wait = next_allowed - now
        log_line = None
        if wait > LONG_WAIT_LOG_SECONDS and now - pace.last_slot_wait_log >= LONG_WAIT_LOG_INTERVAL_SECONDS:
            pace.last_slot_wait_log = now
            log_line = f"Pacing {key}: waiting {wait:.0f} s for its next request slot; it is paced at {pace.rate:.2f} requests/s."
        return wait, log_line

    def _pause_before_dispatch(self, key: str, pace: _KeyPace) -> Optional[tuple[float, Optional[str]]]:
        """The wait (and a line to log) while the key's throttle pause lasts; None when it is not paused."""
        now = self._clock()
        if pace.budget_exhausted is not None:
            message, internal_message = pace.budget_exhausted
            raise AirbyteTracedException(
                message=message, internal_message=internal_message, failure_type=FailureType.transient_error
            )
        if pace.paused_until <= now:
            return None
        wait = pace.paused_until - now
        log_line = None
        if wait > LONG_WAIT_LOG_SECONDS and pace.logged_pause_until != pace.paused_until:
            pace.logged_pause_until = pace.paused_until  # once per pause, not once per waiting thread
            log_line = (
                f"Pacing {key}: waiting {wait:.0f} s before its next request: {pace.pause_cause} "
                f"({pace.throttle_wait_spent:.0f} of {self._budget_seconds:.0f} s of its throttle budget used)"
            )
        return wait, log_line

    def _on_usage(
        self, key: str, pace: _KeyPace, account: Optional[UsageFigure], app: Optional[UsageFigure], now: float
    ) -> list[str]:
        # An account's own figures govern growth; app-wide figures can only slow it down. The app key
        # has only app-wide figures. A missing header is unknown: it never justifies growth.
        governing = app if key == APP_KEY else account
        known = [figure for figure in (governing, app) if figure is not None]
        if not known:
            return []
        peak = max(known, key=lambda figure: figure.percent)
        ramp_lines = self._slow_start(key, pace, governing, peak, now) if pace.slow_start else []
        if pace.slow_start:
            return ramp_lines
        return ramp_lines + self._additive_increase_multiplicative_decrease(key, pace, governing, peak, now)

    def _slow_start(
        self, key: str, pace: _KeyPace, governing: Optional[UsageFigure], peak: UsageFigure, now: float
    ) -> list[str]:
        """Double the pace every second while usage stays near zero; at the first real use, end the ramp."""
        if peak.percent >= SLOW_START_EXIT_PERCENT:
            pace.slow_start = False
            if pace.rate_before_ramp_step is None or pace.rate <= pace.rate_before_ramp_step:
                return []
            old, pace.rate = pace.rate, pace.rate_before_ramp_step
            pace.last_increase = now  # no additive step right away; a usage cut may still follow
            cause = f"usage {peak}: the ramp ends; back to the last pace that showed headroom"
            return [*self.increases.flush_key(key, now), _pace_change_line(key, old, pace.rate, cause)]
        if governing is None or now - pace.last_increase < SLOW_START_INTERVAL_SECONDS or pace.rate >= self._ceiling:
            return []  # unknown own usage never justifies growth
        old = pace.rate_before_ramp_step = pace.rate
        pace.rate = min(self._ceiling, pace.rate * SLOW_START_FACTOR)
        pace.last_increase = now
        return self.increases.on_increase(key, old, pace.rate, f"usage {peak}, under {SLOW_START_EXIT_PERCENT:g}%: ramping up", now)

    def _additive_increase_multiplicative_decrease(
        self, key: str, pace: _KeyPace, governing: Optional[UsageFigure], peak: UsageFigure, now: float
    ) -> list[str]:
        seconds_to_full = self._seconds_to_full(pace, peak.percent, now)
        if seconds_to_full < EXHAUSTION_HORIZON_SECONDS and peak.percent < HIGH_WATER_PERCENT:
            # Climbing fast enough to reach 100% before the usage marks would react (the first
            # window of a budget smaller than our pace): slow down now instead of meeting a throttle.
            return self._decrease(
                key, pace, now, f"usage {peak}, climbing to 100% in {seconds_to_full:.0f} s", USAGE_DECREASE_FACTOR
            )
        if peak.percent >= HIGH_WATER_PERCENT:
            # Usage is a rolling window: after a cut (or a throttle) it stays high for a while as
            # older calls age out. Falling below its level at the last cut means the cut works.
            if peak.percent < pace.percent_at_last_cut:
                return []
            log_lines = self._decrease(key, pace, now, f"usage {peak}", USAGE_DECREASE_FACTOR)
            if log_lines:
                pace.percent_at_last_cut = peak.percent
            return log_lines
        pace.percent_at_last_cut = 0.0  # drained below the mark: a new climb may be cut again
        if governing is not None and governing.percent <= LOW_WATER_PERCENT and peak.percent < HIGH_WATER_PERCENT:
            # Usage read during or just after a throttle pause is low only because nothing was sent.
            since_last_change = now - max(pace.last_increase, pace.last_decrease, pace.paused_until)
            climbing = seconds_to_full < INCREASE_HORIZON_SECONDS
            if since_last_change >= INCREASE_INTERVAL_SECONDS and pace.rate < self._ceiling and not climbing:
                old = pace.rate
                pace.rate = min(self._ceiling, pace.rate + RATE_INCREASE_STEP_PER_SECOND)
                pace.last_increase = now
                return self.increases.on_increase(key, old, pace.rate, f"usage {peak}, at or under {LOW_WATER_PERCENT:g}%", now)
        return []

    @staticmethod
    def _seconds_to_full(pace: _KeyPace, percent: float, now: float) -> float:
        """Seconds until usage reaches 100% at its recent climb (inf when flat, falling or unknown).

        The climb is measured between readings at least USAGE_SLOPE_SAMPLE_SECONDS apart, so the
        whole-percent steps of Meta's figures and answers arriving out of order do not read as a trend.
        """
        if pace.slope_anchor is None:
            pace.slope_anchor = (now, percent)
            return math.inf
        anchor_time, anchor_percent = pace.slope_anchor
        if now - anchor_time >= USAGE_SLOPE_SAMPLE_SECONDS:
            pace.usage_slope = (percent - anchor_percent) / (now - anchor_time)
            pace.slope_anchor = (now, percent)
        if pace.usage_slope <= 0:
            return math.inf
        return max(0.0, 100.0 - percent) / pace.usage_slope

    def _decrease(
        self, key: str, pace: _KeyPace, now: float, cause: str, factor: float, throttled: bool = False
    ) -> list[str]:
        # A throttle proves the pace was over budget even right after a gentle usage cut, so it has
        # a cooldown of its own (which absorbs the other in-flight answers of the same throttle).
        pace.slow_start = False  # any cut, even one absorbed by the cooldown, says the headroom is gone
        last_cut = pace.last_throttle_cut if throttled else pace.last_decrease
        if now - last_cut < DECREASE_COOLDOWN_SECONDS or pace.rate <= RATE_FLOOR_PER_SECOND:
            return []
        old = pace.rate
        pace.rate = max(RATE_FLOOR_PER_SECOND, pace.rate * factor)
        pace.last_decrease = now
        if throttled:
            pace.last_throttle_cut = now
        return [*self.increases.flush_key(key, now), _pace_change_line(key, old, pace.rate, cause)]

    def _on_throttle(self, key: str, pace: _KeyPace, throttle: GraphError, now: float) -> list[str]:
        already_paused = pace.paused_until > now
        if throttle.retry_after_seconds is not None:
            wait, source = throttle.retry_after_seconds, "the wait Meta stated"
        elif already_paused:
            # The answer of a request sent before the pause began: the pause already covers it.
            return []
        else:
            wait = min(THROTTLE_FALLBACK_MAX_WAIT_SECONDS, THROTTLE_FALLBACK_WAIT_SECONDS * 2**pace.throttles_in_a_row)
            source = "a default wait, as Meta stated none"
        wait = max(wait, THROTTLE_MIN_WAIT_SECONDS)
        if not already_paused:
            pace.throttles_in_a_row += 1
        extension = now + wait - max(pace.paused_until, now)
        pace.percent_at_last_cut = 100.0
        log_lines = self._decrease(
            key, pace, now, f"Meta throttled it: {throttle.user_message}", THROTTLE_DECREASE_FACTOR, throttled=True
        )
        if extension <= 0:
            return log_lines
        if pace.throttle_wait_spent + extension > self._budget_seconds:
            pace.budget_exhausted = self._budget_exhausted_messages(key, pace, throttle, wait)
            return log_lines + [f"Pacing {key}: {pace.budget_exhausted[0]}"]
        pace.throttle_wait_spent += extension
        pace.paused_until = now + wait
        pace.pause_cause = f"{throttle.user_message} The pause is {wait:.0f} s, {source}"
        return log_lines + [
            f"Pacing {key}: {throttle.user_message} Pausing its requests for {wait:.0f} s ({source}); "
            f"{pace.throttle_wait_spent:.0f} of {self._budget_seconds:.0f} s of its throttle budget used."
        ]

    def _budget_exhausted_messages(
        self, key: str, pace: _KeyPace, throttle: GraphError, wait: float
    ) -> tuple[str, str]:
        who = {
            APP_KEY: "requests not tied to an ad account (/me, report runs)",
            APP_LIMIT_KEY: "every request of this Meta app (its ad accounts and the requests not tied to an ad account)",
        }.get(key, f"ad account {key}")
        message = (
            f"Meta kept throttling {who} beyond this sync's throttle budget: waiting another {wait:.0f} s would "
            f"exceed max_throttle_wait_minutes={self._budget_minutes:g} ({pace.throttle_wait_spent:.0f} s already "
            f"spent waiting); run the sync again later or raise max_throttle_wait_minutes."
        )
        return message, scrub(f"{message} Last throttle: {throttle.technical_detail}")


def _pace_change_line(key: str, old: float, new: float, cause: str) -> str:
    return f"Pacing {key}: {old:.2f} -> {new:.2f} requests/s ({cause})."


def _url_of(request: Any) -> str:
    return str(getattr(request, "url", "") or "")


def _config_number(config: Mapping[str, Any], name: str, default: float, allow_zero: bool = False) -> float:
    value = config.get(name)
    if value is None or value == "":
        return float(default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        raise AirbyteTracedException(
            message=f"The configuration value {name}={value!r} is not valid: it must be a number "
            f"{'of at least 0' if allow_zero else 'greater than 0'}.",
            internal_message=f"Invalid {name}: {value!r}",
            failure_type=FailureType.config_error,
        )
    return number
