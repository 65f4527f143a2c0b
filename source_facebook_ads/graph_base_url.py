"""Where the token may be sent: `base_url` checked with the parser that sends the request.

The Bearer token goes to whatever host `base_url` names, so the check must read the URL exactly as
requests/urllib3 will (issue 9: `http://evil:80\\@127.0.0.1` looked like loopback to urllib.parse
while urllib3 connects to `evil`). Only two kinds of host pass: Meta's Graph host over https, and
this machine (the emulator) over http or https.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Optional
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

# The Marketing API is served from graph.facebook.com only. Meta's other Graph hosts are for other
# products (graph-video.facebook.com takes video uploads, graph.fb.gg serves games): none reads ads.
GRAPH_HOSTS = frozenset({"graph.facebook.com"})
# `localhost` and the loopback addresses written the canonical way. Other spellings that the
# resolver would also map to 127.0.0.1 (`127.1`, `0x7f.0.0.1`, `2130706433`) are refused rather
# than interpreted: one spelling per address leaves nothing to get wrong.
LOOPBACK_NAMES = frozenset({"localhost"})
# Scheme, host, port: no userinfo (`@`), backslash, percent-escape, query, fragment, space or
# control character, and nothing beyond ASCII.
_ALLOWED_CHARACTERS = re.compile(r"[A-Za-z0-9.:/\[\]-]*")

_FIX = (
    "use https://graph.facebook.com (the default), or http(s)://127.0.0.1:<port> or "
    "http(s)://localhost:<port> for a local emulator"
)


class BaseUrlError(ValueError):
    """A base_url the connector refuses; the text names base_url and the fix."""


def validate_base_url(base_url: str) -> str:
    """Return `base_url` as `scheme://host[:port]`, or raise BaseUrlError saying why it is refused."""
    text = base_url.strip()
    if not _ALLOWED_CHARACTERS.fullmatch(text):
        raise BaseUrlError(
            f"base_url '{_printable(text)}' may contain only a scheme, a host and a port (no '@', '\\', "
            f"'%', '?', '#', spaces or other characters): {_FIX}."
        )
    scheme, host, port, path = _parse(text)
    if path.strip("/"):
        raise BaseUrlError(
            f"base_url '{text}' must be a scheme and host only, e.g. https://graph.facebook.com; "
            "the API version goes in api_version."
        )
    if scheme == "https" and host in GRAPH_HOSTS:
        if port not in (None, 443):
            raise BaseUrlError(f"base_url '{text}': Meta's Graph API answers on port 443 only: {_FIX}.")
    elif scheme in ("http", "https") and _is_loopback(host):
        if port is not None and not 1 <= port <= 65535:
            raise BaseUrlError(f"base_url '{text}': the port must be a number from 1 to 65535: {_FIX}.")
    else:
        raise BaseUrlError(
            f"base_url '{text}' is not allowed: the token may go only to Meta's Graph API over https or to "
            f"a loopback host (127.0.0.1, localhost, ::1) over http or https: {_FIX}."
        )
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://{netloc}" + (f":{port}" if port is not None else "")


def _parse(text: str) -> tuple[str, str, Optional[int], str]:
    """Scheme, host, port and path as urllib3 reads them, refused unless urllib.parse reads the same."""
    try:
        sent = parse_url(text)
        seen = urlsplit(text)
        seen_port = seen.port
    except (LocationParseError, ValueError):
        raise BaseUrlError(
            f"base_url '{text}' is not a valid URL (a port must be a number from 1 to 65535): {_FIX}."
        ) from None
    host = (sent.host or "").strip("[]").lower()
    if not sent.scheme or not host or sent.scheme != seen.scheme or host != (seen.hostname or "") or sent.port != seen_port:
        raise BaseUrlError(f"base_url '{text}' is not a valid URL: {_FIX}.")
    return sent.scheme, host, sent.port, sent.path or ""


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback and str(address) == host


def _printable(text: str) -> str:
    """The URL up to any userinfo, query or fragment, which may hold a password or a pasted
    `access_token=`; control and non-ASCII characters escaped, so the message shows what was there."""
    shown = re.sub(r"[?#].*", "…", text, flags=re.DOTALL)
    if "@" in shown:
        scheme, separator, rest = shown.partition("://")
        if "@" not in rest:  # no `://`, or an `@` before it: then all up to the last `@` may be userinfo
            scheme, separator, rest = "", "", shown
        shown = f"{scheme}{separator}…@{rest.rsplit('@', 1)[1]}"
    return shown.encode("unicode_escape").decode("ascii").replace("\\u2026", "…")
