"""The user's config, made into the one the manifest reads.

`FacebookAdsConfig` is the one place for each key's type, default and error message; the spec in
manifest.yaml is what users see, and a test keeps the two in agreement. Normalising fills the
defaults, makes account ids, dates and base_url canonical, derives the days insights cover, and
refuses a value that would be unsafe or ambiguous with one config_error naming the key and the fix.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from typing import Any, Literal, Mapping, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from source_facebook_ads.config_dates import (
    GRAPH_DATETIME_FORMAT,
    insights_date_range,
    parse_config_datetime,
    refuse_future_start,
    today_utc,
)
from source_facebook_ads.config_file import config_error
from source_facebook_ads.graph_base_url import validate_base_url

_ACCOUNT_ID = re.compile(r"(?:act_)?([0-9]+)")  # ASCII digits: str.isdigit and \d accept `١٢٣`
_API_VERSION = re.compile(r"v[0-9]+\.[0-9]+")
_REPORT_NAME = re.compile(r"[a-z0-9_]{1,64}")
_TIME_INCREMENT = re.compile(r"[1-9]|[1-8][0-9]|90|monthly|all_days")
# Keys the connector adds itself; a config it is handed back (check's one-day probes) drops them.
DERIVED_KEYS = ("insights_since", "insights_until")
# A misspelling of one of these would silently sync more than asked (every account, all history).
NARROWING_KEYS = ("account_ids", "start_date", "end_date")
AttributionWindow = Literal["1d_click", "7d_click", "28d_click", "1d_view", "1d_ev", "dda", "default"]


class CustomInsightsReport(BaseModel):
    """One `custom_insights` entry: a stream `custom_insights_<name>`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str
    level: Literal["account", "campaign", "adset", "ad"]
    fields: list[str] = Field(min_length=1)
    breakdowns: list[str] = []
    action_breakdowns: list[str] = []
    time_increment: str = "1"
    start_date: Optional[str] = None
    insights_since: Optional[str] = None  # derived from start_date

    @field_validator("name")
    @classmethod
    def _name_makes_a_stream_name(cls, name: str) -> str:
        if not _REPORT_NAME.fullmatch(name):
            raise ValueError(f"custom_insights name '{name}' must be 1 to 64 lowercase letters, digits or underscores.")
        return name

    @field_validator("time_increment")
    @classmethod
    def _time_increment_is_meta_s(cls, value: str) -> str:
        if not _TIME_INCREMENT.fullmatch(value):
            raise ValueError(f"custom_insights time_increment '{value}' must be 1 to 90, monthly or all_days.")
        return value

    @field_validator("start_date")
    @classmethod
    def _start_date_is_a_day(cls, value: str) -> Optional[str]:
        if not value:
            return None
        if len(value) != 10:
            raise ValueError(f"custom_insights start_date '{value}' must be a day, YYYY-MM-DD (e.g. 2026-01-31).")
        parse_config_datetime("custom_insights start_date", value)
        return value


class FacebookAdsConfig(BaseModel):
    """The normalised config; field order is the order problems are reported in."""

    model_config = ConfigDict(extra="allow", strict=True)

    access_token: str
    account_ids: list[str] = []
    start_date: Optional[str] = None
    end_date: Optional[str] = None
    include_deleted: bool = False
    insights_fields: list[str] = []
    insights_breakdowns: list[str] = []
    insights_action_breakdowns: list[str] = ["action_type"]
    insights_attribution_windows: list[AttributionWindow] = []
    insights_window_days: int = Field(7, ge=1, le=90)
    insights_lookback_days: int = Field(28, ge=0, le=28)
    custom_insights: list[CustomInsightsReport] = []
    insights_job_mode: Literal["sync", "async"] = "sync"
    insights_job_timeout_minutes: int = Field(60, ge=1, le=1440)
    page_size: int = Field(500, ge=1, le=500)
    api_version: str = "v25.0"
    requests_per_second: float = Field(2, gt=0, le=50)
    max_throttle_wait_minutes: int = Field(60, ge=0, le=1440)
    base_url: str = "https://graph.facebook.com"
    request_timeout_seconds: int = Field(120, ge=5, le=600)
    # Derived: the days insights cover, as YYYY-MM-DD.
    insights_since: Optional[str] = None
    insights_until: Optional[str] = None

    @field_validator("access_token")
    @classmethod
    def _token_is_one_clean_line(cls, token: str) -> str:
        # A pasted trailing newline reached requests, whose error quoted the whole header (issue 9).
        # The messages never quote the value.
        token = token.strip()
        if not token:
            raise ValueError("access_token is empty or only whitespace: paste the System User token from Meta's Business Settings.")
        if not all("!" <= character <= "~" for character in token):
            raise ValueError(
                "access_token contains a line break, space, control character or non-ASCII character inside it: "
                "copy the token again from Meta's Business Settings and paste only the token."
            )
        return token

    @field_validator("account_ids")
    @classmethod
    def _account_ids_are_digits(cls, account_ids: list[str]) -> list[str]:
        """`act_123` and `123` name the same account: keep the digits, in order, once each."""
        return normalize_account_ids(account_ids)

    @field_validator("start_date", "end_date")
    @classmethod
    def _dates_in_graph_format(cls, value: str, info: ValidationInfo) -> Optional[str]:
        if not value:
            return None
        return parse_config_datetime(str(info.field_name), value).strftime(GRAPH_DATETIME_FORMAT)

    @field_validator("api_version")
    @classmethod
    def _api_version_shape(cls, value: str) -> str:
        if not _API_VERSION.fullmatch(value):
            raise ValueError(f"api_version '{value}' must look like v25.0 (a 'v', then Meta's version number).")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url_reaches_meta_or_loopback(cls, value: str) -> str:
        return validate_base_url(value)

    @model_validator(mode="after")
    def _check_dates_and_derive_insights_days(self, info: ValidationInfo) -> "FacebookAdsConfig":
        context = info.context or {}
        today: date = context.get("today") or today_utc()
        warnings: list[str] = context.setdefault("warnings", [])
        # Checked before the insights range, whose own error is about Meta's retention, not this mistake.
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError(
                f"end_date ({self.end_date[:10]}) is before start_date ({self.start_date[:10]}): "
                "set end_date on or after start_date, or leave it empty for today."
            )
        if self.start_date:
            refuse_future_start("start_date", date.fromisoformat(self.start_date[:10]), today)
        if self.end_date and self.end_date[:10] > today.isoformat():
            warnings.append(
                f"end_date {self.end_date[:10]} is after today ({today} in UTC): insights are read up to today, "
                "as with an empty end_date."
            )
        self.insights_since, self.insights_until = insights_date_range(self.start_date, self.end_date, today)
        names = [report.name for report in self.custom_insights]
        for report in self.custom_insights:
            if names.count(report.name) > 1:
                raise ValueError(
                    f"custom_insights has {names.count(report.name)} reports named '{report.name}': each name "
                    f"becomes the stream custom_insights_{report.name}, so give each report its own name."
                )
            if report.start_date:
                setting = f"custom_insights '{report.name}' start_date"
                refuse_future_start(setting, date.fromisoformat(report.start_date), today)
                if self.end_date and self.end_date[:10] < report.start_date:
                    raise ValueError(f"{setting} ({report.start_date}) is after end_date ({self.end_date[:10]}): set it on or before end_date.")
                report.insights_since, _ = insights_date_range(report.start_date, self.end_date, today)
        return self


