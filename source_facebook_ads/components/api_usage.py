"""What each ad account spent of its Meta budget in one sync, for one summary line per account.

Users of other connectors never see their Meta budget; this tells them, at the end of every read:
calls sent, calls Meta throttled, time spent waiting for the pace or a throttle pause, and the
highest usage each of Meta's usage headers reported. The pacer feeds it (it sees every request
and every answer; the error handler tells it which were throttles); the source logs `summary_lines()`
when the read ends, also when it fails.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Mapping

APP_KEY_LABEL = "requests not tied to an ad account (/me, report runs)"


@dataclass
class KeyUsage:
    calls: int = 0
    throttled: int = 0
    waited_seconds: float = 0.0
    peak_percent_by_header: dict[str, float] = field(default_factory=dict)


class ApiUsageLedger:
    def __init__(self, app_key: str) -> None:
        self._app_key = app_key
        self._lock = threading.Lock()
        self._usage: dict[str, KeyUsage] = {}

    def on_answer(self, key: str, peak_percent_by_header: Mapping[str, float]) -> None:
        with self._lock:
            usage = self._usage.setdefault(key, KeyUsage())
            usage.calls += 1
            for header, percent in peak_percent_by_header.items():
                if percent > usage.peak_percent_by_header.get(header, -1.0):
                    usage.peak_percent_by_header[header] = percent

    def on_throttle(self, key: str) -> None:
        with self._lock:
            self._usage.setdefault(key, KeyUsage()).throttled += 1

    def on_wait(self, key: str, seconds: float) -> None:
        with self._lock:
            self._usage.setdefault(key, KeyUsage()).waited_seconds += seconds

    def summary_lines(self) -> list[str]:
        with self._lock:
            items = sorted(self._usage.items(), key=lambda item: (item[0] == self._app_key, item[0]))
            return [self._line(key, usage) for key, usage in items if usage.calls]

    def _line(self, key: str, usage: KeyUsage) -> str:
        who = APP_KEY_LABEL if key == self._app_key else key
        peaks = ", ".join(f"{header} {percent:g}%" for header, percent in sorted(usage.peak_percent_by_header.items()))
        return (
            f"API use of {who}: {usage.calls} calls, {usage.throttled} throttled, "
            f"{usage.waited_seconds:.1f} s waited; highest usage Meta reported: {peaks or 'no usage header'}."
        )


# Pace increases come in small steps (one every few seconds while usage is low): one line per
# step would flood the log. They are summed per key and logged at most once a minute, and the
# rest when the read ends; cuts are rare and explain a slowdown, so the pacer logs each at once.
INCREASE_SUMMARY_INTERVAL_SECONDS = 60.0


@dataclass
class _PendingIncrease:
    since: float
    start_rate: float
    rate: float
    steps: int
    cause: str


class PaceIncreaseSummary:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, _PendingIncrease] = {}

    def on_increase(self, key: str, old: float, new: float, cause: str, now: float) -> list[str]:
        """Record a step; returns the summary line to log when the key's minute is up."""
        with self._lock:
            pending = self._pending.get(key)
            if pending is None:
                pending = self._pending[key] = _PendingIncrease(now, old, new, 0, cause)
            pending.rate, pending.steps, pending.cause = new, pending.steps + 1, cause
            if now - pending.since < INCREASE_SUMMARY_INTERVAL_SECONDS:
                return []
            del self._pending[key]
            return [_increase_line(key, pending, now)]

    def flush(self, now: float) -> list[str]:
        """The increases not yet logged (before a cut of the same key, and when the read ends)."""
        with self._lock:
            pending, self._pending = self._pending, {}
        return [_increase_line(key, item, now) for key, item in sorted(pending.items())]

    def flush_key(self, key: str, now: float) -> list[str]:
        with self._lock:
            item = self._pending.pop(key, None)
        return [_increase_line(key, item, now)] if item is not None else []


def _increase_line(key: str, pending: _PendingIncrease, now: float) -> str:
    return (
        f"Pacing {key}: {pending.start_rate:.2f} -> {pending.rate:.2f} requests/s in {pending.steps} "
        f"step{'s' if pending.steps != 1 else ''} over {now - pending.since:.0f} s (last: {pending.cause})."
    )
