"""What manifest.yaml cannot know by itself: the parts of a stream that come from a schema or the config.

The source calls `shape_streams` once, on the loaded manifest, before the CDK resolves it:

- the shared requester's read timeout is `request_timeout_seconds` (the CDK key takes no template);
- every stream's `$parameters.fields` (the Graph `fields` it requests) is its schema's properties
  (but those marked `x-not-requested`, which the connector fills in), so request and schema cannot drift;
  the schema is `schemas/<schema_name or name>.json`, as the manifest's schema_loader reads it;
- every insights report becomes one stream built on `definitions.insights_stream`, with `$parameters`
  for its report (`level`, `fields`, `breakdowns`, `action_breakdowns`, `time_increment`, `since`, and
  `every_status`: the manifest's `definitions.<level>_statuses`, which the report's effective_status
  filter names), a primary key that includes its breakdowns, and an inline schema with one column per
  breakdown, typed from the insights catalogue (`schemas/insights.json`; a level report requests
  the catalogue less what its level lacks, `level_schema`). The reports are one list: the built-in
  ones of the manifest's `definitions.insights_reports` (the four levels and the named breakdown
  presets), then each `custom_insights` entry of the config as `custom_insights_<name>`;
- with `insights_job_mode: async`, every insights stream's retriever is
  `definitions.async_insights_retriever` (Meta's report runs) instead of the direct requests.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Mapping

PACKAGE = "source_facebook_ads"

# The id column of each report level; with `date_start` and the breakdowns it keys a row.
LEVEL_ID = {"account": "account_id", "campaign": "campaign_id", "adset": "adset_id", "ad": "ad_id"}
# Columns every insights row needs whatever fields the user picks: the key and the account.
KEY_COLUMNS = ["account_id", "date_start", "date_stop"]
CUSTOM_INSIGHTS_PREFIX = "custom_insights_"
# Fields Meta refuses with a breakdown, so a built-in report's field set leaves them out. Insights API
# Breakdowns (developers.facebook.com/docs/marketing-api/insights/breakdowns): "Hourly breakdowns do
# not support unique fields" (reach and the unique_* family, and what is computed from reach), and
# video_p25..p100_watched_actions "do not support region breakdown".
_UNIQUE_FIELDS = {"reach", "frequency", "cpp"}
REFUSED_WITH_BREAKDOWN = {
    "hourly_stats_aggregated_by_advertiser_time_zone": lambda field: field in _UNIQUE_FIELDS or "unique" in field,
    "hourly_stats_aggregated_by_audience_time_zone": lambda field: field in _UNIQUE_FIELDS or "unique" in field,
    "region": lambda field: field.startswith("video_p") and field.endswith("_watched_actions"),
}
ASYNC_INSIGHTS_RETRIEVER = "#/definitions/async_insights_retriever"


def level_stream_name(level: str) -> str:
    """The built-in stream of a level's rows: account_insights, ..., ad_insights."""
    return f"{level}_insights"


# Every insights field a level report requests by default, with its type: schemas/insights.json.
# A level's rows lack the fields first carried by the levels below it (the ids and names of smaller
# objects, and what Meta reports per ad set or per ad only).
INSIGHTS_CATALOGUE = "insights"
FIRST_CARRIED_BY = {
    "campaign": {"campaign_id", "campaign_name", "buying_type", "objective", "created_time", "updated_time"},
    "adset": {"adset_id", "adset_name", "attribution_setting", "optimization_goal"},
    "ad": {
        "ad_id", "ad_name", "auction_bid", "auction_competitiveness", "auction_max_competitor_bid",
        "quality_ranking", "engagement_rate_ranking", "conversion_rate_ranking",
    },
}


def level_schema(level: str) -> dict[str, Any]:
    """The insights catalogue narrowed to the fields a level's rows carry, in catalogue order."""
    levels = list(LEVEL_ID)
    lacking = set().union(*(FIRST_CARRIED_BY[below] for below in levels[levels.index(level) + 1 :]))
    schema = load_schema(INSIGHTS_CATALOGUE)
    schema["properties"] = {name: prop for name, prop in schema["properties"].items() if name not in lacking}
    return schema


def load_schema(schema_name: str) -> dict[str, Any]:
    schema_file = resources.files(PACKAGE) / "schemas" / f"{schema_name}.json"
    return json.loads(schema_file.read_text())


# A schema property the connector fills in itself carries this key (saying why): it is not a Graph field.
NOT_REQUESTED = "x-not-requested"


def schema_fields(schema_name: str) -> list[str]:
    """The Graph `fields` a stream of this schema requests: its top-level properties, in schema order."""
    return requested_fields(load_schema(schema_name))


def requested_fields(schema: Mapping[str, Any]) -> list[str]:
    return [name for name, prop in schema["properties"].items() if NOT_REQUESTED not in prop]


