"""Call budgets (Meta's per-account BUC limit and the app-wide limit) and the usage headers derived from them.

Meta counts every call of one app, whatever its account, user or connection, against the app's
limit; X-App-Usage reports that shared figure on the answers of every account, and past 100%
every call of the app fails with code 4 until the window lets calls out again.
"""

import collections
import dataclasses
import json
import math
import threading
import time

ACCESS_TIER = "standard_access"
APP_KEY = "app"  # the one key of the app-wide budget
# Without a budget the headers still report usage, against a budget so large that a
# connector reading them never slows down: 1000 calls/s over a 60 s window.
NOTIONAL_BUDGET = (60_000, 60.0)


@dataclasses.dataclass(frozen=True)
class Admission:
    allowed: bool
    used_pct: int            # share of the budget used, in percent (100+ when throttled)
    reset_seconds: float     # until the oldest counted call leaves the window (the throttle's end)


class CallBudgets:
    """Rolling-window call counters per ad account; a call over budget is refused, not counted."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._limits = {}        # account id or None (every account) -> (calls, window seconds)
        self._calls = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def set(self, calls, window_seconds=3600.0, account_id=None):
        with self._lock:
            if calls is None:
                self._limits.pop(account_id, None)
            else:
                self._limits[account_id] = (int(calls), float(window_seconds))

    def clear(self):
        with self._lock:
            self._limits.clear()
            self._calls.clear()

    def admit(self, account_id) -> Admission:
        return self._check(account_id, consume=True)

    def peek(self, account_id) -> Admission:
        return self._check(account_id, consume=False)

    def _check(self, account_id, consume):
        limit = self._limits.get(account_id) or self._limits.get(None)
        calls, window = limit or NOTIONAL_BUDGET
        now = self._clock()
        with self._lock:
            recent = self._calls[account_id]
            while recent and recent[0] <= now - window:
                recent.popleft()
            if consume and len(recent) >= calls:
                regain = recent[0] + window - now
                return Admission(False, math.ceil(100 * (len(recent) + 1) / calls), max(regain, 0.001))
            if consume:
                recent.append(now)
            reset = recent[0] + window - now if recent and limit else 0.0
            return Admission(True, math.floor(100 * len(recent) / calls), reset)


def usage_headers(numeric_account_id, call_type, admission: Admission, insights: bool,
                  regain_seconds: float = 0.0, app_pct: int = 0) -> dict:
    """Meta's usage headers for one account-scoped answer.

    `regain_seconds` > 0 marks a throttled answer: BUC carries it in whole minutes (0 under a
    minute), X-Ad-Account-Usage carries the true seconds, so a test's seconds-long window
    costs seconds, while a fault with `regain_minutes` still shows a wait of minutes.
    """
    pct = admission.used_pct
    regain_minutes = int(regain_seconds // 60) if regain_seconds > 0 else 0
    reset_seconds = math.ceil(regain_seconds if regain_seconds > 0 else admission.reset_seconds)
    buc = {numeric_account_id: [{
        "type": call_type,
        "call_count": pct,
        "total_cputime": pct * 2 // 3,
        "total_time": pct * 3 // 4,
        "estimated_time_to_regain_access": regain_minutes,
        "ads_api_access_tier": ACCESS_TIER,
    }]}
    headers = {
        "X-Business-Use-Case-Usage": _compact(buc),
        "X-Ad-Account-Usage": _compact({"acc_id_util_pct": float(pct), "reset_time_duration": reset_seconds,
                                        "ads_api_access_tier": ACCESS_TIER}),
        "X-App-Usage": app_usage_header(app_pct),
    }
    if insights:
        headers["x-fb-ads-insights-throttle"] = _compact(
            {"app_id_util_pct": float(min(app_pct, 100)), "acc_id_util_pct": float(pct),
             "ads_api_access_tier": ACCESS_TIER})
    return headers


def app_usage_header(pct: int) -> str:
    """The app-wide figure (the emulator serves one app): the same on the answers of every account."""
    pct = min(pct, 100)
    return _compact({"call_count": pct, "total_time": pct * 3 // 4, "total_cputime": pct * 2 // 3})


def _compact(value) -> str:
    return json.dumps(value, separators=(",", ":"))
