"""Hypothesis strategies for configs: a valid config with a few keys changed to odd, wrong or tricky values."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from source_facebook_ads.source import SourceFacebookAds
from unit_tests.builders import TOKEN

SPEC_KEYS = sorted(SourceFacebookAds.spec_schema()["properties"])

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)
_DAYS = st.sampled_from(
    ["", "2026-01-01", "2026-02-30", "1999-01-01", "9999-12-31", "2026-01-01T00:00:00Z", "2026-01-01 10:00", "٢٠٢٦-٠١-٠١", "20260101", " 2026-01-01 "]
)
_TOKENS = st.builds(
    lambda before, inside, after: before + TOKEN[:8] + inside + TOKEN[8:] + after,
    st.sampled_from(["", " ", "\n", "\t"]),
    st.sampled_from(["", "\n", "\r\n", " ", "\x00", "\x7f", "é", "\u2028"]),
    st.sampled_from(["", " ", "\n", "\r\n"]),
) | st.sampled_from(["", " ", "\n\t "])
_REPORTS = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "by_country", "Bad-Name", ""]), "level": st.sampled_from(["ad", "campaign", "page"]), "fields": st.sampled_from([["spend"], []])},
    optional={"breakdowns": st.lists(st.sampled_from(["country", "age"]), max_size=2), "start_date": _DAYS, "colour": st.just("red")},
)
# Values with a meaning for one key; any key may also get any JSON value.
_MEANINGFUL = {
    "access_token": _TOKENS,
    "account_ids": st.lists(st.sampled_from(["act_1", "2", "act_x", "١٢٣", " 3 ", "act_", "", "123-456"]), max_size=3),
    "start_date": _DAYS,
    "end_date": _DAYS,
    "base_url": st.sampled_from(
        ["https://graph.facebook.com", "http://127.0.0.1:8080", "http://x:80\\@127.0.0.1", "https://example.org", "http://127.0.0.1:abc", "http://[::1]:0"]
    ),
    "page_size": st.integers(-1, 501),
    "custom_insights": st.lists(_REPORTS, max_size=2),
    "insights_job_mode": st.sampled_from(["sync", "async", "ASYNC"]),
    "insights_attribution_windows": st.lists(st.sampled_from(["7d_click", "7d_view", "dda"]), max_size=2),
}
_KEYS = st.sampled_from(SPEC_KEYS + ["acount_ids", "start-date", "pag_size", "colour"])


@st.composite
def configs(draw: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"access_token": TOKEN, "account_ids": ["111"], "requests_per_second": 50}
    for key in draw(st.lists(_KEYS, min_size=1, max_size=3, unique=True)):
        config[key] = draw((_MEANINGFUL[key] | _JSON) if key in _MEANINGFUL else _JSON)
    if draw(st.integers(0, 9)) == 0:
        config.pop("access_token")
    return config


def token_pieces() -> list[str]:
    """Every 6-character part of the token: none may reach any output."""
    return [TOKEN[start : start + 6] for start in range(len(TOKEN) - 5)]
