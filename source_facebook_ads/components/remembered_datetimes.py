"""Datetime cursors parse and format each distinct value once, not once per record (issue 10).

The CDK's concurrent cursors parse every record's cursor value with `strptime`, twice (the
per-account cursor and the account's own cursor), and format it back once: ~20% of the CPU of an
insights read, although a window of daily rows holds a handful of distinct `date_start` days.
The results are remembered (the same value and format always give the same datetime, and the same
datetime and offset the same text), so state and records are unchanged.

Object timestamps (`updated_time`, "2026-11-01T10:00:00+0000") are mostly distinct, so remembering
does not help them: a timestamp of exactly Meta's shape is parsed by `datetime.fromisoformat`
(about 70 times faster than `strptime`, and it gives the same datetime for that shape; anything else,
and whatever it refuses, goes to the CDK's parser, which also words the error).
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache
from typing import Any, Union

from airbyte_cdk.sources.declarative.datetime.datetime_parser import DatetimeParser

# Enough for the days of any window and the object timestamps of a page; bounded, as object cursors
# (`updated_time`) see a new value on almost every row.
DISTINCT_VALUES = 4096

GRAPH_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%z"  # the object streams' cursor format (manifest.yaml)
# What that format matches in Meta's answers; `strptime` refuses offset minutes over 59, fromisoformat does not.
_GRAPH_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}[0-5]\d")


class RememberingDatetimeParser(DatetimeParser):
    def __init__(self) -> None:
        # `_parse_once` looks the CDK's parser up at each miss (not bound here), so it stays the one that parses.
        self._parse = lru_cache(maxsize=DISTINCT_VALUES)(self._parse_once)
        # The offset is part of the key: equal instants in different offsets compare equal but print apart.
        self._format = lru_cache(maxsize=DISTINCT_VALUES)(
            lambda dt, offset, format: DatetimeParser.format(self, dt, format)
        )

    def parse(self, date: Union[str, int], format: str) -> datetime.datetime:
        try:
            return self._parse(date, format)
        except TypeError:  # an unhashable value (a list where a date belongs): the CDK's parser says why
            return DatetimeParser.parse(self, date, format)

    def format(self, dt: datetime.datetime, format: str) -> str:
        return self._format(dt, dt.utcoffset(), format)

    def _parse_once(self, date: Union[str, int], format: str) -> datetime.datetime:
        if format == GRAPH_TIMESTAMP_FORMAT and isinstance(date, str) and _GRAPH_TIMESTAMP.fullmatch(date):
            try:
                return datetime.datetime.fromisoformat(date)
            except ValueError:
                pass  # out of range: the CDK's parser refuses it too, in its own words
        return DatetimeParser.parse(self, date, format)


_PARSER = RememberingDatetimeParser()


def remember_parsed_datetimes(cursor: Any) -> None:
    """Give a concurrent cursor's state converter the remembering parser (a private CDK attribute)."""
    converter = getattr(cursor, "_connector_state_converter", None)
    if isinstance(getattr(converter, "_parser", None), DatetimeParser):
        converter._parser = _PARSER
