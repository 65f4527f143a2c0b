"""Each ad account's cursor is a copy of one built from the manifest, not built from it again (issue 10).

A per-account stream's ConcurrentPerPartitionCursor asks its cursor factory for a new cursor for
each account it slices, and the CDK's factory builds every one from the manifest: the model parsed
again, the cursor field, start, end, lookback and step interpolated and parsed again, ~1.4 ms per
account and stream (9% of the CPU of a 200-account read). None of that depends on the account: it
comes from the manifest and the config, which a sync does not change (this manifest's cursor
datetimes name no clock). Only the state is the account's. So the CDK builds the first cursor, and
every other account's is that cursor with the account's own state: the fields the CDK's own
`ConcurrentCursor.copy_without_state` copies, with the state, message repository and state manager
that the CDK's factory gives each of its cursors (unit_tests/test_source_wiring.py pins that a
copy equals what the CDK builds).

A state the CDK moves back by a runtime lookback window (a new account after the stream fell back
to its global cursor) is still built by the CDK, which does that move.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any, Mapping, Optional

from airbyte_cdk.sources.declarative.incremental.concurrent_partition_cursor import ConcurrentCursorFactory
from airbyte_cdk.sources.streams.concurrent.cursor import ConcurrentCursor


class CopyingCursorFactory(ConcurrentCursorFactory):
    def __init__(self, building: ConcurrentCursorFactory) -> None:
        self._building = building
        self._template: Optional[ConcurrentCursor] = None
        self._lock = threading.Lock()  # accounts are sliced on several threads

    def create(self, stream_state: Mapping[str, Any], runtime_lookback_window: Optional[timedelta]) -> ConcurrentCursor:
        if runtime_lookback_window:
            return self._building.create(stream_state=stream_state, runtime_lookback_window=runtime_lookback_window)
        with self._lock:
            if self._template is None:
                self._template = self._building.create(stream_state={}, runtime_lookback_window=None)
        return with_state(self._template, stream_state)


def with_state(template: ConcurrentCursor, stream_state: Mapping[str, Any]) -> ConcurrentCursor:
    return type(template)(
        stream_name=template._stream_name,
        stream_namespace=template._stream_namespace,
        stream_state=stream_state,
        message_repository=template._message_repository,
        connector_state_manager=template._connector_state_manager,
        connector_state_converter=template._connector_state_converter,
        cursor_field=template._cursor_field,
        slice_boundary_fields=template._slice_boundary_fields,
        start=template._start,
        end_provider=template._end_provider,
        lookback_window=template._lookback_window,
        slice_range=template._slice_range,
        cursor_granularity=template._cursor_granularity,
        clamping_strategy=template._clamping_strategy,
        is_compare_strictly=template._is_compare_strictly,
    )
