"""Unit tests of the custom components, one module per component.

`graph_response` builds the real `requests.Response` objects that the CDK hands to the error
handler and the pacer, so the tests exercise the same attribute paths (status, headers, content,
request.url) as a sync does.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional

import requests
import yaml

from source_facebook_ads.components.request_shrinking import ShrinkFloors
from source_facebook_ads.source import manifest_path

TOKEN = "EAAGm0PX4ZCpsBAunitTestToken0123456789"
API = "https://graph.facebook.com/v25.0"


def graph_response(
    status: int,
    body: Any = None,
    *,
    url: str = f"{API}/act_123/campaigns?limit=500&fields=id",
    headers: Optional[Mapping[str, str]] = None,
    raw: Optional[bytes] = None,
) -> requests.Response:
    """A response as the CDK sees it; `raw` gives the exact body bytes (empty, cut off, HTML)."""
    response = requests.Response()
    response.status_code = status
    response._content = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    response.headers.update(headers or {})
    response.request = requests.Request("GET", url, headers={"Authorization": f"Bearer {TOKEN}"}).prepare()
    response.url = url
    return response


def meta_error(code: int, subcode: Optional[int] = None, message: str = "An error", **extra: Any) -> dict[str, Any]:
    """Meta's error envelope."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf123"}
    if subcode is not None:
        error["error_subcode"] = subcode
    error.update(extra)
    return {"error": error}


def buc_header(account_id: str, **usage: Any) -> dict[str, str]:
    """An X-Business-Use-Case-Usage header for one account."""
    entry = {"type": "ads_management", "call_count": 0, "total_cputime": 0, "total_time": 0, "estimated_time_to_regain_access": 0}
    entry.update(usage)
    return {"X-Business-Use-Case-Usage": json.dumps({account_id: [entry]})}


class FakeClock:
    """A clock the pacer and the backoff read and sleep on, so time-based tests take no time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


def manifest_floors(request_kind: str = "edge") -> dict[str, Any]:
    """The shrink floors and advice the manifest gives an error handler of this kind, read from the manifest itself."""
    definitions = yaml.safe_load(manifest_path().read_text())["definitions"]
    advice_of = "insights_window_splitting" if request_kind == "insights" else "page_size_reduction"
    return {
        "minimum_page_size": definitions["page_size_reduction"]["minimum_page_size"],
        "smallest_window": definitions["insights_cursor"]["cursor_granularity"],
        "failure_message": definitions[advice_of]["failure_message"],
    }


# Keyword arguments of a GraphErrorHandler built as the manifest builds it (edges; manifest_floors for other kinds).
MANIFEST_FLOORS = manifest_floors()
FLOORS = ShrinkFloors.from_manifest(*MANIFEST_FLOORS.values())
INSIGHTS_FLOORS = ShrinkFloors.from_manifest(*manifest_floors("insights").values())
