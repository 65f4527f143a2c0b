"""Meta's four usage headers, read into one small report per response.

Meta sends (any may be absent; absent means *unknown*, never 0%):
- X-Business-Use-Case-Usage: {"<business object id>": [{type, call_count, total_cputime, total_time,
  estimated_time_to_regain_access (minutes)}, ...], ...}, usually keyed by the ad account id.
- X-Ad-Account-Usage: {acc_id_util_pct, reset_time_duration (seconds)}.
- X-App-Usage: {call_count, total_time, total_cputime}, app-wide.
- x-fb-ads-insights-throttle: {app_id_util_pct, acc_id_util_pct}, on every insights call.
Only headers are read here, never bodies: this runs after every response, and a 200 body is big.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional

from requests.structures import CaseInsensitiveDict

BUSINESS_USE_CASE_HEADER = "X-Business-Use-Case-Usage"
AD_ACCOUNT_HEADER = "X-Ad-Account-Usage"
APP_HEADER = "X-App-Usage"
INSIGHTS_THROTTLE_HEADER = "x-fb-ads-insights-throttle"
RETRY_AFTER_HEADER = "Retry-After"

_BUC_PERCENT_FIELDS = ("call_count", "total_cputime", "total_time")
_APP_PERCENT_FIELDS = ("call_count", "total_cputime", "total_time")


@dataclass(frozen=True)
class UsageFigure:
    """One percent Meta reported, with where it came from (for the log line that explains a pace change)."""

    source: str
    percent: float

    def __str__(self) -> str:
        return f"{self.source} {self.percent:g}%"


@dataclass(frozen=True)
class UsageReport:
    """The highest account-level and app-level figures of one response, and Meta's stated wait.

    `account` covers X-Business-Use-Case-Usage, X-Ad-Account-Usage and the insights header's
    acc_id_util_pct; `app` covers X-App-Usage and the insights header's app_id_util_pct. None means
    no such header came (unknown).
    """

    account: Optional[UsageFigure] = None
    app: Optional[UsageFigure] = None
    # Longest wait Meta stated, in seconds (estimated_time_to_regain_access, reset_time_duration,
    # Retry-After); None when Meta stated none. Only meaningful on a throttle.
    regain_access_seconds: Optional[float] = None
    # The highest percent of each header that came, by header name (the sync's usage summary).
    peak_percent_by_header: Mapping[str, float] = field(default_factory=dict)


UNKNOWN_USAGE = UsageReport()


def read_usage(headers: Mapping[str, str], account_id: Optional[str]) -> UsageReport:
    """Read the usage headers of one response.

    `account_id` (digits, no act_) picks that account's X-Business-Use-Case-Usage entry; when the
    header has no entry for it (or the request names no account) every entry counts, which errs
    on the side of slowing down.
    """
    if not isinstance(headers, CaseInsensitiveDict):
        headers = CaseInsensitiveDict(headers)
    account_figures: list[UsageFigure] = []
    app_figures: list[UsageFigure] = []
    waits: list[float] = []

    buc = _json_object(headers.get(BUSINESS_USE_CASE_HEADER))
    if buc is not None:
        for entry in _business_use_case_entries(buc, account_id):
            use_case = entry.get("type") or "unknown type"
            for field in _BUC_PERCENT_FIELDS:
                _add(account_figures, f"{BUSINESS_USE_CASE_HEADER} {use_case} {field}", entry.get(field))
            regain_minutes = _number(entry.get("estimated_time_to_regain_access"))
            if regain_minutes is not None:
                waits.append(regain_minutes * 60)

    ad_account = _json_object(headers.get(AD_ACCOUNT_HEADER))
    if ad_account is not None:
        _add(account_figures, f"{AD_ACCOUNT_HEADER} acc_id_util_pct", ad_account.get("acc_id_util_pct"))
        reset_seconds = _number(ad_account.get("reset_time_duration"))
        if reset_seconds is not None:
            waits.append(reset_seconds)

    app = _json_object(headers.get(APP_HEADER))
    if app is not None:
        for field in _APP_PERCENT_FIELDS:
            _add(app_figures, f"{APP_HEADER} {field}", app.get(field))

    insights = _json_object(headers.get(INSIGHTS_THROTTLE_HEADER))
    if insights is not None:
        _add(account_figures, f"{INSIGHTS_THROTTLE_HEADER} acc_id_util_pct", insights.get("acc_id_util_pct"))
        _add(app_figures, f"{INSIGHTS_THROTTLE_HEADER} app_id_util_pct", insights.get("app_id_util_pct"))

    # Proxies (and perhaps future Graph versions) answer 429 with a standard Retry-After in seconds.
    retry_after = _number(headers.get(RETRY_AFTER_HEADER))
    if retry_after is not None:
        waits.append(retry_after)

    stated_waits = [wait for wait in waits if wait > 0]
    peaks: dict[str, float] = {}
    for figure in (*account_figures, *app_figures):
        header = figure.source.split(" ", 1)[0]
        peaks[header] = max(peaks.get(header, figure.percent), figure.percent)
    return UsageReport(
        account=_highest(account_figures),
        app=_highest(app_figures),
        # The longest stated wait: one pace per account covers every use case, so resuming when the
        # shortest one ends would only earn another throttle.
        regain_access_seconds=max(stated_waits) if stated_waits else None,
        peak_percent_by_header=peaks,
    )


def _business_use_case_entries(buc: Mapping[str, Any], account_id: Optional[str]) -> Iterable[Mapping[str, Any]]:
    selected = [buc[account_id]] if account_id and account_id in buc else list(buc.values())
    for value in selected:
        # Documented as a list of entries; accept a lone object too (parse defensively).
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, Mapping):
                yield entry


def _json_object(raw: Optional[str]) -> Optional[Mapping[str, Any]]:
    if not raw:
        return None
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None  # a garbled header tells us nothing: unknown, like a missing one
    return parsed if isinstance(parsed, Mapping) else None


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _add(figures: list[UsageFigure], source: str, value: Any) -> None:
    percent = _number(value)
    if percent is not None:
        figures.append(UsageFigure(source, percent))


def _highest(figures: list[UsageFigure]) -> Optional[UsageFigure]:
    return max(figures, key=lambda figure: figure.percent) if figures else None
