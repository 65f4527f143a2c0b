"""The pace of one pacing key (an ad account, or the app-level key): additive increase, multiplicative
decrease (AIMD) driven by Meta's usage headers, a slow-start ramp, and the throttle pauses.

Each pace starts with a ramp: it doubles every second while usage stays near zero, and the first
real use ends the ramp for the sync. After it, the pace grows by a step while the usage headers
show headroom and is cut when usage crosses the high-water mark or Meta throttles; a throttle also
pauses the key (throttle_pause.py). The budget (aimd_pacer.py) holds one AccountPace per key and
calls every method under its lock, so none of them locks.
"""

from __future__ import annotations

import math
from typing import Optional

from source_facebook_ads.components.api_usage import PaceIncreaseSummary
from source_facebook_ads.components.graph_error_classifier import GraphError
from source_facebook_ads.components.throttle_pause import LONG_WAIT_LOG_SECONDS, ThrottlePause
from source_facebook_ads.components.usage_headers import UsageFigure

# Rates are requests per second per key; usage figures are Meta's percents (throttling starts at 100).

# Lowest pace: 180 calls/hour, under the smallest hourly BUC budget (300), so a cut never stalls a sync.
RATE_FLOOR_PER_SECOND = 0.05
# Highest pace the additive increase may reach (a configured initial rate above it becomes the ceiling).
RATE_CEILING_PER_SECOND = 10.0
# Additive increase per step: small next to a tight budget (about 1/s), so the pace creeps up to the
# budget instead of jumping past it; with INCREASE_INTERVAL_SECONDS, 2/s to 10/s takes ~7 minutes.
RATE_INCREASE_STEP_PER_SECOND = 0.1
# At most one increase per key in this many seconds: Meta's usage is a rolling window and lags our pace.
INCREASE_INTERVAL_SECONDS = 5.0
# Slow start (as TCP's): while every usage figure of a key is under this percent, its pace
# multiplies instead of creeping. Meta budgets are hourly and large (hundreds to thousands of calls
# per account), so a few seconds of calls leave usage at 0%; a budget of under 100 calls per window
# shows 1% after its first call and is never ramped (at 5%, the 60-calls-a-minute benchmark budget
# was ramped for a second, and its wall time went from 1.14x to 1.23x of the bound). The first
# reading at or above it ends the ramp and takes back the last multiplication (the pace before it
# had shown headroom).
SLOW_START_EXIT_PERCENT = 1.0
# Slow start's factor and spacing: 2/s reaches the ceiling (10/s) in three steps, about 3 s.
SLOW_START_FACTOR = 2.0
SLOW_START_INTERVAL_SECONDS = 1.0
# Cut when usage crosses the high-water mark: gentle, as a pace near the budget is the goal (with
# LOW_WATER_PERCENT, the pace settles between about 0.8 and 0.9 of the budget).
USAGE_DECREASE_FACTOR = 0.9
# Cut when Meta throttles: the pace was over budget, so halve it.
THROTTLE_DECREASE_FACTOR = 0.5
# At most one decrease per key in this many seconds: the answers of requests already in flight report
# the same high usage (or the same throttle), and must not each cut the pace again.
DECREASE_COOLDOWN_SECONDS = 5.0
# Usage at or above which the pace is cut. Cruising just under it uses ~90% of the budget (the
# benchmark's wall time within 1.2x of the budget's bound) while keeping a margin before 100.
HIGH_WATER_PERCENT = 90.0
# Usage at or below which the pace may grow; between the marks the pace holds.
LOW_WATER_PERCENT = 85.0
# Usage climbing fast enough to reach 100% within this many seconds is cut before the high-water
# mark: in a budget's first window usage climbs at any pace, and a pace above the budget would
# otherwise only be noticed at 90%, a few calls before the throttle.
EXHAUSTION_HORIZON_SECONDS = 30.0
# The pace does not grow while usage would reach 100% within this many seconds at its climb.
INCREASE_HORIZON_SECONDS = 120.0
# The climb is measured between readings at least this far apart (figures are whole percents).
USAGE_SLOPE_SAMPLE_SECONDS = 5.0
# Slot waits above LONG_WAIT_LOG_SECONDS are logged at most once per key in this many seconds.
LONG_WAIT_LOG_INTERVAL_SECONDS = 60.0


