"""manifest.yaml, as every config shapes it, is valid against the CDK's declarative component schema."""

from __future__ import annotations

import copy

import jsonschema
import pytest

from airbyte_cdk.sources.declarative.concurrent_declarative_source import get_declarative_component_schema
from source_facebook_ads.source import SourceFacebookAds
from unit_tests.builders import ConfigBuilder

CUSTOM_REPORT = {"name": "spend_by_country", "level": "campaign", "fields": ["spend"], "breakdowns": ["country"]}
CONFIGS = {
    "defaults": ConfigBuilder().build(),
    "every_account": ConfigBuilder().with_account_ids().build(),
    "breakdowns_and_custom_reports": ConfigBuilder().with_values(insights_breakdowns=["age"], custom_insights=[CUSTOM_REPORT]).build(),
    "async_insights": ConfigBuilder().with_values(insights_job_mode="async", custom_insights=[CUSTOM_REPORT]).build(),
}


def validate(manifest: dict) -> None:
    jsonschema.validate(manifest, get_declarative_component_schema())


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_shaped_manifest_is_valid_against_the_cdk_schema(config: dict) -> None:
    source = SourceFacebookAds(config=config)

    validate(source._source_config)
    # 13 object streams, 4 insights levels, 7 breakdown presets, and one stream per custom report.
    assert len(source.streams(source._config)) == 24 + len(config.get("custom_insights", []))


def test_a_typo_in_the_manifest_is_caught_by_that_validation() -> None:
    manifest = copy.deepcopy(SourceFacebookAds(config=CONFIGS["defaults"])._source_config)
    manifest["streams"][0]["retriever"]["requester"]["http_method"] = "GETT"

    with pytest.raises(jsonschema.ValidationError):
        validate(manifest)
