"""States as windows close, so a killed sync re-reads little, in output that grows linearly with accounts.

Every incremental stream here keeps its state per ad account, in the CDK's
ConcurrentPerPartitionCursor. That cursor writes a state message at most once every 600 s
(`_throttle_state_message`, with no setting to change it): a sync killed at 97% of a 70-day insights
read re-read all 70 days. The state it would have written is correct after each window (it only ever
covers the windows closed without a gap), it is just not written.

A state message holds one entry per ad account, so one per closed window made the output
O(windows x accounts), quadratic in accounts: 802 states, 14.7 MB of the 40 MB printed at 200. So a
state goes out once the windows closed since the last one reach a tenth of the accounts in the state:
at most ENTRIES_PER_CLOSED_WINDOW entries printed per closed window, however many accounts. Up to 10
accounts that is every window. Beyond, a killed sync re-reads, besides what was in flight, the windows
closed since the last state: fewer than a tenth of the accounts' count (19 at 200 accounts), all
closed within MAX_SECONDS_WITHOUT_STATE of that state. The CDK still writes one unthrottled state
when each stream ends, failed or not.
"""

from __future__ import annotations

import time
from typing import Optional

from source_facebook_ads.components.repeated_observations import RepeatedObservationsSkipped

# Account entries printed per closed window, at most: 10 keeps every window's state up to 10 accounts.
ENTRIES_PER_CLOSED_WINDOW = 10
# However many accounts, a window closing this long after the last state writes the next one.
MAX_SECONDS_WITHOUT_STATE = 60.0


class WindowCheckpointCursor(RepeatedObservationsSkipped):
    """The CDK's per-account cursor, writing its state after every `accounts / 10` closed windows (partitions)."""

    # A class default: the factory turns the CDK's cursor into this class after its __init__ has run.
    _windows_closed_since_state = 0

    def _throttle_state_message(self) -> Optional[float]:
        # The CDK asks this, under its lock, once per closed window and nowhere else.
        self._windows_closed_since_state += 1
        now = time.time()
        entries = len(self._cursor_per_partition)
        if (
            self._windows_closed_since_state * ENTRIES_PER_CLOSED_WINDOW < entries
            and now - self._last_emission_time < MAX_SECONDS_WITHOUT_STATE
        ):
            return None  # too soon
        self._windows_closed_since_state = 0
        return now
