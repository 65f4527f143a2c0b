"""What a Graph API answer means, keyed by Meta's error code and subcode, then the HTTP status.

Pure: no CDK here, so the table can be read and tested on its own. `graph_error_handler` is its
one caller for answers: it turns a `GraphError` into the CDK's retry/fail decision and tells the
pacer what it learned.
Meta says to handle errors by code, never by message text, and its HTTP statuses are unreliable
(400 for rate limits and for code 190, 500 for code 1): the status only decides when the body
carries no error code we know. The sentences live in graph_error_messages.py; every message is
scrubbed of anything that looks like a token (`redaction.scrub`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Mapping, Optional

import requests

from source_facebook_ads.components.graph_body import Expected, shape_problem
from source_facebook_ads.components.graph_error_messages import (
    INVALID_TOKEN_MESSAGE,
    PAGE_PERMISSION,
    START_DATE_TOO_OLD_MESSAGE,
    answer_details,
    join,
    missing_permission_message,
    page_permission_message,
    refused_message,
    retired_version_message,
    two_factor_message,
    unknown_object_message,
)
from source_facebook_ads.components.graph_urls import ad_account_id, request_target
from source_facebook_ads.components.usage_headers import read_usage
from source_facebook_ads.redaction import scrub

# Meta's codes (developers.facebook.com/docs/graph-api/guides/error-handling, and the rate-limiting
# page for the throttle codes). These are facts about the API, not tuning knobs.
TOKEN_CODES = frozenset({102, 190})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
RATE_LIMIT_CODES = frozenset({4, 17, 32, 341, 613, *range(80000, 80015)})
RATE_LIMIT_SUBCODES = frozenset({2446079})
# The app's own request limit: one for every account, user and connection of the Meta app.
APP_LIMIT_CODES = frozenset({4})
POLICY_BLOCK_CODE = 368
# Wait for code 368 ("temporarily blocked for policy") when Meta states no time: Meta asks for a long back-off.
POLICY_BLOCK_WAIT_SECONDS = 900.0
TRANSIENT_CODES = frozenset({1, 2})
RETIRED_VERSION_CODE = 2635
INVALID_PARAMETER_CODE = 100
UNKNOWN_OBJECT_SUBCODE = 33
TOO_MUCH_DATA_SUBCODES = frozenset({1487534, 1504018})  # too much data; sync insights call timed out
# Code 100 subcodes that blame one object of the answer, not the request: "Ad Creative Is Incomplete" (a
# creative's post was deleted) fails a whole page of adcreatives, adsets or an ad account read
# (airbytehq/airbyte#65944, #66027).
UNREADABLE_OBJECT_SUBCODES = frozenset({2446289})
# Code 1 with this text is Meta's other way of saying "too much data" (observed, HTTP 500). Message
# text is read only where the code alone (1 = unknown error) cannot tell the meaning apart.
TOO_MUCH_DATA_TEXT = "reduce the amount of data"
# Codes whose meaning is "this request is wrong": fatal whatever the HTTP status says.
FATAL_REQUEST_CODES = frozenset({INVALID_PARAMETER_CODE, 2500})
# Two more codes that do not say enough alone: 100 without a subcode is also Meta's "(#100) Missing
# permissions", and 190 without a subcode also answers a call that needs a Page permission
# ("... pages_read_engagement ..."), which no new ads token fixes.
MISSING_PERMISSIONS_TEXT = "missing permission"
START_DATE_TOO_OLD_CODE = 3018  # insights start more than 37 months back
TWO_FACTOR_CODE, TWO_FACTOR_SUBCODE = 415, 1404120  # 2FA required on a protected business asset

_TRANSIENT_EXCEPTIONS = (
    requests.exceptions.ConnectionError,  # includes ConnectTimeout
    requests.exceptions.Timeout,  # includes ReadTimeout
    requests.exceptions.ChunkedEncodingError,  # the body was cut off in transit
    requests.exceptions.ContentDecodingError,
    ConnectionError,
    TimeoutError,
)


class GraphErrorKind(Enum):
    NONE = "none"  # not an error
    INVALID_TOKEN = "invalid_token"
    MISSING_PERMISSION = "missing_permission"
    UNKNOWN_ACCOUNT = "unknown_account"
    API_VERSION_RETIRED = "api_version_retired"
    TOO_MUCH_DATA = "too_much_data"  # shrink the request; fatal only when it cannot shrink
    RATE_LIMITED = "rate_limited"  # pace down and wait; not a retry of the transient kind
    TRANSIENT = "transient"  # retry with backoff, bounded
    REFUSED = "refused"  # Meta says a retry cannot help: something on Meta's side must be set up first
    UNEXPECTED = "unexpected"  # fail: a bug or a bad config value, with Meta's own words
    UNREADABLE_OBJECT = "unreadable_object"  # one object fails the answer: read around it (object_isolation.py)

    @property
    def is_config_error(self) -> bool:
        return self in _CONFIG_ERROR_KINDS


_CONFIG_ERROR_KINDS = frozenset(
    {
        GraphErrorKind.INVALID_TOKEN,
        GraphErrorKind.MISSING_PERMISSION,
        GraphErrorKind.UNKNOWN_ACCOUNT,
        GraphErrorKind.API_VERSION_RETIRED,
        GraphErrorKind.REFUSED,
    }
)


@dataclass(frozen=True)
class GraphError:
    kind: GraphErrorKind
    user_message: str = ""  # one sentence for a person: what happened and what to do
    technical_detail: str = ""  # HTTP status, code, subcode, fbtrace_id, path, Meta's message
    # Seconds Meta said to wait (usage headers, Retry-After); for a policy block without one, the
    # long back-off Meta asks for. None when Meta said nothing.
    retry_after_seconds: Optional[float] = None
    app_wide: bool = False  # a throttle of the whole Meta app (code 4), not of one account

    @property
    def message(self) -> str:
        """The sentence for a person followed by the technical details."""
        if not self.technical_detail:
            return self.user_message
        return f"{self.user_message} Details: {self.technical_detail}."


NO_ERROR = GraphError(GraphErrorKind.NONE)


def classify(
    status: Optional[int],
    body: Any,
    url_path: str,
    exception: Optional[BaseException],
    headers: Optional[Mapping[str, str]] = None,
    *,
    expected: Optional[Expected] = None,
    body_problem: Optional[str] = None,
) -> GraphError:
    """Classify one Graph API answer.

    `body` is the parsed JSON body, or None when it was empty or did not parse (for a 2xx that is
    itself an error: the CDK's JsonDecoder would turn it into {} and silently lose the page);
    `body_problem` then says why (graph_body.read_body). `url_path` must be a path without its
    query string. `headers` (optional) supply the wait Meta states in its usage headers.
    `expected` (optional) is the body shape a 2xx must have for the request (graph_body.Expected).
    """
    url_path = url_path.split("?", 1)[0]
    if exception is not None:
        return _classify_exception(exception, url_path)
    meta_error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(meta_error, Mapping):
        by_code = _classify_meta_error(status, meta_error, url_path, headers)
        if by_code is not None:
            return by_code
        # An error code we do not know: the HTTP status decides.
        return _classify_status(status, url_path, answer_details(status, meta_error, url_path), headers, meta_error)
    if status is not None and 200 <= status < 300:
        problem = (body_problem or "an empty or cut-off body") if body is None else shape_problem(body, expected)
        if problem is not None:
            # Often a proxy's or a server's hiccup, so it is read again; if it persists, this says what came.
            return GraphError(
                GraphErrorKind.TRANSIENT,
                scrub(f"Meta answered {request_target(url_path)} with {problem}, so it is read again."),
                answer_details(status, None, url_path, scrub(problem)),
            )
        return NO_ERROR
    note = None if body is not None else "body empty or not valid JSON"
    return _classify_status(status, url_path, answer_details(status, None, url_path, note), headers, None)


def _classify_exception(exception: BaseException, url_path: str) -> GraphError:
    detail = join(f"path {url_path}" if url_path else None, f"exception {type(exception).__name__}: {exception}")
    if isinstance(exception, _TRANSIENT_EXCEPTIONS):
        return GraphError(
            GraphErrorKind.TRANSIENT,
            f"The connection to Meta failed or timed out while reading {request_target(url_path)}.",
            scrub(detail),
        )
    return GraphError(
        GraphErrorKind.UNEXPECTED,
        f"The request to Meta for {request_target(url_path)} could not be sent ({type(exception).__name__}).",
        scrub(detail),
    )


def _classify_meta_error(
    status: Optional[int], error: Mapping[str, Any], url_path: str, headers: Optional[Mapping[str, str]]
) -> Optional[GraphError]:
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    detail = answer_details(status, error, url_path)
    target = request_target(url_path)

    meta_message = str(error.get("message") or "")
    if code == 190 and subcode is None and PAGE_PERMISSION.search(meta_message):
        return GraphError(GraphErrorKind.MISSING_PERMISSION, page_permission_message(meta_message), detail)
    if code in TOKEN_CODES:
        return GraphError(GraphErrorKind.INVALID_TOKEN, INVALID_TOKEN_MESSAGE, detail)
    if code in PERMISSION_CODES:
        return GraphError(GraphErrorKind.MISSING_PERMISSION, missing_permission_message(url_path), detail)
    if code == INVALID_PARAMETER_CODE and subcode == UNKNOWN_OBJECT_SUBCODE:
        return GraphError(GraphErrorKind.UNKNOWN_ACCOUNT, unknown_object_message(url_path), detail)
    if code == INVALID_PARAMETER_CODE and subcode in UNREADABLE_OBJECT_SUBCODES:
        meta_words = scrub(": ".join(str(error[key]) for key in ("error_user_title", "error_user_msg") if error.get(key)))
        return GraphError(
            GraphErrorKind.UNREADABLE_OBJECT, f"Meta cannot return an object of {target}: {meta_words or 'no message'}.", detail
        )
    if (code == INVALID_PARAMETER_CODE and subcode in TOO_MUCH_DATA_SUBCODES) or (
        code == 1 and TOO_MUCH_DATA_TEXT in str(error.get("message", "")).lower()
    ):
        return GraphError(
            GraphErrorKind.TOO_MUCH_DATA, f"Meta asked to reduce the amount of data requested from {target}.", detail
        )
    if code == INVALID_PARAMETER_CODE and subcode is None and MISSING_PERMISSIONS_TEXT in meta_message.lower():
        return GraphError(GraphErrorKind.MISSING_PERMISSION, missing_permission_message(url_path), detail)
    if code == START_DATE_TOO_OLD_CODE:
        return GraphError(GraphErrorKind.REFUSED, START_DATE_TOO_OLD_MESSAGE, detail)
    if code == TWO_FACTOR_CODE and subcode == TWO_FACTOR_SUBCODE:
        return GraphError(GraphErrorKind.REFUSED, two_factor_message(url_path), detail)
    if code == POLICY_BLOCK_CODE:
        return GraphError(
            GraphErrorKind.RATE_LIMITED,
            f"Meta temporarily blocked requests for {target} for policy reasons (code 368).",
            detail,
            _stated_wait(headers, url_path) or POLICY_BLOCK_WAIT_SECONDS,
        )
    if code in RATE_LIMIT_CODES or subcode in RATE_LIMIT_SUBCODES:
        wait = _stated_wait(headers, url_path)
        if code in APP_LIMIT_CODES:
            problem = (
                f"Meta is throttling every request of this Meta app, shared by all its accounts and connections, "
                f"as it answered {target} (code {code})."
            )
            return GraphError(GraphErrorKind.RATE_LIMITED, problem, detail, wait, app_wide=True)
        return GraphError(GraphErrorKind.RATE_LIMITED, f"Meta is throttling {target} (code {code}).", detail, wait)
    if code == RETIRED_VERSION_CODE:
        return GraphError(GraphErrorKind.API_VERSION_RETIRED, retired_version_message(url_path), detail)
    # Meta's own word on retrying wins over what the code usually means (code 1 is mostly temporary).
    is_transient = error.get("is_transient")
    if is_transient is True or (code in TRANSIENT_CODES and is_transient is None):
        problem = f"Meta's Graph API had a temporary problem answering {target} (code {code})."
        return GraphError(GraphErrorKind.TRANSIENT, problem, detail)
    if code in FATAL_REQUEST_CODES:
        return _unexpected(error, url_path, detail)
    if is_transient is False:
        return GraphError(GraphErrorKind.REFUSED, refused_message(error, url_path), detail)
    if status is not None and 200 <= status < 300:
        # Status 200 with an error body is not a success; with a code we do not know, try again.
        return GraphError(
            GraphErrorKind.TRANSIENT, f"Meta answered {target} with status {status} and an error (code {code}).", detail
        )
    return None


def _classify_status(
    status: Optional[int],
    url_path: str,
    detail: str,
    headers: Optional[Mapping[str, str]],
    meta_error: Optional[Mapping[str, Any]],
) -> GraphError:
    target = request_target(url_path)
    if status == 401:
        return GraphError(GraphErrorKind.INVALID_TOKEN, INVALID_TOKEN_MESSAGE, detail)
    if status == 403:
        return GraphError(GraphErrorKind.MISSING_PERMISSION, missing_permission_message(url_path), detail)
    if status == 429:
        wait = _stated_wait(headers, url_path)
        return GraphError(GraphErrorKind.RATE_LIMITED, f"Meta is throttling {target} (HTTP 429).", detail, wait)
    if meta_error is None or (status is not None and status >= 500):
        # 5xx, or a body that is not a Graph error at all (an HTML page from a proxy, a cut-off body).
        problem = f"Meta's Graph API had a temporary problem answering {target} (HTTP {status})."
        return GraphError(GraphErrorKind.TRANSIENT, problem, detail)
    return _unexpected(meta_error, url_path, detail)


def _unexpected(error: Mapping[str, Any], url_path: str, detail: str) -> GraphError:
    meta_message = scrub(str(error.get("message") or "no message"))
    return GraphError(
        GraphErrorKind.UNEXPECTED,
        f"Meta's Graph API rejected the request for {request_target(url_path)}: {meta_message}",
        detail,
    )


def _stated_wait(headers: Optional[Mapping[str, str]], url_path: str) -> Optional[float]:
    if not headers:
        return None
    return read_usage(headers, ad_account_id(url_path)).regain_access_seconds


def _int(value: Any) -> Optional[int]:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None
