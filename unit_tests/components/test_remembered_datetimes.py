"""The remembering parser gives exactly what the CDK's parser gives, for Meta's timestamps and anything else."""

from __future__ import annotations

from airbyte_cdk.sources.declarative.datetime.datetime_parser import DatetimeParser
from hypothesis import given, settings
from hypothesis import strategies as st

from source_facebook_ads.components.remembered_datetimes import GRAPH_TIMESTAMP_FORMAT, RememberingDatetimeParser

digits = lambda n: st.text("0123456789", min_size=n, max_size=n)  # noqa: E731
# Meta's shape with any digits (days, hours and offsets out of range included), and near misses.
timestamps = st.builds(
    lambda d, t, sign, offset: f"{d[:4]}-{d[4:6]}-{d[6:]}T{t[:2]}:{t[2:4]}:{t[4:]}{sign}{offset}",
    digits(8), digits(6), st.sampled_from("+-"), digits(4) | st.sampled_from(["00:00", "Z", "", "05:30", "0"]),
) | st.sampled_from(["2026-11-01", "2026-11-01T10:00:00", "2026-11-01 10:00:00+0000", "2026-11-01T10:00:00.5+0000", ""])


def parsed(parser: DatetimeParser, text: str):
    try:
        value = parser.parse(text, GRAPH_TIMESTAMP_FORMAT)
    except ValueError:
        return "refused"
    return value, value.utcoffset()


@settings(max_examples=300, deadline=None)
@given(text=timestamps)
def test_a_timestamp_parses_to_what_strptime_gives_or_is_refused_as_it_refuses(text: str) -> None:
    assert parsed(RememberingDatetimeParser(), text) == parsed(DatetimeParser(), text)


def test_metas_timestamps_keep_their_offset() -> None:
    for text in ("2026-11-01T10:00:00+0000", "2026-11-01T10:00:00-0700", "2024-02-29T23:59:59+0530"):
        assert parsed(RememberingDatetimeParser(), text) == parsed(DatetimeParser(), text)
