"""Datetime cursors parse and format each distinct value once, not once per record (issue 10).

The CDK's concurrent cursors parse every record's cursor value with `strptime`, twice (the
per-account cursor and the account's own cursor), and format it back once: ~20% of the CPU of an
insights read, although a window of daily rows holds a handful of distinct `date_start` days.
The results are remembered (the same value and format always give the same datetime, and the same
datetime and offset the same text), so state and records are unchanged.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from typing import Any, Union

from airbyte_cdk.sources.declarative.datetime.datetime_parser import DatetimeParser

# Enough for the days of any window and the object timestamps of a page; bounded, as object cursors
# (`updated_time`) see a new value on almost every row.
DISTINCT_VALUES = 4096


class RememberingDatetimeParser(DatetimeParser):
    def __init__(self) -> None:
        # Looked up at each miss, not bound here, so the CDK's parser stays the one that parses.
        self._parse = lru_cache(maxsize=DISTINCT_VALUES)(lambda date, format: DatetimeParser.parse(self, date, format))
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


_PARSER = RememberingDatetimeParser()


def remember_parsed_datetimes(cursor: Any) -> None:
    """Give a concurrent cursor's state converter the remembering parser (a private CDK attribute)."""
    converter = getattr(cursor, "_connector_state_converter", None)
    if isinstance(getattr(converter, "_parser", None), DatetimeParser):
        converter._parser = _PARSER
