"""The sync's API budget: which pace each request waits for, and which requests are not worth sending.

Meta budgets calls per ad account over a rolling hour and tells us how much is used in response
headers. Each account (the `act_<digits>` segment of the request path) gets its own pace
(account_pace.py: AIMD, slow start, throttle pauses); requests that name no account (/me,
/me/adaccounts, /me/businesses, /{report_run_id}) share one app-level pace. A throttled account
never stalls the others. After an answer proves a request futile (a rejected token, a retired API
version, an account that does not exist for the token), no such request is sent again. A throttle
of the whole app (code 4) pauses every key at once, under its own key APP_LIMIT_KEY.

The CDK calls `acquire_call` before every attempt and `update_from_response` after it (its
LimiterSession), for every requester built by the factory that holds this object as `_api_budget`.
Both run per request, so they do a dict lookup, a header read and a short critical section; the
budget never reads a body. What an error answer means the error handler decides once and tells the
budget (`throttled`, `stop_sending`, `stop_sending_for_all`, `read_error_usage`).
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from typing import Any, Callable, Mapping, Optional

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.call_rate import AbstractAPIBudget, AbstractCallRatePolicy, CallRateLimitHit
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.components.account_pace import RATE_CEILING_PER_SECOND, RATE_FLOOR_PER_SECOND, AccountPace
from source_facebook_ads.components.api_usage import APP_KEY_LABEL, ApiUsageLedger, PaceIncreaseSummary
from source_facebook_ads.components.graph_error_classifier import GraphError
from source_facebook_ads.components.graph_urls import ad_account_id, url_of
from source_facebook_ads.components.throttle_pause import ThrottlePause
from source_facebook_ads.components.usage_headers import read_usage
from source_facebook_ads.config import FacebookAdsConfig

logger = logging.getLogger("airbyte")

APP_KEY = "app"  # the shared pace of requests that name no ad account
APP_LIMIT_KEY = "app-wide limit"  # the pause of a throttle of the whole app: every key waits for it
# A waiting request looks at its key again at least this often, so a change of pace (or a pause, or a
# failure that makes it futile) reaches requests that were already waiting.
SLOT_RECHECK_SECONDS = 1.0


def pacing_key(url: str) -> str:
    """`act_<digits>` for a request on an ad account, else the app-level key."""
    account = ad_account_id(url)
    return f"act_{account}" if account else APP_KEY


def throttle_budget_minutes(config: Mapping[str, Any]) -> float:
    """Config `max_throttle_wait_minutes` (the spec validated it), or its default."""
    return float(config.get("max_throttle_wait_minutes", _default("max_throttle_wait_minutes")))


class AimdPacer(AbstractAPIBudget):
    def __init__(
        self,
        requests_per_second: Optional[float] = None,
        max_throttle_wait_minutes: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        rate = _default("requests_per_second") if requests_per_second is None else requests_per_second
        minutes = _default("max_throttle_wait_minutes") if max_throttle_wait_minutes is None else max_throttle_wait_minutes
        # The configured rate is where each key starts; a rate above the usual ceiling raises the ceiling.
        self._initial_rate = max(RATE_FLOOR_PER_SECOND, rate)
        self._ceiling = max(RATE_CEILING_PER_SECOND, rate)
        self._budget_minutes = minutes
        self._budget_seconds = minutes * 60
        self._clock = clock
        self._sleep = sleep
        # One lock for every key: the critical sections are a few arithmetic operations, far shorter
        # than a request, so per-key locks would only add a second lookup.
        self._lock = threading.Lock()
        self._paces: dict[str, AccountPace] = {}
        # A rejected token or a retired API version fails every request alike: after the first
        # answer says so, no other request is sent (no storm of identical failures across streams).
        self._sync_wide_failure: Optional[GraphError] = None
        self._unreachable: dict[str, GraphError] = {}  # accounts Meta said do not exist for the token
        self.usage = ApiUsageLedger(APP_KEY)
        self.increases = PaceIncreaseSummary()

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> "AimdPacer":
        """The pacer of a config the spec validated (FacebookAdsConfig); absent keys take its defaults."""
        return cls(config.get("requests_per_second"), config.get("max_throttle_wait_minutes"), clock, sleep)

    # --- AbstractAPIBudget -------------------------------------------------------------------

    def get_matching_policy(self, request: Any) -> Optional[AbstractCallRatePolicy]:
        return None  # pacing is keyed by account here, not by the CDK's request matchers

    def acquire_call(self, request: Any, block: bool = True, timeout: Optional[float] = None) -> None:
        """Block until the request's key may send: its throttle pause is over and its next slot has come."""
        key = pacing_key(url_of(request))
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
        url = url_of(request)
        key = pacing_key(url)
        self.usage.on_answer(key, read_usage(response.headers, ad_account_id(url)).peak_percent_by_header)
        if response.status_code >= 400:
            return
        with self._lock:
            if response.status_code < 300:
                self._pace(key).pause.on_success()  # ends a streak of throttles
            log_lines = self._on_usage(key, response, url)
        for line in log_lines:
            logger.info(line)

    # --- what the error handler learned from an answer ----------------------------------------------

    def read_error_usage(self, request: Any, response: requests.Response) -> None:
        """The usage step of an error answer that is not a throttle."""
        url = url_of(request)
        with self._lock:
            log_lines = self._on_usage(pacing_key(url), response, url)
        for line in log_lines:
            logger.info(line)

    def throttled(self, request: Any, throttle: GraphError) -> None:
        """Meta throttled the request: cut its key's pace and pause the key as long as Meta says."""
        key = pacing_key(url_of(request))
        self.usage.on_throttle(key)
        with self._lock:
            now = self._clock()
            log_lines = self._pace(key).on_throttle(throttle, now)
            if throttle.app_wide:
                # Every other key would only spend a call each to learn what this answer says.
                log_lines += self._pace(APP_LIMIT_KEY).on_throttle(throttle, now)
        for line in log_lines:
            logger.info(line)

    def stop_sending(self, request: Any, failure: GraphError) -> None:
        """No further request for the request's ad account: Meta said it does not exist for the token.

        A request that names no account shares the app key with every other such request, so it stops nothing.
        """
        key = pacing_key(url_of(request))
        if key == APP_KEY:
            return
        with self._lock:
            self._unreachable[key] = failure

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
            return self._pace(key).pause.wait_spent

    def _raise_if_known_to_fail(self, key: str) -> None:
        with self._lock:
            failure = self._sync_wide_failure or self._unreachable.get(key)
        if failure is not None:
            raise AirbyteTracedException(
                message=failure.user_message,
                internal_message=f"Not sent: an earlier answer already failed the same way. {failure.technical_detail}",
                failure_type=FailureType.config_error,
            )

    def _wait_before_dispatch(self, key: str) -> tuple[float, Optional[str]]:
        """The key's wait (called with the lock held): a throttle of the whole app holds every key first."""
        now = self._clock()
        app_limit = self._paces.get(APP_LIMIT_KEY)
        paused = app_limit.pause.wait(now) if app_limit is not None else None
        return paused if paused is not None else self._pace(key).wait_before_dispatch(now)

    def _pace(self, key: str) -> AccountPace:
        """The key's pace (called with the lock held)."""
        pace = self._paces.get(key)
        if pace is None:
            who = _WHO.get(key, f"ad account {key}")
            pause = ThrottlePause(key, who, self._budget_minutes)
            pace = self._paces[key] = AccountPace(key, self._initial_rate, self._ceiling, pause, self.increases)
        return pace

    def _on_usage(self, key: str, response: requests.Response, url: str) -> list[str]:
        """The usage step of an answer (called with the lock held): an account's own figures govern its
        growth; the app key has only app-wide figures."""
        usage = read_usage(response.headers, ad_account_id(url))
        return self._pace(key).on_usage(usage.app if key == APP_KEY else usage.account, usage.app, self._clock())


# How a message names a key that is not an ad account.
_WHO = {
    APP_KEY: APP_KEY_LABEL,
    APP_LIMIT_KEY: "every request of this Meta app (its ad accounts and the requests not tied to an ad account)",
}


def _default(name: str) -> float:
    return float(FacebookAdsConfig.model_fields[name].default)
