"""Every number that decides how fast we call Meta, how long we wait and how often we retry.

One place, one sentence each, so a reader tuning the connector never hunts through the code.
Rates are requests per second per pacing key (one ad account, or the app-level key shared by
requests that name no account). Usage figures are Meta's percents (throttling starts at 100).
"""

from __future__ import annotations

# --- Pace (AIMD per ad account) -----------------------------------------------------------------

# Initial pace when the config has no `requests_per_second`; slow enough for a Standard-tier
# account (ads_management: 300 + 40 x active ads calls per hour) to notice before it is throttled.
DEFAULT_REQUESTS_PER_SECOND = 2.0

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
# reading at or above it ends the ramp for the sync and takes back the last multiplication (the
# pace before it had shown headroom).
SLOW_START_EXIT_PERCENT = 1.0

# Slow start's factor and spacing: 2/s reaches the ceiling (10/s) in three steps, about 3 s.
SLOW_START_FACTOR = 2.0
SLOW_START_INTERVAL_SECONDS = 1.0

# Multiplicative decrease when usage crosses the high-water mark: gentle, because a pace near the
# budget is the goal and usage above the mark only says we are close to it (with LOW_WATER_PERCENT,
# the pace settles between about 0.8 and 0.9 of the budget).
USAGE_DECREASE_FACTOR = 0.9

# Multiplicative decrease when Meta throttles: the pace was over budget, so halve it.
THROTTLE_DECREASE_FACTOR = 0.5

# At most one decrease per key in this many seconds: the responses of requests already in flight report
# the same high usage (or the same throttle), and must not each cut the pace again.
DECREASE_COOLDOWN_SECONDS = 5.0

# Usage (percent) at or above which the pace is cut. Cruising just under it uses ~90% of the budget
# (the benchmark's wall time within 1.2x of the budget's bound) while keeping a margin before 100.
HIGH_WATER_PERCENT = 90.0

# Usage (percent) at or below which the pace may grow; between the marks the pace holds. A narrow
# band keeps the pace close to the budget; the climb check below keeps it from overshooting.
LOW_WATER_PERCENT = 85.0

# Usage climbing fast enough to reach 100% within this many seconds is cut before it reaches the
# high-water mark: in a budget's first window usage climbs at any pace, and a pace above the budget
# would otherwise only be noticed at 90%, a few calls before the throttle.
EXHAUSTION_HORIZON_SECONDS = 30.0

# The pace does not grow while usage would reach 100% within this many seconds at its climb.
INCREASE_HORIZON_SECONDS = 120.0

# The climb of usage is measured between readings at least this far apart (figures are whole percents).
USAGE_SLOPE_SAMPLE_SECONDS = 5.0

# --- Throttle waits -----------------------------------------------------------------------------

# Wait after a throttle when Meta states no time (no estimated_time_to_regain_access, reset_time_duration
# or Retry-After); doubled for each further throttle of the same key in a row.
THROTTLE_FALLBACK_WAIT_SECONDS = 60.0

# Cap of that doubling: a quarter hour, so a few unexplained throttles cannot eat the whole budget at once.
THROTTLE_FALLBACK_MAX_WAIT_SECONDS = 900.0

# Shortest pause after a throttle even when Meta says "0": retrying at once only earns another throttle.
THROTTLE_MIN_WAIT_SECONDS = 10.0

# Wait for code 368 ("temporarily blocked for policy") when Meta states no time: Meta asks for a long back-off.
POLICY_BLOCK_WAIT_SECONDS = 900.0

# Default of config `max_throttle_wait_minutes`: total throttle pause one key may accumulate in a sync.
DEFAULT_MAX_THROTTLE_WAIT_MINUTES = 60

# A waiting request looks at its key again at least this often, so a change of pace (or a pause, or a
# failure that makes it futile) reaches requests that were already waiting.
SLOT_RECHECK_SECONDS = 1.0

# A pacing wait longer than this is logged (why and how long); shorter waits are routine and silent.
LONG_WAIT_LOG_SECONDS = 10.0

# Slot waits above LONG_WAIT_LOG_SECONDS are logged at most once per key in this many seconds.
LONG_WAIT_LOG_INTERVAL_SECONDS = 60.0

# --- Transient retries --------------------------------------------------------------------------

# Retries of one request after temporary errors (code 1/2, is_transient, 5xx, timeouts, bad bodies).
MAX_TRANSIENT_RETRIES = 5

# First transient backoff; doubles per retry (2, 4, 8, 16, 32 s before jitter, ~1 minute in total).
TRANSIENT_BACKOFF_BASE_SECONDS = 2.0

# Cap of one transient backoff.
TRANSIENT_BACKOFF_MAX_SECONDS = 60.0

# Each transient backoff is scaled by a random factor in [this, 1] so parallel partitions spread out.
TRANSIENT_BACKOFF_MIN_JITTER = 0.5

# Backoff we hand the CDK for a throttle when the pacer does the real wait in acquire_call (the CDK adds
# 1 s of its own); the wait must be positive or the CDK falls back to its own unbounded exponential loop.
PACED_THROTTLE_RETRY_SECONDS = 0.01

# The CDK counts throttle and transient retries in one loop (HttpClient's user-defined backoff handler),
# so it is given a ceiling it never reaches; the real bounds are MAX_TRANSIENT_RETRIES and the throttle budget.
CDK_RETRY_CEILING = 1000

# Added to the throttle budget to give the CDK's per-request max_time: one request may also wait for its
# pace slots and sit through six read timeouts and their backoffs before its retries are over.
CDK_MAX_TIME_MARGIN_SECONDS = 3600

# --- Shrinking a request that asks for too much data --------------------------------------------

# Smallest `limit` the page size reduction goes down to (Meta's own default page size): a page of 25
# objects that is still "too much data" means the requested fields are the problem. Keep equal to the
# manifest's `page_size_reduction.minimum_page_size`.
MIN_PAGE_SIZE = 25

# Smallest insights window (days) the window split goes down to; keep equal to `cursor_granularity`.
MIN_INSIGHTS_WINDOW_DAYS = 1
