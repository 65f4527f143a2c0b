"""The reads `check` makes after the CDK's CheckStream: every ad account, and one day of each configured
insights report, so that Meta validates breakdowns and fields before a sync does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Mapping, Optional

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.concurrent.abstract_stream import AbstractStream
from airbyte_cdk.sources.types import Record
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.config import FacebookAdsConfig
from source_facebook_ads.stream_shaping import CUSTOM_INSIGHTS_PREFIX

if TYPE_CHECKING:
    from source_facebook_ads.source import SourceFacebookAds


def stream_named(source: "SourceFacebookAds", name: str) -> AbstractStream:
    """Build only the stream `check` reads (building all of them costs a third of a second of CPU).

    `_streams_by_name` is the CDK's own shortcut for CheckStream, a private hook listed and pinned in
    unit_tests/test_source_wiring.py; it answers None when it cannot build a subset.
    """
    streams = source._streams_by_name([name]) or source.streams(source.normalized_config)
    return next(stream for stream in streams if stream.name == name)


def unusable_accounts(source: "SourceFacebookAds") -> list[str]:
    """Read `ad_account` for every account; collect one sentence per account that fails."""
    problems: list[str] = []
    for partition in stream_named(source, "ad_account").generate_partitions():
        try:
            for _ in partition.read():
                pass
        except AirbyteTracedException as error:
            problems.append(error.message or str(error))
    return problems


def report_refusal(source: "SourceFacebookAds", probe: "InsightsProbe", logger: logging.Logger) -> Optional[str]:
    """Read the first page of one day of the probe's stream; a refused report gives the sentence to show.

    `source` is built from the probe's config (narrowed to that day), so the read goes through the
    same streams as a sync (auth, pacing, error classification).
    """
    partition = next(iter(stream_named(source, probe.stream_name).generate_partitions()), None)
    if partition is None:
        return None  # no ad account to ask: the account check above has said so
    first_slice = partition.to_slice()
    account_id = first_slice.partition.get("account_id") if first_slice is not None else None
    try:
        for item in partition.read():
            if isinstance(item, Record):
                break  # the first page is Meta's verdict on the report's parameters
    except AirbyteTracedException as error:
        if error.failure_type is FailureType.transient_error:
            logger.warning(f"Could not check {probe.setting} with Meta now: {error.message}")
            return None
        return (
            f"Meta refused a one-day insights report ({probe.day}) for ad account act_{account_id} built from "
            f"{probe.setting}: {error.message}"
        )
    return None


@dataclass(frozen=True)
class InsightsProbe:
    """One configured insights report, checked as one day of its stream for the first ad account."""

    setting: str  # the config keys and values under test, named in the check's message
    stream_name: str
    config: Mapping[str, Any]
    day: date


def insights_probes(config: Mapping[str, Any], day: date) -> list[InsightsProbe]:
    """A probe for the built-in reports when their breakdowns, fields or action breakdowns are not the defaults, and one per custom report."""
    one_day = {
        **config,
        "start_date": day.isoformat(),
        "end_date": day.isoformat(),
        "insights_window_days": 1,
        "insights_job_mode": "sync",  # one request, whatever the sync uses
        "account_ids": list(config.get("account_ids") or [])[:1],
        "custom_insights": [],
    }
    probes: list[InsightsProbe] = []
    configured = [
        f"{key} {list(config[key])}"
        for key in ("insights_breakdowns", "insights_fields", "insights_action_breakdowns")
        if config.get(key) and config[key] != FacebookAdsConfig.model_fields[key].default
    ]
    if configured:
        probes.append(InsightsProbe(" and ".join(configured), "account_insights", one_day, day))
    for entry in config.get("custom_insights") or []:
        # The report's own start date does not matter for one day; the derived key is not config.
        report = {key: value for key, value in entry.items() if key not in ("start_date", "insights_since")}
        action_breakdowns = f", action_breakdowns {list(entry['action_breakdowns'])}" if entry.get("action_breakdowns") else ""
        setting = (
            f"custom_insights entry '{entry['name']}' (fields {list(entry.get('fields') or [])}, "
            f"breakdowns {list(entry.get('breakdowns') or [])}{action_breakdowns})"
        )
        probes.append(
            InsightsProbe(setting, CUSTOM_INSIGHTS_PREFIX + entry["name"], {**one_day, "custom_insights": [report]}, day)
        )
    return probes
