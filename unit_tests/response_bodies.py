"""Hypothesis strategies for Graph API answers: Meta's shapes, the same shapes broken, errors, raw bytes.

Shared by the property tests of the error handler (many examples, fast) and of `read` (few, slow).
"""

from __future__ import annotations

from typing import Any, Optional

from hypothesis import strategies as st

from unit_tests.builders import API

Answer = tuple[int, Optional[Any], Optional[bytes]]  # (status, JSON body or None, raw bytes or None)

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False), st.text(max_size=8))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
field_names = st.sampled_from(["name", "status", "hash", "url", "spend", "impressions", "extra"])


def records(required: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda extra, record_id: {**extra, **required, "id": record_id}, st.dictionaries(field_names, scalars, max_size=3), st.text("0123456789", min_size=1, max_size=6))


def pages(record: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """Meta's page shape, and the same page with `data`, `paging` or `cursors` of any JSON type."""
    cursors = st.one_of(st.fixed_dictionaries({}, optional={"before": st.text(max_size=4), "after": st.text(min_size=1, max_size=4)}), json_values)
    paging = st.one_of(
        st.fixed_dictionaries({"cursors": cursors}, optional={"next": st.just(f"{API}/next?after=x")}), json_values
    )
    data = st.one_of(st.lists(record, max_size=3), json_values)
    return st.fixed_dictionaries({}, optional={"data": data, "paging": paging})


meta_errors = st.builds(
    lambda code, subcode, transient, message: {
        "error": {
            key: value
            for key, value in {"message": message, "type": "OAuthException", "code": code, "error_subcode": subcode, "is_transient": transient, "fbtrace_id": "A"}.items()
            if value is not None
        }
    },
    # Throttles are left out: they wait out Meta's stated time in the pacer (unit_tests/components).
    st.sampled_from([1, 2, 10, 100, 190, 200, 415, 2500, 2635, 3018, 99999]),
    st.one_of(st.none(), st.sampled_from([33, 99, 463, 1404120, 1487534, 2853001])),
    st.one_of(st.none(), st.booleans()),
    st.sampled_from(["An unknown error occurred", "(#100) Missing permissions", "Please reduce the amount of data you're asking for", "pages_read_engagement"]),
)
raw_bodies = st.one_of(
    st.binary(max_size=20),
    st.just(b"[" * 100_000 + b"]" * 100_000),
    st.just(b'{"data": [{"id": "1", "name": "\xff\xfe"}]}'),
    st.just(b'{"data": [{"id": "1"}'),
    st.just(b"<html>Bad Gateway</html>"),
)


def answers(success_body: st.SearchStrategy[Any]) -> st.SearchStrategy[Answer]:
    """(status, JSON body or None, raw bytes or None) for one mocked answer."""
    return st.one_of(
        st.tuples(st.just(200), success_body, st.none()),
        st.tuples(st.just(200), json_values, st.none()),
        st.tuples(st.sampled_from([200, 400, 403, 500]), meta_errors, st.none()),
        st.tuples(st.sampled_from([200, 500, 502]), st.none(), raw_bodies),
    )


def usable_page_records(answer: Answer) -> Optional[int]:
    """How many records a page answer carries when it is a usable page; None when it is not."""
    status, body, raw = answer
    if status != 200 or raw is not None or not isinstance(body, dict) or "error" in body:
        return None
    data, paging = body.get("data"), body.get("paging", {})
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data) or not isinstance(paging, dict):
        return None
    cursors = paging.get("cursors", {})
    if not isinstance(cursors, dict) or not isinstance(cursors.get("after", ""), str):
        return None
    if paging.get("next") and not cursors.get("after"):
        return None
    return len(data)