class AccountPace:
    def __init__(
        self, key: str, rate: float, ceiling: float, pause: ThrottlePause, increases: PaceIncreaseSummary
    ) -> None:
        self.key = key
        self.rate = rate
        self.pause = pause
        self._ceiling = ceiling
        self._increases = increases
        self._last_send = -math.inf  # when the last request of this key was let through
        self._last_increase = -math.inf
        self._last_decrease = -math.inf
        self._last_throttle_cut = -math.inf
        self._percent_at_last_cut = 0.0  # usage when the pace was last cut (100 after a throttle)
        self._slope_anchor: Optional[tuple[float, float]] = None  # (time, percent) the climb is measured from
        self._usage_slope = 0.0  # percent per second over the last sample
        self._last_slot_wait_log = -math.inf
        self._slow_start = True  # multiplying while usage shows real headroom; over at the first sign of use
        self._rate_before_ramp_step: Optional[float] = None  # the pace before the last multiplication

    def wait_before_dispatch(self, now: float) -> tuple[float, Optional[str]]:
        """Seconds the caller must still wait (0: it may send now, and its send is recorded), and a line to log.

        Nothing is reserved while waiting: a key's next request may go one interval, at the key's
        current rate, after its last one, so a pace change applies at once to every request queued
        for the key (slots reserved in advance would keep the old, slower spacing). Waiting threads
        wake at that time and the first to take the lock sends; the others wait one more interval.
        """
        paused = self.pause.wait(now)  # raises once the throttle budget ran out
        if paused is not None:
            return paused
        interval = 1.0 / self.rate
        next_allowed = self._last_send + interval
        if now >= next_allowed:
            # On schedule, the send counts from its due time (sleep latency must not slow the pace);
            # after an idle spell it counts from now (an idle key earns no burst).
            self._last_send = next_allowed if now - next_allowed < interval else now
            return 0.0, None
        wait = next_allowed - now
        log_line = None
        if wait > LONG_WAIT_LOG_SECONDS and now - self._last_slot_wait_log >= LONG_WAIT_LOG_INTERVAL_SECONDS:
            self._last_slot_wait_log = now
            log_line = f"Pacing {self.key}: waiting {wait:.0f} s for its next request slot; it is paced at {self.rate:.2f} requests/s."
        return wait, log_line

    def on_usage(self, governing: Optional[UsageFigure], app: Optional[UsageFigure], now: float) -> list[str]:
        """Grow or cut the pace from an answer's usage figures: `governing` is the key's own (the app-wide
        figure for the app key), which alone may justify growth; the app-wide figure can only slow it down."""
        known = [figure for figure in (governing, app) if figure is not None]
        if not known:
            return []  # a missing header is unknown: it never justifies growth
        peak = max(known, key=lambda figure: figure.percent)
        ramp_lines = self._ramp(governing, peak, now) if self._slow_start else []
        if self._slow_start:
            return ramp_lines
        return ramp_lines + self._additive_increase_multiplicative_decrease(governing, peak, now)

    def on_throttle(self, throttle: GraphError, now: float) -> list[str]:
        """Halve the pace and pause the key (unless the pause under way already covers this answer)."""
        planned = self.pause.planned_wait(throttle, now)
        if planned is None:
            return []
        self._percent_at_last_cut = 100.0
        cut = self._decrease(now, f"Meta throttled it: {throttle.user_message}", THROTTLE_DECREASE_FACTOR, throttled=True)
        return cut + self.pause.extend(throttle, *planned, now)

    def _ramp(self, governing: Optional[UsageFigure], peak: UsageFigure, now: float) -> list[str]:
        """Double the pace every second while usage stays near zero; at the first real use, end the ramp."""
        if peak.percent >= SLOW_START_EXIT_PERCENT:
            self._slow_start = False
            if self._rate_before_ramp_step is None or self.rate <= self._rate_before_ramp_step:
                return []
            old, self.rate = self.rate, self._rate_before_ramp_step
            self._last_increase = now  # no additive step right away; a usage cut may still follow
            cause = f"usage {peak}: the ramp ends; back to the last pace that showed headroom"
            return [*self._increases.flush_key(self.key, now), self._change_line(old, cause)]
        if governing is None or now - self._last_increase < SLOW_START_INTERVAL_SECONDS or self.rate >= self._ceiling:
            return []  # unknown own usage never justifies growth
        old = self._rate_before_ramp_step = self.rate
        self.rate = min(self._ceiling, self.rate * SLOW_START_FACTOR)
        self._last_increase = now
        cause = f"usage {peak}, under {SLOW_START_EXIT_PERCENT:g}%: ramping up"
        return self._increases.on_increase(self.key, old, self.rate, cause, now)

    def _additive_increase_multiplicative_decrease(
        self, governing: Optional[UsageFigure], peak: UsageFigure, now: float
    ) -> list[str]:
        seconds_to_full = self._seconds_to_full(peak.percent, now)
        if seconds_to_full < EXHAUSTION_HORIZON_SECONDS and peak.percent < HIGH_WATER_PERCENT:
            # Climbing fast enough to reach 100% before the usage marks would react (the first
            # window of a budget smaller than our pace): slow down now instead of meeting a throttle.
            cause = f"usage {peak}, climbing to 100% in {seconds_to_full:.0f} s"
            return self._decrease(now, cause, USAGE_DECREASE_FACTOR)
        if peak.percent >= HIGH_WATER_PERCENT:
            # Usage is a rolling window: after a cut (or a throttle) it stays high for a while as
            # older calls age out. Falling below its level at the last cut means the cut works.
            if peak.percent < self._percent_at_last_cut:
                return []
            log_lines = self._decrease(now, f"usage {peak}", USAGE_DECREASE_FACTOR)
            if log_lines:
                self._percent_at_last_cut = peak.percent
            return log_lines
        self._percent_at_last_cut = 0.0  # drained below the mark: a new climb may be cut again
        if governing is not None and governing.percent <= LOW_WATER_PERCENT:
            # Usage read during or just after a throttle pause is low only because nothing was sent.
            since_last_change = now - max(self._last_increase, self._last_decrease, self.pause.paused_until)
            climbing = seconds_to_full < INCREASE_HORIZON_SECONDS
            if since_last_change >= INCREASE_INTERVAL_SECONDS and self.rate < self._ceiling and not climbing:
                old = self.rate
                self.rate = min(self._ceiling, self.rate + RATE_INCREASE_STEP_PER_SECOND)
                self._last_increase = now
                cause = f"usage {peak}, at or under {LOW_WATER_PERCENT:g}%"
                return self._increases.on_increase(self.key, old, self.rate, cause, now)
        return []

    def _seconds_to_full(self, percent: float, now: float) -> float:
        """Seconds until usage reaches 100% at its recent climb (inf when flat, falling or unknown).

        The climb is measured between readings at least USAGE_SLOPE_SAMPLE_SECONDS apart, so the
        whole-percent steps of Meta's figures and answers arriving out of order do not read as a trend.
        """
        if self._slope_anchor is None:
            self._slope_anchor = (now, percent)
            return math.inf
        anchor_time, anchor_percent = self._slope_anchor
        if now - anchor_time >= USAGE_SLOPE_SAMPLE_SECONDS:
            self._usage_slope = (percent - anchor_percent) / (now - anchor_time)
            self._slope_anchor = (now, percent)
        if self._usage_slope <= 0:
            return math.inf
        return max(0.0, 100.0 - percent) / self._usage_slope

    def _decrease(self, now: float, cause: str, factor: float, throttled: bool = False) -> list[str]:
        # A throttle proves the pace was over budget even right after a gentle usage cut, so it has
        # a cooldown of its own (which absorbs the other in-flight answers of the same throttle).
        self._slow_start = False  # any cut, even one absorbed by the cooldown, says the headroom is gone
        last_cut = self._last_throttle_cut if throttled else self._last_decrease
        if now - last_cut < DECREASE_COOLDOWN_SECONDS or self.rate <= RATE_FLOOR_PER_SECOND:
            return []
        old = self.rate
        self.rate = max(RATE_FLOOR_PER_SECOND, self.rate * factor)
        self._last_decrease = now
        if throttled:
            self._last_throttle_cut = now
        return [*self._increases.flush_key(self.key, now), self._change_line(old, cause)]

    def _change_line(self, old: float, cause: str) -> str:
        return f"Pacing {self.key}: {old:.2f} -> {self.rate:.2f} requests/s ({cause})."
