"""The CDK side of Graph API errors: a CustomErrorHandler and its backoff strategy.

`graph_error_classifier.classify` says what an answer means; this module turns that into the
CDK's ErrorResolution and backoff, for the manifest:

    error_handler:
      type: CustomErrorHandler
      class_name: source_facebook_ads.components.graph_error_handler.GraphErrorHandler

How the CDK (7.39.1, HttpClient._send_with_retry) retries, and why this handler looks the way it does:
- Every RETRY / RATE_LIMITED answer for which a backoff strategy returns a positive wait raises
  UserDefinedBackoffException, retried by ONE backoff loop bounded by the handler's `max_retries`
  and `max_time`. Throttles and transient errors therefore share one count in the CDK. So the CDK
  gets a ceiling it never reaches (`max_retries`), this module's strategy bounds transient retries
  itself (`max_transient_retries`, default 5) and the pacer bounds throttle waits (its budget).
- A strategy returning None instead would send throttles to the CDK's rate-limit loop
  (RateLimitBackoffException): exponential sleeps with no cap and no jitter, also bounded by
  `max_retries`. Throttles never take that path here.
- `max_time` (600 s by default) is measured from a request's first attempt and includes the
  pacer's waits, so it is set past the throttle budget.

Async insights (Meta's report runs) add three requests whose errors mean something else: see
`report_run_errors.py`.
"""

from __future__ import annotations

import logging
import random
import threading
import weakref
from dataclasses import InitVar, dataclass, replace
from typing import Any, Callable, Mapping, Optional, TypeGuard, Union
from urllib.parse import parse_qsl, urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.call_rate import AbstractAPIBudget
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.sources.types import Config
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.components.aimd_pacer import AimdPacer, throttle_budget_minutes
from source_facebook_ads.components.graph_body import Expected
from source_facebook_ads.components.graph_error_classifier import GraphError, GraphErrorKind, classify
from source_facebook_ads.components.graph_page import parsed_body
from source_facebook_ads.components.object_isolation import READ_AROUND_KINDS, RefusedRead
from source_facebook_ads.components.pacing_constants import (
    CDK_MAX_TIME_MARGIN_SECONDS,
    CDK_RETRY_CEILING,
    MAX_TRANSIENT_RETRIES,
    PACED_THROTTLE_RETRY_SECONDS,
    THROTTLE_FALLBACK_WAIT_SECONDS,
    THROTTLE_MIN_WAIT_SECONDS,
    TRANSIENT_BACKOFF_BASE_SECONDS,
    TRANSIENT_BACKOFF_MAX_SECONDS,
    TRANSIENT_BACKOFF_MIN_JITTER,
)
from source_facebook_ads.components.report_run_errors import ReportRunRequest, report_run_request, report_run_resolution
from source_facebook_ads.components.request_shrinking import Shrink, cannot_shrink, how_to_shrink

ResponseOrException = Optional[Union[requests.Response, BaseException]]

LOGGER = logging.getLogger("airbyte")
# Errors that no request of this sync can escape, whatever its account or stream.
SYNC_WIDE_FAILURES = frozenset({GraphErrorKind.INVALID_TOKEN, GraphErrorKind.API_VERSION_RETIRED})
# Meta sets this header when it served a call with a newer version than the one asked for
# (version auto-upgrade, developers.facebook.com/blog/post/2024/04/16/upcoming-change-in-marketing-api-version-deprecation).
VERSION_WARNING_HEADER = "X-Ad-Api-Version-Warning"


