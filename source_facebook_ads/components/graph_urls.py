"""What a Graph API URL says about its request: the ad account it names, how messages name it.

The pacer keys its paces by the account, and every error message names the account (or the path):
both read it here, from the `act_<digits>` path segment.
"""

from __future__ import annotations

import re
from typing import Any, Optional
from urllib.parse import urlsplit

_ACCOUNT_IN_PATH = re.compile(r"/act_(\d+)(?=/|$)")


def ad_account_id(url_or_path: str) -> Optional[str]:
    """The digits of the `act_<digits>` path segment (`/v25.0/act_123/campaigns` -> "123"), if any."""
    match = _ACCOUNT_IN_PATH.search(url_or_path.split("?", 1)[0])
    return match.group(1) if match else None


def request_target(url_path: str) -> str:
    """How a message names the request: its ad account, else its path."""
    account = ad_account_id(url_path)
    if account:
        return f"ad account act_{account}"
    return url_path or "the Graph API"


def url_of(request_or_answer: Any) -> str:
    """The URL of a request, or of the request a response or exception answers ("" when unknown)."""
    request = getattr(request_or_answer, "request", None)
    return str(getattr(request, "url", None) or getattr(request_or_answer, "url", None) or "")


def path_of(url: str) -> str:
    return urlsplit(url).path if url else ""
