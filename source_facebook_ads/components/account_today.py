"""Insights never ask for a day after today in the ad account's time zone.

Meta's report days are the ad account's days (`timezone_name`). The insights range is computed once
from the config (config.py), in UTC, and a config may even name an end_date in the future; either way
an account west of UTC, or any account with a future end_date, would be asked for days that have not
begun there: empty answers at best, and one request per future window.

So each insights stream's per-account windows end at that account's today. When the range ends
after today in UTC-12 (where a day begins last), the account's time zone is read once per sync
(`GET /act_{id}?fields=timezone_name,timezone_offset_hours_utc`, the manifest's
`account_time_zone_requester`, paced and classified like every request); a range ending before that
day (a past end_date, or Meta's last_30d) needs no such request.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, Callable, Iterable, Mapping, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from airbyte_cdk.sources.declarative.requesters.http_requester import HttpRequester
from airbyte_cdk.sources.streams.concurrent.cursor import ConcurrentCursor
from airbyte_cdk.sources.types import StreamSlice

from source_facebook_ads.components.window_checkpoints import WindowCheckpointCursor

logger = logging.getLogger("airbyte")

# Where a day begins last (UTC-12): used only when Meta names no usable time zone, because no
# account anywhere has begun a day that has not begun there.
LATEST_DAY_START = timezone(timedelta(hours=-12))


class AccountToday:
    """Each ad account's today, from its time zone, asked of Meta once per sync."""

    def __init__(self, requester: HttpRequester, clock: Callable[[tzinfo], datetime] = datetime.now) -> None:
        self._requester = requester
        self._clock = clock
        self._zones: dict[str, tzinfo] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def of(self, account_id: str) -> date:
        return self._clock(self._zone(account_id)).date()

    def everywhere(self) -> date:
        """The day every account has begun: a range ending on or before it needs no time zone."""
        return self._clock(LATEST_DAY_START).date()

    def _zone(self, account_id: str) -> tzinfo:
        with self._guard:
            lock = self._locks.setdefault(account_id, threading.Lock())
        with lock:  # one request per account, however many insights streams slice at once
            if account_id not in self._zones:
                slice_ = StreamSlice(partition={"account_id": account_id}, cursor_slice={})
                response = self._requester.send_request(stream_slice=slice_)
                self._zones[account_id] = _zone_of(account_id, _body(response))
            return self._zones[account_id]


def _body(response: Optional[requests.Response]) -> Mapping[str, Any]:
    try:
        body = response.json() if response is not None else {}
    except ValueError:
        return {}
    return body if isinstance(body, Mapping) else {}


def _zone_of(account_id: str, account: Mapping[str, Any]) -> tzinfo:
    try:
        return ZoneInfo(str(account["timezone_name"]))
    except (KeyError, ValueError, ZoneInfoNotFoundError):
        pass
    try:
        return timezone(timedelta(hours=float(account["timezone_offset_hours_utc"])))
    except (KeyError, TypeError, ValueError):
        logger.warning(
            f"Meta named no time zone for ad account act_{account_id}: its insights end at today in UTC-12, "
            "the last zone to begin a day; the next sync's lookback reads the rest."
        )
        return LATEST_DAY_START


class TodayBoundedCursor(WindowCheckpointCursor):
    """A per-account insights cursor whose windows end at the account's today (and checkpoint as they close)."""

    _account_today: AccountToday
    _slicing_account: Optional[str]

    def bound_to_today(self, account_today: AccountToday) -> None:
        self._account_today = account_today
        self._slicing_account = None
        for cursor in self._cursor_per_partition.values():  # the accounts the saved state names
            self._bound(cursor)

    def _create_cursor(self, *args: Any, **kwargs: Any) -> ConcurrentCursor:
        return self._bound(super()._create_cursor(*args, **kwargs))

    def _generate_slices_from_partition(self, partition: StreamSlice, parent_state: Mapping[str, Any]) -> Iterable[StreamSlice]:
        # An account's windows are computed while its partition is sliced, one account at a time.
        self._slicing_account = partition.partition.get("account_id")
        yield from super()._generate_slices_from_partition(partition, parent_state)

    def _bound(self, cursor: ConcurrentCursor) -> ConcurrentCursor:
        configured_end = cursor._end_provider

        def end_at_account_today() -> Any:
            end = configured_end()
            if self._slicing_account is None or end <= _midnight(self._account_today.everywhere(), end.tzinfo):
                return end  # the usual case (a past end_date, or yesterday): no request needed
            return min(end, _midnight(self._account_today.of(self._slicing_account), end.tzinfo))

        cursor._end_provider = end_at_account_today
        return cursor


def _midnight(day: date, zone: Optional[tzinfo]) -> datetime:
    """A report day as the cursor holds it (the day's start in the cursor's zone, UTC)."""
    return datetime.combine(day, time.min, tzinfo=zone)
