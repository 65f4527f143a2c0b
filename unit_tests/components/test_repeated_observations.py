"""Per-account cursors skip a record repeating the last one's window and cursor value (components/repeated_observations.py)."""

from __future__ import annotations

from airbyte_cdk.sources.declarative.incremental.concurrent_partition_cursor import ConcurrentPerPartitionCursor
from airbyte_cdk.sources.types import Record

from source_facebook_ads.components.repeated_observations import RepeatedObservationsSkipped
from unit_tests.components.test_account_cursor_copies import sliced_cursors

DAYS = ["2026-01-02", "2026-01-02", "2026-01-03", "2026-01-02", "2026-01-02", "2026-01-05", "2026-01-05", None]


def observed(cursor, window, days):
    for day in days:
        cursor.observe(Record(data={"ad_id": "1", "date_start": day}, stream_name="ad_insights", associated_slice=window))
    inner = cursor._cursor_per_partition[cursor._to_partition_key(window.partition)]
    return cursor._new_global_cursor, dict(inner._most_recent_cursor_value_per_partition), inner._is_ascending_order


def test_an_insights_cursor_observes_a_day_repeated_in_its_window_once(monkeypatch) -> None:
    cursor, slices, _ = sliced_cursors(monkeypatch, "ad_insights")
    assert isinstance(cursor, RepeatedObservationsSkipped)
    calls = []
    cdk_observe = ConcurrentPerPartitionCursor.observe
    monkeypatch.setattr(ConcurrentPerPartitionCursor, "observe", lambda self, record: (calls.append(record), cdk_observe(self, record)))

    observed(cursor, slices[0], DAYS)

    assert [record["date_start"] for record in calls] == ["2026-01-02", "2026-01-03", "2026-01-02", "2026-01-05", None]


def test_the_cursors_end_as_the_cdk_observing_every_record_leaves_them(monkeypatch) -> None:
    ours, slices, _ = sliced_cursors(monkeypatch, "ad_insights")
    theirs, their_slices, _ = sliced_cursors(monkeypatch, "ad_insights")
    theirs.__class__ = ConcurrentPerPartitionCursor

    for window, their_window in zip(slices[:2], their_slices[:2]):
        # the other window is observed in between: its records do not skip this one's
        assert observed(ours, window, DAYS) == observed(theirs, their_window, DAYS)
        assert observed(ours, slices[0], DAYS[:1]) == observed(theirs, their_slices[0], DAYS[:1])
    assert ours.state == theirs.state
