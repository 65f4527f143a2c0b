"""How long to wait before retrying an answer the error handler classified (graph_error_handler.py).

Exponential with jitter for transient errors, bounded by `max_transient_retries`; for throttles, a
token wait when the pacer waits them out in acquire_call (the CDK would otherwise retry through its
own unbounded loop), else the wait Meta stated.
"""

from __future__ import annotations

import random
import threading
from typing import Any, Callable, Optional, TypeGuard, Union

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.components.graph_error_classifier import GraphError, GraphErrorKind
from source_facebook_ads.components.throttle_pause import THROTTLE_FALLBACK_WAIT_SECONDS, THROTTLE_MIN_WAIT_SECONDS

ResponseOrException = Optional[Union[requests.Response, BaseException]]

# Retries of one request after temporary errors (code 1/2, is_transient, 5xx, timeouts, bad bodies).
MAX_TRANSIENT_RETRIES = 5
# First transient backoff; doubles per retry (2, 4, 8, 16, 32 s before jitter, ~1 minute in total).
TRANSIENT_BACKOFF_BASE_SECONDS = 2.0
# Cap of one transient backoff.
TRANSIENT_BACKOFF_MAX_SECONDS = 60.0
# Each transient backoff is scaled by a random factor in [this, 1] so parallel partitions spread out.
TRANSIENT_BACKOFF_MIN_JITTER = 0.5
# Backoff we hand the CDK for a throttle when the pacer does the real wait in acquire_call (the CDK adds
# 1 s of its own); the wait must be positive or the CDK falls back to its own unbounded exponential loop.
PACED_THROTTLE_RETRY_SECONDS = 0.01


class GraphBackoffStrategy(BackoffStrategy):
    """Waits between attempts: exponential with jitter for transient errors, the pacer's for throttles."""

    def __init__(
        self,
        classify: Callable[[ResponseOrException], GraphError],
        max_transient_retries: int = MAX_TRANSIENT_RETRIES,
        pacer_waits_out_throttles: bool = False,
        random_fraction: Callable[[], float] = random.random,
    ) -> None:
        self._classify = classify
        self._max_transient_retries = max_transient_retries
        self._pacer_waits_out_throttles = pacer_waits_out_throttles
        self._random_fraction = random_fraction
        self._attempts = _AttemptsOfCurrentRequest()

    def backoff_time(
        self, response_or_exception: Optional[Union[requests.Response, requests.RequestException]], attempt_count: int
    ) -> Optional[float]:
        error = self._classify(response_or_exception)
        throttled = error.kind is GraphErrorKind.RATE_LIMITED
        transient_failures = self._attempts.record(attempt_count, throttled)
        if throttled:
            if self._pacer_waits_out_throttles and is_error_status(response_or_exception):
                return PACED_THROTTLE_RETRY_SECONDS  # the pacer blocks this account until Meta lets it in
            # No pacer, or a throttle inside a 2xx body, which the pacer does not read (it never parses
            # 2xx bodies): wait here, or the retry would follow at once.
            return max(THROTTLE_MIN_WAIT_SECONDS, error.retry_after_seconds or THROTTLE_FALLBACK_WAIT_SECONDS)
        if transient_failures > self._max_transient_retries:
            # Raised rather than returned: no CDK retry count can tell these apart from throttles.
            advice = "run the sync again later"
            if error.kind is GraphErrorKind.TOO_MUCH_DATA:  # one object, which cannot be asked for in parts
                advice += "; Meta usually answers this on a later try, and if it never does, leave this stream out"
            raise AirbyteTracedException(
                message=f"{error.user_message} It still failed after {self._max_transient_retries} retries; "
                f"{advice}.",
                internal_message=(
                    f"Gave up after {self._max_transient_retries} transient retries: {error.technical_detail}"
                ),
                failure_type=FailureType.transient_error,
            )
        exponential = TRANSIENT_BACKOFF_BASE_SECONDS * 2 ** (transient_failures - 1)
        jitter = TRANSIENT_BACKOFF_MIN_JITTER + (1 - TRANSIENT_BACKOFF_MIN_JITTER) * self._random_fraction()
        return min(TRANSIENT_BACKOFF_MAX_SECONDS, exponential) * jitter


class _AttemptsOfCurrentRequest(threading.local):
    """Transient failures of the request this thread is retrying.

    The CDK passes `attempt_count`, which counts throttled attempts too. A request's retries all run
    in one thread, one after the other, and its first failure arrives with attempt_count 1, so a
    per-thread tally that restarts there separates the two kinds without a key per request.
    """

    def __init__(self) -> None:
        self.last_attempt = 0
        self.throttles = 0

    def record(self, attempt_count: int, throttled: bool) -> int:
        if attempt_count <= self.last_attempt:  # a new request (attempt counts restart at 1)
            self.throttles = 0
        self.last_attempt = attempt_count
        if throttled:
            self.throttles += 1
        return attempt_count - self.throttles


def is_error_status(response_or_exception: Any) -> TypeGuard[requests.Response]:
    return isinstance(response_or_exception, requests.Response) and response_or_exception.status_code >= 400
