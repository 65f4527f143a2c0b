"""Value formats exactly as the Graph API sends them."""

import datetime as dt
import time

UTC = dt.timezone.utc


def graph_time(unix_seconds: int) -> str:
    """Meta's datetime format: 2026-11-20T10:15:30+0000."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(unix_seconds))


def to_unix(value) -> int:
    """Accept a datetime (naive means UTC), a date, or unix seconds."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    if isinstance(value, dt.date):
        return int(dt.datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp())
    return int(value)


def utc_day(unix_seconds: int) -> int:
    """Proleptic ordinal of the UTC calendar day of a timestamp."""
    return dt.datetime.fromtimestamp(unix_seconds, UTC).date().toordinal()


def trim_decimal(text: str) -> str:
    # Meta strips trailing zeros from money and ratios: "5339.5", "100", "1.043689".
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def money(minor_units: int) -> str:
    """Cents to Meta's insights money string: 1234 -> "12.34", 1250 -> "12.5"."""
    return trim_decimal(f"{minor_units // 100}.{minor_units % 100:02d}")


def ratio(value: float) -> str:
    return trim_decimal(f"{value:.6f}")


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` earlier, clamped to the month's length."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")
