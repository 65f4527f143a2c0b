"""How a request Meta found too big can be made smaller, and what to say when it cannot.

Pure, next to the classifier: the handler asks this once an answer is TOO_MUCH_DATA. Every paged
request carries `limit` (the paginator's page_size_option) and every insights request its
`time_range`, so the query tells what can still shrink.
"""

from __future__ import annotations

import datetime
import json
from enum import Enum
from typing import Mapping, Optional

from source_facebook_ads.components.graph_error_classifier import GraphError, GraphErrorKind, request_target
from source_facebook_ads.components.pacing_constants import MIN_INSIGHTS_WINDOW_DAYS, MIN_PAGE_SIZE


class Shrink(Enum):
    """How a request that asked for too much data can be made smaller."""

    SMALLER_PAGE = "smaller_page"  # halve `limit` (edges)
    SMALLER_WINDOW = "smaller_window"  # split the `time_range` (insights)
    IMPOSSIBLE = "impossible"  # already at the smallest page / window
    RETRY_AS_IS = "retry_as_is"  # not paged (one object): Meta often answers it on a later try


def how_to_shrink(url_path: str, query: Mapping[str, str]) -> Shrink:
    """How a request Meta found too big can be made smaller, from its path and query parameters."""
    if _is_insights(url_path):
        days = _window_days(query)
        if days is not None and days > MIN_INSIGHTS_WINDOW_DAYS:
            return Shrink.SMALLER_WINDOW
    elif "limit" not in query:  # every paged request carries `limit` (the paginator's page_size_option)
        return Shrink.RETRY_AS_IS
    # A one-day insights window can still be read in smaller pages.
    return Shrink.SMALLER_PAGE if _page_size(query) > MIN_PAGE_SIZE else Shrink.IMPOSSIBLE


def cannot_shrink(error: GraphError, url_path: str, query: Mapping[str, str]) -> GraphError:
    """The configuration error for a too-big request that is already as small as the connector makes it."""
    if _is_insights(url_path):
        days = _window_days(query)
        smallest = f"a {days}-day window" if days is not None else "a request without a date window to split"
        if days == 1:
            smallest = f"the single day {_window_since(query)} in pages of {_page_size(query)} rows"
        fields = [name for name in query.get("fields", "").split(",") if name]
        breakdowns = query.get("breakdowns") or "none"
        advice = (
            f"request fewer insights fields (now {len(fields)}) or breakdowns (now {breakdowns}), "
            "or a coarser level, for this stream"
        )
    else:
        smallest = f"pages of {_page_size(query)} objects"
        advice = "request fewer fields for this stream (heavy ones first), or lower page_size"
    return GraphError(
        GraphErrorKind.TOO_MUCH_DATA,
        f"Meta refuses to return the data asked of {request_target(url_path)} even with {smallest}: {advice}.",
        error.technical_detail,
    )


def _is_insights(url_path: str) -> bool:
    return url_path.rstrip("/").endswith("/insights")


def _page_size(query: Mapping[str, str]) -> int:
    # Without `limit`, Meta pages by 25, which is also our floor.
    limit = str(query.get("limit") or "")
    return int(limit) if limit.isdigit() and int(limit) > 0 else MIN_PAGE_SIZE


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
