"""Progress of long insights streams: windows done of total and rows so far, every ~30 s.

A window is done when the stream's state, which the CDK moves as windows close, has passed its
last day. The windows of an account run from its start (`since`, or the saved state less the
lookback) to `until` in steps of `insights_window_days`, as the manifest's insights cursor cuts
them. Accounts count once the stream has saved state for them (auto-discovered accounts are not
known before), so the total grows as accounts start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Mapping, Optional

PROGRESS_INTERVAL_SECONDS = 30.0


@dataclass(frozen=True)
class InsightsPlan:
    """The days one insights stream reads in this sync."""

    since: date
    until: date
    window_days: int
    lookback_days: int

    def window_ends(self, saved_cursor: Optional[date]) -> list[date]:
        start = self.since
        if saved_cursor is not None:
            start = max(self.since, saved_cursor - timedelta(days=self.lookback_days))
        ends: list[date] = []
        while start <= self.until:
            end = min(start + timedelta(days=self.window_days - 1), self.until)
            ends.append(end)
            start = end + timedelta(days=1)
        return ends


def insights_plans(config: Mapping[str, Any], stream_sinces: Mapping[str, str]) -> dict[str, InsightsPlan]:
    """One plan per insights stream, given each stream's first day (custom reports have their own)."""
    until = date.fromisoformat(config["insights_until"])
    return {
        stream: InsightsPlan(date.fromisoformat(since), until, int(config["insights_window_days"]), int(config["insights_lookback_days"]))
        for stream, since in stream_sinces.items()
    }


def state_dict(blob: Any) -> Mapping[str, Any]:
    """A stream state (the CDK's AirbyteStateBlob, or a plain mapping) as a mapping."""
    if isinstance(blob, Mapping):
        return blob
    return vars(blob) if blob is not None else {}


def account_cursors(stream_state: Mapping[str, Any], cursor_field: str = "date_start") -> dict[str, date]:
    """The per-account cursor days of a per-partition state, as the CDK writes it."""
    cursors: dict[str, date] = {}
    for entry in stream_state.get("states") or []:
        account = (entry.get("partition") or {}).get("account_id")
        value = (entry.get("cursor") or {}).get(cursor_field)
        if account and isinstance(value, str) and len(value) >= 10:
            try:
                cursors[str(account)] = date.fromisoformat(value[:10])
            except ValueError:
                continue
    return cursors


class InsightsProgress:
    def __init__(self, plans: Mapping[str, InsightsPlan], saved: Mapping[str, Mapping[str, date]]) -> None:
        self._plans = dict(plans)
        self._saved = {stream: dict(cursors) for stream, cursors in saved.items()}
        self._current: dict[str, dict[str, date]] = {}

    def tracks(self, stream: str) -> bool:
        return stream in self._plans

    def on_state(self, stream: str, stream_state: Mapping[str, Any]) -> None:
        if stream in self._plans:
            self._current[stream] = account_cursors(stream_state)

    def line(self, stream: str, rows: int, elapsed_seconds: float) -> str:
        plan = self._plans[stream]
        saved = self._saved.get(stream, {})
        current = self._current.get(stream, {})
        done = total = 0
        for account in sorted(set(current) | set(saved)):
            ends = plan.window_ends(saved.get(account))
            total += len(ends)
            reached = current.get(account)
            done += sum(1 for end in ends if reached is not None and end <= reached)
        accounts = len(set(current) | set(saved))
        windows = f"{done} of {total} windows done in the {accounts} accounts started" if accounts else "no window done yet"
        return f"Stream {stream} running for {elapsed_seconds:.0f} s: {rows} rows so far; {windows}."
