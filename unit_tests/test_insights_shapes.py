"""What each insights stream is, for the config shapes that change it: a snapshot taken before the
insights schemas became one catalogue narrowed per level (issue 13), so that refactor changes nothing.

Per stream, for each config: the Graph `fields` it requests (in order), its primary key and a digest
of its whole discovered schema (property order and types included).
Regenerate only for an intended change: `python -m unit_tests.test_insights_shapes` (rewrites the snapshot).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.test.entrypoint_wrapper import discover

from source_facebook_ads.source import SourceFacebookAds
from unit_tests.builders import ConfigBuilder

SNAPSHOT = Path(__file__).parent / "resources" / "insights_shapes.json"
CONFIGS: dict[str, dict[str, Any]] = {
    "default": {},
    "breakdowns_hourly_and_region": {"insights_breakdowns": ["hourly_stats_aggregated_by_advertiser_time_zone", "region"]},
    "insights_fields": {"insights_fields": ["spend", "impressions", "campaign_name"]},
    "custom_insights": {
        "custom_insights": [
            {"name": "by_age", "level": "adset", "fields": ["spend", "reach", "not_a_known_field"], "breakdowns": ["age"]},
            {"name": "weekly", "level": "account", "fields": ["impressions"], "time_increment": "7"},
        ]
    },
}


def insights_shapes(values: dict[str, Any]) -> dict[str, Any]:
    config = ConfigBuilder().with_values(**values).build()
    source = SourceFacebookAds(config=config)
    fields = {
        stream["name"]: stream["$parameters"]["fields"]
        for stream in source.resolved_manifest["streams"]
        if "level" in stream.get("$parameters", {})
    }
    catalog = discover(source, config).catalog.catalog
    return {
        stream.name: {
            "fields": fields[stream.name],
            "primary_key": stream.source_defined_primary_key,
            "schema_sha256": hashlib.sha256(json.dumps(stream.json_schema).encode()).hexdigest(),
        }
        for stream in catalog.streams
        if stream.name in fields
    }


@pytest.mark.parametrize("shape", sorted(CONFIGS))
def test_insights_streams_request_and_discover_what_they_did_before_the_catalogue(shape: str) -> None:
    expected = json.loads(SNAPSHOT.read_text())[shape]

    assert insights_shapes(CONFIGS[shape]) == expected


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps({shape: insights_shapes(values) for shape, values in CONFIGS.items()}, indent=1) + "\n")