def normalize_config(raw: Mapping[str, Any], today: Optional[date] = None) -> tuple[dict[str, Any], list[str]]:
    """The config the manifest reads, and warnings for the log; a refused config raises a config_error."""
    given = {key: value for key, value in raw.items() if key not in DERIVED_KEYS}
    warnings = _unknown_key_warnings(given)
    nulls = [key for key, value in given.items() if value is None and key in FacebookAdsConfig.model_fields]
    if nulls:
        raise config_error(" ".join(f"'{key}' is null: remove it to use the default, or give it a value." for key in nulls))
    if isinstance(given.get("custom_insights"), list):
        given["custom_insights"] = [
            {k: v for k, v in report.items() if k != "insights_since"} if isinstance(report, dict) else report
            for report in given["custom_insights"]
        ]
    context: dict[str, Any] = {"today": today, "warnings": warnings}
    try:
        config = FacebookAdsConfig.model_validate(given, context=context)
    except ValidationError as error:
        raise config_error(_describe(error)) from None
    return config.model_dump(exclude_none=True), warnings


def normalize_account_ids(account_ids: list[str]) -> list[str]:
    normalized: list[str] = []
    for value in account_ids:
        match = _ACCOUNT_ID.fullmatch(value.strip())
        if not match:
            raise ValueError(
                f"account_ids: '{value}' is not an ad account id. Use the number Ads Manager shows "
                "(e.g. act_1234567890 or 1234567890), or leave account_ids empty to sync every "
                "account the token can see."
            )
        if match.group(1) not in normalized:
            normalized.append(match.group(1))
    return normalized


def _unknown_key_warnings(given: Mapping[str, Any]) -> list[str]:
    """A warning per unknown key, naming the closest known one; a config_error where guessing is unsafe."""
    known = [key for key in FacebookAdsConfig.model_fields if key not in DERIVED_KEYS]
    warnings: list[str] = []
    for key in given:
        if key in known or key.startswith("_"):  # the CDK's own: `__injected_declarative_manifest`, `_limit`, ...
            continue
        closest = next(iter(difflib.get_close_matches(key, known, n=1, cutoff=0.75)), None)
        if closest in NARROWING_KEYS and not given.get(closest):  # absent or empty: narrows nothing
            raise config_error(
                f"Unknown config key '{key}': did you mean '{closest}'? Without '{closest}' the sync would "
                f"read more than you asked for; rename the key to '{closest}' (or remove it)."
            )
        hint = f" (did you mean '{closest}'?)" if closest else ""
        warnings.append(f"Unknown config key '{key}' is ignored{hint}.")
    return warnings


def _describe(error: ValidationError) -> str:
    """One message for every problem pydantic found, each naming its key; never the value of access_token."""
    problems = [_describe_one(item) for item in error.errors(include_input=False, include_url=False)]
    shown = problems[:3] + ([f"({len(problems) - 3} more problems.)"] if len(problems) > 3 else [])
    return " ".join(shown)


def _describe_one(item: Mapping[str, Any]) -> str:
    where = ".".join(str(part) for part in item["loc"]) or "config"
    if item["type"] == "value_error":
        return str(item["ctx"]["error"])  # our own message: it names the key and the fix
    if item["type"] == "missing":
        return f"'{where}' is required: add it to the connector configuration."
    if item["type"] == "extra_forbidden":
        known = list(CustomInsightsReport.model_fields)
        closest = next(iter(difflib.get_close_matches(str(item["loc"][-1]), known, n=1)), None)
        hint = f" (did you mean '{closest}'?)" if closest else ""
        return f"'{where}' is not a setting of a custom insights report{hint}; its settings are {', '.join(known[:-1])}."
    return f"Invalid value for '{where}': {item['msg']}. Fix it in the connector configuration."
