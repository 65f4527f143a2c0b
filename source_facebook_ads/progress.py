"""Progress a person can follow: one log line per stream and ad account when the stream finishes,
and every ~30 s a line per running insights stream (windows done of total, rows so far).

The CDK already emits stream status traces (STARTED, RUNNING, COMPLETE, INCOMPLETE); this adds
how many records each account gave and how long the stream took, by watching the messages that
`read` yields. The per-record cost is one dict lookup and one increment.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Callable, Iterable, Iterator, Optional

from airbyte_cdk.models import AirbyteMessage, AirbyteStreamStatus, Level, TraceType, Type
from airbyte_cdk.models import AirbyteLogMessage

from source_facebook_ads.insights_progress import PROGRESS_INTERVAL_SECONDS, InsightsProgress, state_dict

NO_ACCOUNT = "-"  # streams whose records name no ad account (me, businesses, advideos)
FINISHED = {AirbyteStreamStatus.COMPLETE: "finished", AirbyteStreamStatus.INCOMPLETE: "stopped early"}


class SyncProgress:
    def __init__(self, clock: Callable[[], float] = time.monotonic, insights: Optional[InsightsProgress] = None) -> None:
        self._clock = clock
        self._insights = insights or InsightsProgress({}, {})
        self._started: dict[str, float] = {}
        self._records: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._next_progress = clock() + PROGRESS_INTERVAL_SECONDS

    def watch(self, messages: Iterable[AirbyteMessage]) -> Iterator[AirbyteMessage]:
        for message in messages:
            yield message
            if message.type == Type.RECORD:
                record = message.record
                self._records[record.stream][record.data.get("account_id") or NO_ACCOUNT] += 1
            elif message.type == Type.STATE and message.state.stream is not None:
                stream_state = message.state.stream
                self._insights.on_state(stream_state.stream_descriptor.name, state_dict(stream_state.stream_state))
            elif message.type == Type.TRACE and message.trace.type == TraceType.STREAM_STATUS:
                summary = self._on_status(message)
                if summary:
                    yield summary
            if self._clock() >= self._next_progress:
                self._next_progress = self._clock() + PROGRESS_INTERVAL_SECONDS
                yield from self._insights_progress()

    def _insights_progress(self) -> Iterator[AirbyteMessage]:
        now = self._clock()
        for stream, started in self._started.items():
            if self._insights.tracks(stream):
                rows = sum(self._records.get(stream, {}).values())
                yield _log(self._insights.line(stream, rows, now - started))

    def _on_status(self, message: AirbyteMessage) -> Optional[AirbyteMessage]:
        status = message.trace.stream_status
        stream = status.stream_descriptor.name
        if status.status == AirbyteStreamStatus.STARTED:
            self._started[stream] = self._clock()
            return None
        if status.status not in FINISHED:
            return None
        elapsed = self._clock() - self._started.pop(stream, self._clock())
        counts = self._records.pop(stream, {})
        total = sum(counts.values())
        per_account = ", ".join(f"{_account_label(a)}: {n}" for a, n in sorted(counts.items())) or "no records"
        text = f"Stream {stream} {FINISHED[status.status]}: {total} records in {elapsed:.1f} s ({per_account})."
        return _log(text)


def _log(text: str) -> AirbyteMessage:
    return AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=Level.INFO, message=text))


def _account_label(account_id: str) -> str:
    if account_id == NO_ACCOUNT or account_id.startswith("act_"):
        return account_id
    return f"act_{account_id}"
