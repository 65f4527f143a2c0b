"""Warnings for insights settings Meta answers with missing data instead of an error.

- Since 2025-06-10 a sync insights request with breakdowns whose start is more than 13 months back
  leaves out reach, frequency and cpp; report runs (async) keep them for 10 such requests per ad
  account and day (header x-Fb-Ads-Insights-Reach-Throttle), then leave them out as well
  (developers.facebook.com/docs/marketing-api/insights/best-practices).
- Since 2026-08-03 the breakdowns below need an opt-in for accounts without sales support; without
  it Meta may answer no rows at all.

`check` logs these warnings and `read` emits them before its first record: one per configured
report, naming the setting to change.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from source_facebook_ads.stream_shaping import InsightsReport, level_reports

REACH_FIELDS = ("reach", "frequency", "cpp")
REACH_MONTHS_BACK = 13
OPT_IN_BREAKDOWNS = ("impression_device", "frequency_value", "hourly_stats_aggregated_by_audience_time_zone")


def silent_null_warnings(config: Mapping[str, Any], today: date) -> list[str]:
    """One sentence per configured insights report that Meta may answer with nulls or no rows."""
    # (setting to name, requested fields, breakdowns, first day)
    reports: list[tuple[str, set[str], list[str], str]] = []
    if config.get("insights_breakdowns"):
        # The four built-in streams share the breakdowns and start: one warning covers them.
        built_in = level_reports(config)
        fields = {field for report in built_in for field in report.fields}
        reports.append((f"insights_breakdowns {list(config['insights_breakdowns'])}", fields, built_in[0].breakdowns, built_in[0].since))
    for entry in config.get("custom_insights") or []:
        if entry.get("breakdowns"):
            report = InsightsReport.custom(entry, config)
            reports.append((f"custom_insights entry '{entry['name']}'", set(report.fields), report.breakdowns, report.since))
    cutoff = _months_before(today, REACH_MONTHS_BACK)
    warnings: list[str] = []
    for setting, fields, breakdowns, since in reports:
        reach_fields = [field for field in REACH_FIELDS if field in fields]
        if reach_fields and date.fromisoformat(since) < cutoff:
            warnings.append(
                f"{setting}: Meta leaves {', '.join(reach_fields)} out of insights with breakdowns for any request "
                f"starting before {cutoff.isoformat()} (more than 13 months back), without an error: those columns "
                f"will be null for the windows that start then. insights_job_mode async keeps them for 10 such "
                f"requests per ad account and day; or move the start date to {cutoff.isoformat()} or later."
            )
        opt_in = [breakdown for breakdown in breakdowns if breakdown in OPT_IN_BREAKDOWNS]
        if opt_in:
            warnings.append(
                f"{setting}: since 2026-08-03 Meta answers the breakdowns {', '.join(opt_in)} only for ad accounts "
                f"that opted in (or have sales support); for others it may return no rows at all, without an error."
            )
    return warnings


def _months_before(day: date, months: int) -> date:
    """The same day `months` earlier, on the month's last day where that month is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    return date(year, month + 1, 28)
