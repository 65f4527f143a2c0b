"""The throttle pauses of one pacing key, bounded by the sync's throttle budget.

A throttle pauses the key for as long as Meta says (or a doubling default when it says nothing).
The pauses of one key add up to at most `max_throttle_wait_minutes` per sync; past it, the key's
requests fail with a transient_error. Called under the budget's lock (aimd_pacer.py), like AccountPace.
"""

from __future__ import annotations

import math
from typing import Optional

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.components.graph_error_classifier import GraphError
from source_facebook_ads.redaction import scrub

# Wait after a throttle when Meta states no time (no estimated_time_to_regain_access, reset_time_duration
# or Retry-After); doubled for each further throttle of the same key in a row.
THROTTLE_FALLBACK_WAIT_SECONDS = 60.0
# Cap of that doubling: a quarter hour, so a few unexplained throttles cannot eat the whole budget at once.
THROTTLE_FALLBACK_MAX_WAIT_SECONDS = 900.0
# Shortest pause after a throttle even when Meta says "0": retrying at once only earns another throttle.
THROTTLE_MIN_WAIT_SECONDS = 10.0
# A pacing wait longer than this is logged (why and how long); shorter waits are routine and silent.
LONG_WAIT_LOG_SECONDS = 10.0


class ThrottlePause:
    def __init__(self, key: str, who: str, budget_minutes: float) -> None:
        self.paused_until = -math.inf
        self.wait_spent = 0.0
        self._key = key
        self._who = who  # how a message names the key
        self._budget_minutes = budget_minutes
        self._budget_seconds = budget_minutes * 60
        self._cause = ""
        self._throttles_in_a_row = 0  # drives the fallback wait when Meta states none
        self._logged_pause_until = -math.inf
        self._budget_exhausted: Optional[tuple[str, str]] = None  # (message, internal message)

    def wait(self, now: float) -> Optional[tuple[float, Optional[str]]]:
        """The seconds left of the pause and a line to log (once per pause); None when not paused."""
        if self._budget_exhausted is not None:
            message, internal_message = self._budget_exhausted
            raise AirbyteTracedException(
                message=message, internal_message=internal_message, failure_type=FailureType.transient_error
            )
        if self.paused_until <= now:
            return None
        wait = self.paused_until - now
        log_line = None
        if wait > LONG_WAIT_LOG_SECONDS and self._logged_pause_until != self.paused_until:
            self._logged_pause_until = self.paused_until  # once per pause, not once per waiting thread
            log_line = (
                f"Pacing {self._key}: waiting {wait:.0f} s before its next request: {self._cause} "
                f"({self.wait_spent:.0f} of {self._budget_seconds:.0f} s of its throttle budget used)"
            )
        return wait, log_line

    def on_success(self) -> None:
        self._throttles_in_a_row = 0

    def planned_wait(self, throttle: GraphError, now: float) -> Optional[tuple[float, str]]:
        """How long this throttle pauses the key and why; None: the pause under way already covers it."""
        already_paused = self.paused_until > now
        if throttle.retry_after_seconds is not None:
            wait, source = throttle.retry_after_seconds, "the wait Meta stated"
        elif already_paused:
            return None  # the answer of a request sent before the pause began
        else:
            wait = min(THROTTLE_FALLBACK_MAX_WAIT_SECONDS, THROTTLE_FALLBACK_WAIT_SECONDS * 2**self._throttles_in_a_row)
            source = "a default wait, as Meta stated none"
        if not already_paused:
            self._throttles_in_a_row += 1
        return max(wait, THROTTLE_MIN_WAIT_SECONDS), source

    def extend(self, throttle: GraphError, wait: float, source: str, now: float) -> list[str]:
        """Pause the key until `now + wait`, within the budget; the lines to log."""
        extension = now + wait - max(self.paused_until, now)
        if extension <= 0:
            return []
        if self.wait_spent + extension > self._budget_seconds:
            self._budget_exhausted = self._budget_exhausted_messages(throttle, wait)
            return [f"Pacing {self._key}: {self._budget_exhausted[0]}"]
        self.wait_spent += extension
        self.paused_until = now + wait
        self._cause = f"{throttle.user_message} The pause is {wait:.0f} s, {source}"
        return [
            f"Pacing {self._key}: {throttle.user_message} Pausing its requests for {wait:.0f} s ({source}); "
            f"{self.wait_spent:.0f} of {self._budget_seconds:.0f} s of its throttle budget used."
        ]

    def _budget_exhausted_messages(self, throttle: GraphError, wait: float) -> tuple[str, str]:
        message = (
            f"Meta kept throttling {self._who} beyond this sync's throttle budget: waiting another {wait:.0f} s would "
            f"exceed max_throttle_wait_minutes={self._budget_minutes:g} ({self.wait_spent:.0f} s already "
            f"spent waiting); run the sync again later or raise max_throttle_wait_minutes."
        )
        return message, scrub(f"{message} Last throttle: {throttle.technical_detail}")
