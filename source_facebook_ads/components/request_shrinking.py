"""How a request Meta found too big can be made smaller, and what to say when it cannot.

The handler asks this once an answer is TOO_MUCH_DATA. The manifest says what kind of request it
is (request_kind.py), how small the CDK's page_size_reduction and request_window_splitting make a
request and what they tell the user there (ShrinkFloors, from the manifest's own values); the
query says how small it already is:
every paged request carries `limit` (the paginator's page_size_option, halved by the CDK) and every
insights request its `time_range` (split by the CDK).
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from enum import Enum
from typing import Mapping, Optional
from urllib.parse import parse_qsl, urlsplit

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

from source_facebook_ads.components.graph_error_classifier import GraphError, GraphErrorKind
from source_facebook_ads.components.graph_urls import request_target
from source_facebook_ads.components.request_kind import RequestKind



@dataclass(frozen=True)
class ShrinkFloors:
    """The smallest request the CDK's shrinking makes, and its advice there, as the manifest configures them."""

    page_size: int  # `page_size_reduction.minimum_page_size`
    window_days: int  # the insights cursor's `cursor_granularity`, in days
    # The `failure_message` of the CDK's shrinking for this kind of request: what the user can do.
    advice: str

    @classmethod
    def from_manifest(cls, minimum_page_size: int, cursor_granularity: str, failure_message: str) -> "ShrinkFloors":
        days = re.fullmatch(r"P(\d+)D", str(cursor_granularity))
        if days is None:  # a manifest mistake, caught when the stream is built
            raise ValueError(f"cursor_granularity {cursor_granularity!r} is not a number of days (P<n>D).")
        if not str(failure_message).strip():
            raise ValueError("The shrinking's failure_message is empty: a request at the floor would fail without advice.")
        return cls(page_size=int(minimum_page_size), window_days=int(days.group(1)), advice=str(failure_message).strip())


class Shrink(Enum):
    """How a request that asked for too much data can be made smaller."""

    SMALLER_PAGE = "smaller_page"  # halve `limit` (edges)
    SMALLER_WINDOW = "smaller_window"  # split the `time_range` (insights)
    IMPOSSIBLE = "impossible"  # already at the smallest page / window
    RETRY_AS_IS = "retry_as_is"  # not paged (one object): Meta often answers it on a later try


def shrink_resolution(kind: RequestKind, url: str, error: GraphError, floors: ShrinkFloors) -> ErrorResolution:
    """The CDK's answer to a too-big request: a smaller page, a smaller window, a retry, or a config error."""
    path, query = urlsplit(url).path, dict(parse_qsl(urlsplit(url).query))
    shrink = how_to_shrink(kind, query, floors)
    # The failure type only matters if the retriever cannot shrink (a misconfigured stream).
    if shrink is Shrink.SMALLER_PAGE:
        # SimpleRetriever's page_size_reduction halves `limit` and asks for the same page again.
        return ErrorResolution(ResponseAction.REDUCE_PAGE_SIZE, FailureType.config_error, error.message)
    if shrink is Shrink.SMALLER_WINDOW:
        # SimpleRetriever's request_window_splitting splits the cursor window and reads each half.
        return ErrorResolution(ResponseAction.SPLIT_REQUEST_WINDOW, FailureType.config_error, error.message)
    if shrink is Shrink.RETRY_AS_IS:
        # Retried with backoff like a temporary error; GraphBackoffStrategy says what to do if it persists.
        return ErrorResolution(ResponseAction.RETRY, FailureType.transient_error, error.message)
    return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, cannot_shrink(error, kind, path, query, floors).message)


_PAGED = frozenset({RequestKind.EDGE, RequestKind.INSIGHTS, RequestKind.REPORT_RUN_ROWS})


def how_to_shrink(kind: RequestKind, query: Mapping[str, str], floors: ShrinkFloors) -> Shrink:
    """How a request Meta found too big can be made smaller, from its kind and query parameters."""
    if kind is RequestKind.INSIGHTS:
        days = _window_days(query)
        if days is not None and days > floors.window_days:
            return Shrink.SMALLER_WINDOW
    elif kind not in _PAGED:
        return Shrink.RETRY_AS_IS
    # A one-day insights window can still be read in smaller pages.
    return Shrink.SMALLER_PAGE if _page_size(query, floors) > floors.page_size else Shrink.IMPOSSIBLE


def cannot_shrink(
    error: GraphError, kind: RequestKind, url_path: str, query: Mapping[str, str], floors: ShrinkFloors
) -> GraphError:
    """The configuration error for a too-big request that is already as small as the connector makes it:
    how small it was, then the manifest's advice (the CDK's own failures at its floors end with it too)."""
    if kind is RequestKind.INSIGHTS:
        days = _window_days(query)
        smallest = f"a {days}-day window" if days is not None else "a request without a date window to split"
        if days == 1:
            smallest = f"the single day {_window_since(query)} in pages of {_page_size(query, floors)} rows"
        fields = [name for name in query.get("fields", "").split(",") if name]
        breakdowns = query.get("breakdowns") or "none"
        smallest += f", with insights fields (now {len(fields)}) and breakdowns (now {breakdowns})"
    else:
        smallest = f"pages of {_page_size(query, floors)} objects"
    return GraphError(
        GraphErrorKind.TOO_MUCH_DATA,
        f"Meta refuses to return the data asked of {request_target(url_path)} even with {smallest}. {floors.advice}",
        error.technical_detail,
    )


def _page_size(query: Mapping[str, str], floors: ShrinkFloors) -> int:
    # Without `limit`, Meta pages by its default of 25, which the manifest's floor is.
    limit = str(query.get("limit") or "")
    return int(limit) if limit.isdigit() and int(limit) > 0 else floors.page_size


def _window_since(query: Mapping[str, str]) -> str:
    try:
        return str(json.loads(query["time_range"])["since"])
    except (KeyError, ValueError, TypeError):
        return str(query.get("time_range[since]", "?"))


def _window_days(query: Mapping[str, str]) -> Optional[int]:
    """Days covered by the insights `time_range` (JSON, or time_range[since]/[until]); None if absent."""
    since, until = query.get("time_range[since]"), query.get("time_range[until]")
    if "time_range" in query:
        try:
            time_range = json.loads(query["time_range"])
            since, until = time_range.get("since"), time_range.get("until")
        except (ValueError, AttributeError):
            return None
    try:
        return (datetime.date.fromisoformat(str(until)) - datetime.date.fromisoformat(str(since))).days + 1
    except ValueError:
        return None
