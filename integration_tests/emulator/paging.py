"""Cursor paging as the Graph API does it: opaque cursors, `next` only while more rows exist.

A cursor encodes the position of a row in the listing's fixed order (an index for object
edges; (period, object, breakdown combination) for insights), so a page costs O(limit),
however deep it is.
"""

import base64
import itertools
from urllib.parse import urlencode

from . import errors

DEFAULT_LIMIT = 25


def encode_cursor(position: tuple) -> str:
    text = "pos:" + ".".join(map(str, position))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(raw, size: int) -> tuple:
    """The position a cursor names; the start of the listing when there is none."""
    if not raw:
        return (0,) * size
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        position = tuple(int(part) for part in text.removeprefix("pos:").split("."))
    except ValueError:
        raise errors.invalid_cursor() from None
    if not text.startswith("pos:") or len(position) != size or min(position) < 0:
        raise errors.invalid_cursor()
    return position


def page_limit(params: dict) -> int:
    raw = params.get("limit")
    if raw in (None, ""):
        return DEFAULT_LIMIT
    if not raw.isdigit() or int(raw) < 1:
        raise errors.invalid_parameter("param limit must be a positive integer")
    return int(raw)


def take_page(rows_from, start: tuple, limit: int):
    """([(position, item)] of one page, position of the next row or None on the last page).

    `rows_from(start)` yields (position, item) in order from `start`; one extra row is
    read to learn whether a next page exists.
    """
    taken = list(itertools.islice(rows_from(start), limit + 1))
    if len(taken) > limit:
        return taken[:limit], taken[limit][0]
    return taken, None


def following(position: tuple) -> tuple:
    """The position just after `position` (the `after` cursor of a last page)."""
    return position[:-1] + (position[-1] + 1,)


def page_url(base_url: str, path: str, params: dict, after: str) -> str:
    """The `next` URL: same query with the new cursor; never a token, even if one was sent."""
    query = {key: value for key, value in params.items() if key not in ("access_token", "after", "before")}
    query["after"] = after
    return f"{base_url}{path}?{urlencode(query)}"