@dataclass
class GraphErrorHandler(ErrorHandler):
    config: Config
    parameters: InitVar[Mapping[str, Any]]
    # Retries of one request after temporary errors; throttles do not count (see module docstring).
    max_transient_retries: int = MAX_TRANSIENT_RETRIES
    # Filled by the CDK factory with its shared budget. When it is the AimdPacer, the pacer waits out
    # throttles per account in acquire_call; otherwise the backoff strategy waits in the thread.
    api_budget: Optional[AbstractAPIBudget] = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._token = str(self.config.get("access_token") or "")
        self._budget_seconds = throttle_budget_minutes(self.config) * 60
        self._last_error = _LastErrorOfThisThread()
        self._backoff_strategy = GraphBackoffStrategy(
            classify=self._classified,
            max_transient_retries=self.max_transient_retries,
            pacer_waits_out_throttles=isinstance(self.api_budget, AimdPacer),
        )

    @property
    def max_retries(self) -> Optional[int]:
        return CDK_RETRY_CEILING

    @property
    def max_time(self) -> Optional[int]:
        return int(self._budget_seconds + CDK_MAX_TIME_MARGIN_SECONDS)

    @property
    def backoff_strategies(self) -> list[BackoffStrategy]:
        return [self._backoff_strategy]

    def interpret_response(self, response_or_exception: ResponseOrException = None) -> ErrorResolution:
        if isinstance(response_or_exception, requests.Response):
            self._warn_of_version_upgrade(response_or_exception)
        error = self._classified(response_or_exception)
        kind = error.kind
        if kind is GraphErrorKind.NONE:
            return ErrorResolution(ResponseAction.SUCCESS)
        self._tell_the_pacer(response_or_exception, error)
        for_report_run = report_run_resolution(report_run_request(response_or_exception), error)
        if for_report_run is not None:
            return for_report_run
        if kind in READ_AROUND_KINDS:
            failure_type = FailureType.config_error if kind.is_config_error else FailureType.system_error
            raise RefusedRead(error, failure_type)
        if kind.is_config_error:
            return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, error.message)
        if kind is GraphErrorKind.RATE_LIMITED:
            return ErrorResolution(ResponseAction.RATE_LIMITED, FailureType.transient_error, error.message)
        if kind is GraphErrorKind.TRANSIENT:
            return ErrorResolution(ResponseAction.RETRY, FailureType.transient_error, error.message)
        if kind is GraphErrorKind.TOO_MUCH_DATA:
            return self._shrink(response_or_exception, error)
        return ErrorResolution(ResponseAction.FAIL, FailureType.system_error, error.message)

    def _classified(self, response_or_exception: ResponseOrException) -> GraphError:
        """The answer's classification, computed once: the CDK asks the backoff strategy about the
        error answer it just gave interpret_response, in the same thread."""
        error = self._last_error.of(response_or_exception)
        if error is None:
            error = self.classify(response_or_exception)
            self._last_error.keep(response_or_exception, error)
        return error

    def _tell_the_pacer(self, response_or_exception: ResponseOrException, error: GraphError) -> None:
        """What the pacer must learn from an error status (it reads headers, never bodies)."""
        pacer, response = self.api_budget, response_or_exception
        if not isinstance(pacer, AimdPacer) or not _is_error_status(response):
            return
        request = response.request
        if error.kind is GraphErrorKind.RATE_LIMITED:
            pacer.throttled(request, error)
            return
        if error.kind in SYNC_WIDE_FAILURES:
            pacer.stop_sending_for_all(error)  # no storm of identical failures across streams
        elif error.kind is GraphErrorKind.UNKNOWN_ACCOUNT:
            pacer.stop_sending(request, error)
        pacer.read_error_usage(request, response)

    def classify(self, response_or_exception: ResponseOrException) -> GraphError:
        """Classify a CDK response or exception (parsing the body, as a 200 may be cut off)."""
        if isinstance(response_or_exception, requests.Response):
            response = response_or_exception
            path = _path(_url(response))
            body = parsed_body(response)  # parsed once; the paginator and extractor reuse it
            error = classify(
                response.status_code,
                body.value,
                path,
                None,
                response.headers,
                expected=_expected_body(response),
                body_problem=body.problem,
            )
        elif isinstance(response_or_exception, BaseException):
            request = getattr(response_or_exception, "request", None)
            error = classify(None, None, _path(getattr(request, "url", None) or ""), response_or_exception)
        else:
            error = classify(None, None, "", RuntimeError("the CDK passed neither a response nor an exception"))
        if not self._token or error.kind is GraphErrorKind.NONE:
            return error
        # The classifier scrubs token-shaped text; this also removes the configured token verbatim.
        return replace(
            error,
            user_message=error.user_message.replace(self._token, "***"),
            technical_detail=error.technical_detail.replace(self._token, "***"),
        )

    def _shrink(self, response_or_exception: ResponseOrException, error: GraphError) -> ErrorResolution:
        url = _url(response_or_exception) if isinstance(response_or_exception, requests.Response) else ""
        path, query = _path(url), dict(parse_qsl(urlsplit(url).query))
        shrink = how_to_shrink(path, query)
        # The failure type only matters if the retriever cannot shrink (a misconfigured stream).
        if shrink is Shrink.SMALLER_PAGE:
            # SimpleRetriever's page_size_reduction halves `limit` and asks for the same page again.
            action = ResponseAction.REDUCE_PAGE_SIZE
            return ErrorResolution(action, FailureType.config_error, error.message)
        if shrink is Shrink.SMALLER_WINDOW:
            # SimpleRetriever's request_window_splitting splits the cursor window and reads each half.
            action = ResponseAction.SPLIT_REQUEST_WINDOW
            return ErrorResolution(action, FailureType.config_error, error.message)
        if shrink is Shrink.RETRY_AS_IS:
            # Retried with backoff like a temporary error; GraphBackoffStrategy says what to do if it persists.
            return ErrorResolution(ResponseAction.RETRY, FailureType.transient_error, error.message)
        return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, cannot_shrink(error, path, query).message)

    def _warn_of_version_upgrade(self, response: requests.Response) -> None:
        warning = response.headers.get(VERSION_WARNING_HEADER)
        if not warning:
            return
        # One warning per sync: every handler of a sync shares the source's pacer.
        sync = self.api_budget if self.api_budget is not None else self
        with _VERSION_WARNINGS_LOCK:
            if _VERSION_WARNINGS_GIVEN.get(sync):
                return
            _VERSION_WARNINGS_GIVEN[sync] = True
        LOGGER.warning(
            f"Meta answered with a newer Marketing API version than api_version asks for ({warning.strip()[:300]}): "
            f"set api_version to a current version (see Meta's Marketing API changelog) before Meta retires this one."
        )