def shape_streams(manifest: dict[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    definitions = manifest.get("definitions", {})
    requester = definitions.get("requester")
    if requester is not None and config.get("request_timeout_seconds"):
        requester["read_timeout_in_seconds"] = config["request_timeout_seconds"]
    streams: dict[str, Any] = definitions.get("streams", {})
    statuses = _level_statuses(manifest)
    for name, stream in streams.items():
        parameters = stream.setdefault("$parameters", {})
        parameters.setdefault("fields", ",".join(schema_fields(parameters.get("schema_name") or name)))
    reports = [InsightsReport.built_in(entry, config) for entry in definitions.get("insights_reports", [])]
    reports += [InsightsReport.custom(entry, config) for entry in config.get("custom_insights") or []]
    for report in reports:
        streams[report.stream_name] = {"$ref": "#/definitions/insights_stream", **report.stream_overrides(statuses)}
        _apply_job_mode(streams[report.stream_name], config)
        manifest["streams"].append({"$ref": f"#/definitions/streams/{report.stream_name}"})
    return manifest


def level_reports(config: Mapping[str, Any]) -> list["InsightsReport"]:
    """The four level reports, account_insights to ad_insights: the ones insights_breakdowns splits."""
    return [InsightsReport.built_in({"name": level_stream_name(level), "level": level}, config) for level in LEVEL_ID]


def _level_statuses(manifest: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every effective_status of the campaign, adset and ad levels, from the manifest's lists."""
    definitions = manifest.get("definitions", {})
    return {level: list(definitions.get(f"{level}_statuses") or []) for level in ("campaign", "adset", "ad")}


def _apply_job_mode(stream: dict[str, Any], config: Mapping[str, Any]) -> None:
    """Async mode swaps only the retriever: windows, state, keys and schema stay those of sync mode."""
    if config.get("insights_job_mode") != "async":
        return
    stream["retriever"] = {"$ref": ASYNC_INSIGHTS_RETRIEVER}
    # The CDK tells a partition router declared on a CustomRetriever its stream's name only through
    # $parameters (the account router's nested SubstreamPartitionRouter requires it).
    stream["$parameters"]["stream_name"] = stream["name"]


class InsightsReport:
    """One insights stream's report: level, fields, breakdowns, and the schema and key they imply."""

    def __init__(
        self,
        stream_name: str,
        level: str,
        fields: list[str],
        breakdowns: list[str],
        action_breakdowns: list[str],
        time_increment: str,
        since: str,
    ) -> None:
        self.stream_name = stream_name
        self.level = level
        self.breakdowns = list(dict.fromkeys(breakdowns))
        self.action_breakdowns = action_breakdowns
        self.time_increment = time_increment
        self.since = since
        # The key columns are always requested; a schema that lists them keeps its own order.
        self.fields = list(dict.fromkeys([*fields, *KEY_COLUMNS, LEVEL_ID[level]]))

    @classmethod
    def built_in(cls, entry: Mapping[str, Any], config: Mapping[str, Any]) -> "InsightsReport":
        """An entry of the manifest's report list; what it does not fix comes from the insights_* config keys."""
        level = entry["level"]
        breakdowns = list(entry["breakdowns"] if "breakdowns" in entry else config.get("insights_breakdowns") or [])
        fields = config.get("insights_fields") or entry.get("fields") or requested_fields(level_schema(level))
        refused = [REFUSED_WITH_BREAKDOWN[breakdown] for breakdown in breakdowns if breakdown in REFUSED_WITH_BREAKDOWN]
        return cls(
            entry["name"],
            level,
            fields=[field for field in fields if not any(refuses(field) for refuses in refused)],
            breakdowns=breakdowns,
            action_breakdowns=list(
                entry["action_breakdowns"] if "action_breakdowns" in entry else config.get("insights_action_breakdowns") or []
            ),
            time_increment="1",
            since=config["insights_since"],
        )

    @classmethod
    def custom(cls, entry: Mapping[str, Any], config: Mapping[str, Any]) -> "InsightsReport":
        # config.normalize_config has validated the entry and clamped its start_date.
        return cls(
            CUSTOM_INSIGHTS_PREFIX + entry["name"],
            entry["level"],
            fields=list(entry["fields"]),
            breakdowns=list(entry.get("breakdowns") or []),
            action_breakdowns=list(entry.get("action_breakdowns") or config.get("insights_action_breakdowns") or []),
            time_increment=str(entry.get("time_increment") or "1"),
            since=entry.get("insights_since") or config["insights_since"],
        )

    @property
    def primary_key(self) -> list[str]:
        return [LEVEL_ID[self.level], "date_start", *self.breakdowns]

    def schema(self) -> dict[str, Any]:
        """The catalogue narrowed to the requested fields; a field we do not know is a nullable string."""
        catalogue = load_schema(INSIGHTS_CATALOGUE)["properties"]
        properties = {field: catalogue.get(field, {"type": ["null", "string"]}) for field in self.fields}
        for breakdown in self.breakdowns:
            properties[breakdown] = {"type": ["null", "string"]}
        return {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "additionalProperties": True,
            "properties": properties,
        }

    def stream_overrides(self, statuses: Mapping[str, list[str]]) -> dict[str, Any]:
        return {
            "name": self.stream_name,
            "primary_key": self.primary_key,
            "schema_loader": {"type": "InlineSchemaLoader", "schema": self.schema()},
            "$parameters": {
                "name": self.stream_name,
                "level": self.level,
                "fields": ",".join(self.fields),
                "breakdowns": ",".join(self.breakdowns),
                "action_breakdowns": ",".join(self.action_breakdowns),
                "time_increment": self.time_increment,
                "since": self.since,
                # Account reports are not filtered: the account's totals include every object.
                "every_status": list(statuses.get(self.level, [])),
            },
        }

