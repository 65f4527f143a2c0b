"""What a Graph API body holds: parsed once, and checked against the shape its request expects.

Pure, like the classifier that uses it. A 2xx whose body the CDK cannot use is not a success: the
CDK would turn an empty or broken body into no records (a silent skip), or crash on a shape it
does not expect (`data` a string, `paging` a string, a bare number) with a TypeError. Describing
what Meta sent lets the classifier retry it and, if it persists, fail saying so.
"""

from __future__ import annotations

import json
import reprlib
from dataclasses import dataclass
from enum import Enum
from typing import Any, Mapping, Optional

import orjson

_EXCERPT_CHARS = 60
# Bounded depth and length: an excerpt of a deeply nested value must not recurse without limit.
_EXCERPT = reprlib.Repr()
_EXCERPT.maxlevel, _EXCERPT.maxstring, _EXCERPT.maxother = 2, _EXCERPT_CHARS, _EXCERPT_CHARS


class Expected(Enum):
    """The body a successful answer must have, by the kind of request."""

    PAGE = "page"  # a paged edge or insights: {"data": [objects], "paging": {...}}
    OBJECT = "object"  # one object read by id (/me, /act_<id>, a report run's status)
    REPORT_RUN = "report_run"  # the answer to creating a report run: {"report_run_id": ...}


@dataclass(frozen=True)
class Body:
    value: Any = None  # the parsed JSON, None when there is none
    problem: Optional[str] = None  # why there is none: empty, not UTF-8, not JSON, too deep


def read_body(content: Optional[bytes]) -> Body:
    """Parse a body as the CDK's JSON parser would (orjson, then json), never raising."""
    if not content:
        return Body(problem="an empty body")
    try:
        return Body(orjson.loads(content))
    except orjson.JSONDecodeError:
        pass
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return Body(problem="a body that is not valid UTF-8 text")
    try:
        # Same fallback as the CDK's JsonParser, so we never reject what it would accept.
        return Body(json.loads(text))
    except RecursionError:
        return Body(problem="JSON nested too deeply to read")
    except ValueError:
        return Body(problem=f"a body that is not JSON or was cut off ({_excerpt(text)})")


def shape_problem(body: Any, expected: Optional[Expected]) -> Optional[str]:
    """What is wrong with a parsed 2xx body for the request that asked for it; None if nothing."""
    if expected is None:
        return None
    if not isinstance(body, Mapping):
        return f"{_kind(body)} ({_excerpt(body)}) instead of a JSON object"
    if expected is Expected.REPORT_RUN:
        return None if body.get("report_run_id") else "no report_run_id in its answer"
    if expected is Expected.OBJECT:
        return None
    return _page_problem(body)


def _page_problem(body: Mapping[str, Any]) -> Optional[str]:
    if "data" not in body:
        return "a page without `data`"
    data = body["data"]
    if not isinstance(data, list):
        return f"`data` as {_kind(data)} ({_excerpt(data)}) instead of a list of objects"
    # `type(...) is dict` first: the ABC check of `Mapping` alone costs ~1.5 us a row, 0.04 us with it (issue 10).
    not_objects = [item for item in data if type(item) is not dict and not isinstance(item, Mapping)]
    if not_objects:
        return f"`data` holding {_kind(not_objects[0])} ({_excerpt(not_objects[0])}) instead of objects"
    # A key that is present must hold an object, null included: paging reads `paging.cursors.after`.
    if "paging" not in body:
        return None
    paging = body["paging"]
    if not isinstance(paging, Mapping):
        return f"`paging` as {_kind(paging)} ({_excerpt(paging)})"
    cursors = paging.get("cursors", {})
    if not isinstance(cursors, Mapping):
        return f"`paging.cursors` as {_kind(cursors)} ({_excerpt(cursors)})"
    after = cursors.get("after") if cursors else None
    if after is not None and not isinstance(after, str):
        return f"`paging.cursors.after` as {_kind(after)} ({_excerpt(after)})"
    if paging.get("next") and not after:
        # Paging would stop here although Meta says more rows follow: rows would be lost unnoticed.
        return "`paging.next` without an `after` cursor"
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _excerpt(value: Any) -> str:
    text = _EXCERPT.repr(value)
    return text if len(text) <= _EXCERPT_CHARS else text[:_EXCERPT_CHARS] + "..."
