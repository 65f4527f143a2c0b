"""The CDK side of Graph API errors: the one place an answer is classified.

`graph_error_classifier.classify` says what an answer means; this handler asks it once per answer,
turns that into the CDK's ErrorResolution, hands the same classification to its backoff strategy
(graph_backoff.py) and tells the pacer what it learned. For the manifest:

    error_handler:
      type: CustomErrorHandler
      class_name: source_facebook_ads.components.graph_error_handler.GraphErrorHandler

How the CDK (7.39.1, HttpClient._send_with_retry) retries, and why this handler looks the way it does:
- Every RETRY / RATE_LIMITED answer for which a backoff strategy returns a positive wait raises
  UserDefinedBackoffException, retried by ONE backoff loop bounded by the handler's `max_retries`
  and `max_time`. Throttles and transient errors therefore share one count in the CDK. So the CDK
  gets a ceiling it never reaches (`max_retries`), the backoff strategy bounds transient retries
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
import threading
import weakref
from dataclasses import InitVar, dataclass, replace
from typing import Any, Mapping, Optional, Union

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.call_rate import AbstractAPIBudget
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.sources.types import Config

from source_facebook_ads.components.aimd_pacer import AimdPacer, throttle_budget_minutes
from source_facebook_ads.components.graph_backoff import MAX_TRANSIENT_RETRIES, GraphBackoffStrategy, is_error_status
from source_facebook_ads.components.graph_error_classifier import GraphError, GraphErrorKind, classify
from source_facebook_ads.components.graph_page import parsed_body
from source_facebook_ads.components.graph_urls import path_of, url_of
from source_facebook_ads.components.object_isolation import READ_AROUND_KINDS, RefusedRead
from source_facebook_ads.components.report_run_errors import report_run_resolution
from source_facebook_ads.components.request_kind import RequestKind
from source_facebook_ads.components.request_shrinking import ShrinkFloors, shrink_resolution

ResponseOrException = Optional[Union[requests.Response, BaseException]]

LOGGER = logging.getLogger("airbyte")
# The CDK counts throttle and transient retries in one loop (HttpClient's user-defined backoff handler),
# so it is given a ceiling it never reaches; the real bounds are MAX_TRANSIENT_RETRIES and the throttle budget.
CDK_RETRY_CEILING = 1000
# Added to the throttle budget to give the CDK's per-request max_time: one request may also wait for its
# pace slots and sit through six read timeouts and their backoffs before its retries are over.
CDK_MAX_TIME_MARGIN_SECONDS = 3600
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
    # The kind of request this handler serves (request_kind.py), set in the manifest for each requester.
    request_kind: str = RequestKind.EDGE.value
    # How small the CDK's page_size_reduction and request_window_splitting make a request, and their
    # `failure_message`: the manifest refers to its own values, so that "too much data" at the floor
    # fails saying so, with the CDK's advice.
    minimum_page_size: Optional[int] = None
    smallest_window: Optional[str] = None
    failure_message: Optional[str] = None
    # Filled by the CDK factory with its shared budget. When it is the AimdPacer, the pacer waits out
    # throttles per account in acquire_call; otherwise the backoff strategy waits in the thread.
    api_budget: Optional[AbstractAPIBudget] = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        kinds = [kind.value for kind in RequestKind]
        if self.request_kind not in kinds:  # a manifest mistake, caught when the stream is built
            raise ValueError(f"GraphErrorHandler request_kind {self.request_kind!r} is not one of {', '.join(kinds)}.")
        self._kind = RequestKind(self.request_kind)
        if self.minimum_page_size is None or self.smallest_window is None or self.failure_message is None:
            raise ValueError("GraphErrorHandler needs minimum_page_size, smallest_window and failure_message from the manifest.")
        self._floors = ShrinkFloors.from_manifest(self.minimum_page_size, self.smallest_window, self.failure_message)
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
        for_report_run = report_run_resolution(self._kind, error)
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
            url = url_of(response_or_exception) if isinstance(response_or_exception, requests.Response) else ""
            return shrink_resolution(self._kind, url, error, self._floors)
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
        if not isinstance(pacer, AimdPacer) or not is_error_status(response):
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
            path = path_of(url_of(response))
            body = parsed_body(response)  # parsed once; the paginator and extractor reuse it
            error = classify(
                response.status_code,
                body.value,
                path,
                None,
                response.headers,
                expected=self._kind.expected_body,
                body_problem=body.problem,
            )
        elif isinstance(response_or_exception, BaseException):
            request = getattr(response_or_exception, "request", None)
            error = classify(None, None, path_of(getattr(request, "url", None) or ""), response_or_exception)
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