_VERSION_WARNINGS_GIVEN: "weakref.WeakKeyDictionary[object, bool]" = weakref.WeakKeyDictionary()
_VERSION_WARNINGS_LOCK = threading.Lock()


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
            if self._pacer_waits_out_throttles and _is_error_status(response_or_exception):
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


class _LastErrorOfThisThread(threading.local):
    """The error answer this thread classified last, kept until its backoff is asked (successes are not kept)."""

    def __init__(self) -> None:
        self.answer: ResponseOrException = None
        self.error: Optional[GraphError] = None

    def of(self, answer: ResponseOrException) -> Optional[GraphError]:
        return self.error if answer is not None and answer is self.answer else None

    def keep(self, answer: ResponseOrException, error: GraphError) -> None:
        if error.kind is GraphErrorKind.NONE:
            answer, error = None, None  # a page of records is not held past its read
        self.answer, self.error = answer, error


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


def _expected_body(response: requests.Response) -> Expected:
    """The body a success must have: every paged request carries `limit` (the paginator's page_size_option)."""
    if report_run_request(response) is ReportRunRequest.CREATE:
        return Expected.REPORT_RUN
    query = urlsplit(_url(response)).query
    return Expected.PAGE if any(name == "limit" for name, _ in parse_qsl(query)) else Expected.OBJECT


def _is_error_status(response_or_exception: Any) -> TypeGuard[requests.Response]:
    return isinstance(response_or_exception, requests.Response) and response_or_exception.status_code >= 400


def _url(response_or_exception: Any) -> str:
    request = getattr(response_or_exception, "request", None)
    return str(getattr(request, "url", None) or getattr(response_or_exception, "url", None) or "")


def _path(url: str) -> str:
    return urlsplit(url).path if url else ""
