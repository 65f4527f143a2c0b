"""The config's dates: parsing `start_date`/`end_date`, and the days insights cover.

The days are derived once, when the config is normalised, so every insights stream agrees.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Optional

# Meta's timestamp shape (`2026-11-20T10:15:30+0000`); the incremental cursors read and write it.
GRAPH_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
# Meta keeps insights for 37 months; an older `since` fails the whole request with code 3018.
INSIGHTS_RETENTION_MONTHS = 37
# Without start_date, insights cover Meta's documented default report, last_30d (today excluded).
DEFAULT_INSIGHTS_DAYS = 30

# The spec's shape (YYYY-MM-DD, optionally a time and offset); ASCII digits only.
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9:]+)?)?")


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


def parse_config_datetime(key: str, value: str) -> datetime:
    """Accept `2026-01-31` or an ISO date-time; a naive value is UTC. ValueError names `key`.

    Not stripped: the spec's pattern, which the CDK checks as well, refuses surrounding spaces.
    """
    try:
        if not _DATE_SHAPE.fullmatch(value):
            raise ValueError(value)
        if len(value) == 10:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{key} '{value}' is not a date: use YYYY-MM-DD (e.g. 2026-01-31) or an ISO date-time "
            "(e.g. 2026-01-31T00:00:00Z)."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def refuse_future_start(key: str, start: date, today: date) -> None:
    """A start in the future would read nothing at all; say so rather than sync nothing."""
    if start > today:
        raise ValueError(
            f"{key} ({start}) is in the future (today is {today} in UTC): set it to today or an "
            "earlier day, or leave it empty."
        )


def insights_date_range(start_date: Optional[str], end_date: Optional[str], today: date) -> tuple[str, str]:
    """The days insights cover, as YYYY-MM-DD, from the normalised start_date and end_date.

    Meta's report days are in each ad account's time zone while `today` is UTC's: a day missed at
    the edge is re-read by the next sync's lookback, so nothing is lost. An end_date after today
    reads like an empty one: Meta has no rows for days that have not happened.
    """
    earliest = _months_before(today, INSIGHTS_RETENTION_MONTHS) + timedelta(days=1)
    if start_date:
        since = max(date.fromisoformat(start_date[:10]), earliest)
        default_until = today
    else:
        # Meta's last_30d: the 30 days before today, today excluded.
        since = today - timedelta(days=DEFAULT_INSIGHTS_DAYS)
        default_until = today - timedelta(days=1)
    until = min(date.fromisoformat(end_date[:10]), today) if end_date else default_until
    if until < since and not start_date:
        raise ValueError(
            f"end_date ({until}) is before {since}, where insights begin without a start_date (Meta's last_30d): "
            "set a start_date on or before end_date, or a later end_date."
        )
    if until < since:
        raise ValueError(
            f"end_date ({until}) is before the first day Meta still keeps insights for ({since}): "
            f"Meta keeps {INSIGHTS_RETENTION_MONTHS} months; set a later end_date or leave it empty."
        )
    return since.isoformat(), until.isoformat()


def _months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")
