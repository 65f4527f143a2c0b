"""The user's config, made into the one the manifest reads.

The spec in manifest.yaml stays the single definition of every key and its default; this module
fills those defaults, normalises account ids and dates, and refuses values that would be unsafe
or ambiguous with a config_error that says what to fix.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping
from urllib.parse import urlsplit

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from jsonschema import Draft7Validator

# Meta's timestamp shape (`2026-11-20T10:15:30+0000`); the incremental cursors read and write it.
GRAPH_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
# Meta keeps insights for 37 months; an older `since` fails the whole request with code 3018.
INSIGHTS_RETENTION_MONTHS = 37
# Without start_date, insights cover Meta's documented default report, last_30d (today excluded).
DEFAULT_INSIGHTS_DAYS = 30

_ACCOUNT_ID = re.compile(r"^(?:act_)?(\d+)$")


def config_error(message: str) -> AirbyteTracedException:
    return AirbyteTracedException(
        message=message, internal_message=message, failure_type=FailureType.config_error
    )


def normalize_config(raw: Mapping[str, Any], spec_schema: Mapping[str, Any]) -> dict[str, Any]:
    """Validate `raw` against the spec, then return it with defaults and canonical values."""
    _validate_against_spec(raw, spec_schema)
    # Copied: the spec is shared (parsed once), and a config must never alias its list defaults.
    defaults = {
        key: copy.deepcopy(prop["default"])
        for key, prop in spec_schema.get("properties", {}).items()
        if "default" in prop
    }
    config = {**defaults, **raw}
    config["account_ids"] = normalize_account_ids(config.get("account_ids") or [])
    config["base_url"] = validate_base_url(config["base_url"])
    for key in ("start_date", "end_date"):
        if config.get(key):
            config[key] = parse_config_datetime(key, config[key]).strftime(GRAPH_DATETIME_FORMAT)
    # Checked before the insights range, whose own error is about Meta's retention, not this mistake.
    if config.get("start_date") and config.get("end_date"):
        if config["end_date"] < config["start_date"]:
            raise config_error(
                f"end_date ({config['end_date'][:10]}) is before start_date "
                f"({config['start_date'][:10]}): set end_date on or after start_date, or leave it empty for today."
            )
    today = _today_utc()
    config["insights_since"], config["insights_until"] = insights_date_range(config, today)
    config["custom_insights"] = [_custom_report(entry, config, today) for entry in config.get("custom_insights") or []]
    return config


def _validate_against_spec(raw: Mapping[str, Any], spec_schema: Mapping[str, Any]) -> None:
    errors = sorted(Draft7Validator(spec_schema).iter_errors(dict(raw)), key=lambda e: list(e.path))
    if not errors:
        return
    first = errors[0]
    where = ".".join(str(part) for part in first.path) or "config"
    # Never echo a secret value back: name the key and what the spec expects instead.
    detail = first.message if "access_token" not in where else "access_token must be a non-empty string"
    raise config_error(f"Invalid value for '{where}': {detail}. Fix it in the connector configuration.")


def normalize_account_ids(account_ids: list[Any]) -> list[str]:
    """`act_123` and `123` name the same account: keep the digits, in order, once each."""
    normalized: list[str] = []
    for value in account_ids:
        match = _ACCOUNT_ID.match(str(value).strip())
        if not match:
            raise config_error(
                f"account_ids: '{value}' is not an ad account id. Use the number Ads Manager shows "
                "(e.g. act_1234567890 or 1234567890), or leave account_ids empty to sync every "
                "account the token can see."
            )
        if match.group(1) not in normalized:
            normalized.append(match.group(1))
    return normalized


def validate_base_url(base_url: str) -> str:
    """https anywhere; plain http only to this machine (the emulator), so a token never leaves it unencrypted."""
    parts = urlsplit(base_url.strip())
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        pass
    elif parts.scheme == "http" and _is_loopback(host):
        pass
    else:
        raise config_error(
            f"base_url '{base_url}' is not allowed: use https (the default is https://graph.facebook.com); "
            "plain http is accepted only for a loopback host (127.0.0.1, localhost, ::1)."
        )
    if parts.query or parts.fragment or parts.path.strip("/"):
        raise config_error(
            f"base_url '{base_url}' must be a scheme and host only, e.g. https://graph.facebook.com; "
            "the API version goes in api_version."
        )
    return f"{parts.scheme}://{parts.netloc}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_config_datetime(key: str, value: str) -> datetime:
    """Accept `2026-01-31` or an ISO date-time; a naive value is UTC."""
    text = str(value).strip()
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise config_error(
            f"{key} '{value}' is not a date: use YYYY-MM-DD (e.g. 2026-01-31) or an ISO date-time "
            "(e.g. 2026-01-31T00:00:00Z)."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _custom_report(entry: Mapping[str, Any], config: Mapping[str, Any], today: date) -> dict[str, Any]:
    """A custom report's own start date follows the same clamping as start_date."""
    report = dict(entry)
    if report.get("start_date"):
        own_range = {**config, "start_date": parse_config_datetime("custom_insights.start_date", report["start_date"]).strftime(GRAPH_DATETIME_FORMAT)}
        report["insights_since"], _ = insights_date_range(own_range, today)
    return report


def _today_utc() -> date:
    return datetime.now(timezone.utc).date()


def insights_date_range(config: Mapping[str, Any], today: date) -> tuple[str, str]:
    """The days insights cover, as YYYY-MM-DD: derived here once so every insights stream agrees.

    Meta's report days are in each ad account's time zone while `today` is UTC's: a day missed at
    the edge is re-read by the next sync's lookback, so nothing is lost.
    """
    earliest = _months_before(today, INSIGHTS_RETENTION_MONTHS) + timedelta(days=1)
    if config.get("start_date"):
        since = max(date.fromisoformat(config["start_date"][:10]), earliest)
        default_until = today
    else:
        # Meta's last_30d: the 30 days before today, today excluded.
        since = today - timedelta(days=DEFAULT_INSIGHTS_DAYS)
        default_until = today - timedelta(days=1)
    until = date.fromisoformat(config["end_date"][:10]) if config.get("end_date") else default_until
    if until < since:
        raise config_error(
            f"end_date ({until}) is before the first day Meta still keeps insights for ({since}): "
            f"Meta keeps {INSIGHTS_RETENTION_MONTHS} months; set a later end_date or leave it empty."
        )
    return since.isoformat(), until.isoformat()


def _months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")
