"""Every stream against bodies in Meta's documented shapes, not only against the emulator's own output.

`unit_tests/resources/meta_bodies/<stream>.json` is what Meta answers the stream's request, written
by us from Meta's reference pages (Graph API v25.0: User, AdAccount, Business, Campaign, AdSet, Ad,
AdCreative, AdImage, AdVideo, CustomAudience, CustomConversion, AdActivity, Ads Insights) and the facts recorded answers showed:
budgets as JSON numbers where the reference says numeric strings, no `account_id` on AdVideo and AdActivity,
insights metrics as strings, one string count per requested attribution window on action items.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from unittest import TestCase
from urllib.parse import parse_qs, urlparse

import requests_mock
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import discover, read
from jsonschema import Draft7Validator

from source_facebook_ads.source import SourceFacebookAds
from unit_tests.builders import API, ConfigBuilder

BODIES = Path(__file__).resolve().parent.parent / "resources" / "meta_bodies"
ACCOUNT = "1234567890"
WINDOWS = ["1d_click", "1d_ev", "dda", "default"]
PATHS = {  # the request path of each stream below /v25.0
    "me": "me", "adaccounts": "me/adaccounts", "businesses": "me/businesses", "ad_account": f"act_{ACCOUNT}",
    "campaigns": f"act_{ACCOUNT}/campaigns", "adsets": f"act_{ACCOUNT}/adsets", "ads": f"act_{ACCOUNT}/ads",
    "adcreatives": f"act_{ACCOUNT}/adcreatives", "adimages": f"act_{ACCOUNT}/adimages",
    "advideos": f"act_{ACCOUNT}/advideos", "custom_audiences": f"act_{ACCOUNT}/customaudiences",
    "custom_conversions": f"act_{ACCOUNT}/customconversions", "activities": f"act_{ACCOUNT}/activities",
}
# AdActivity has no id: an event is its object's change at a time.
OBJECT_KEYS = {"activities": "object_id"}
INSIGHTS = {"account_insights": "account", "campaign_insights": "campaign", "adset_insights": "adset", "ad_insights": "ad"}
NOT_PER_ACCOUNT = {"me", "adaccounts", "businesses"}
BUDGETS = ("daily_budget", "lifetime_budget", "budget_remaining")


def body_of(stream: str) -> Any:
    return json.loads((BODIES / f"{stream}.json").read_text())


def items_of(stream: str) -> list[dict[str, Any]]:
    body = body_of(stream)
    return body["data"] if "data" in body else [body]


def config() -> dict[str, Any]:
    return (
        ConfigBuilder()
        .with_account_ids(ACCOUNT)
        .with_start_date("2026-11-01")
        .with_values(end_date="2026-11-02", insights_window_days=14, insights_attribution_windows=WINDOWS)
        .build()
    )


def answer_like_meta(mock: requests_mock.Mocker) -> None:
    for stream, path in PATHS.items():
        mock.get(re.compile(rf"^{re.escape(API)}/{re.escape(path)}(\?|$)"), json=body_of(stream))

    def insights(request: Any, context: Any) -> Any:
        level = parse_qs(urlparse(request.url).query)["level"][0]
        return body_of(next(stream for stream, name in INSIGHTS.items() if name == level))

    mock.get(re.compile(rf"^{re.escape(API)}/act_{ACCOUNT}/insights"), json=insights)


class TestDocumentedBodies(TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        catalog = discover(SourceFacebookAds(config=config()), config()).catalog.catalog
        cls.schemas = {stream.name: stream.json_schema for stream in catalog.streams}
        cls.records: dict[str, list[dict[str, Any]]] = {}
        # One read of every stream: a source costs about a second to build, a stream only its pages.
        streams = [*PATHS, *INSIGHTS]
        configured = CatalogBuilder()
        for stream in streams:
            configured = configured.with_stream(stream, SyncMode.full_refresh)
        with requests_mock.Mocker() as mock:
            answer_like_meta(mock)
            output = read(SourceFacebookAds(catalog=configured.build(), config=config()), config(), configured.build())
        assert not output.errors, output.errors
        for stream in streams:
            cls.records[stream] = [message.record.data for message in output.records if message.record.stream == stream]

    def test_the_bodies_send_only_fields_the_connector_asks_for(self) -> None:
        for stream in [*PATHS, *INSIGHTS]:
            properties = self.schemas[stream]["properties"]
            for item in items_of(stream):
                assert set(item) <= set(properties), (stream, set(item) - set(properties))

    def test_every_object_of_every_body_is_emitted_once(self) -> None:
        for stream in [*PATHS, *INSIGHTS]:
            key = OBJECT_KEYS.get(stream, "id") if stream in PATHS else next(f for f in ("ad_id", "adset_id", "campaign_id", "account_id") if f in items_of(stream)[0])
            assert sorted((r[key], r.get("date_start") or r.get("event_time")) for r in self.records[stream]) == sorted(
                (item[key], item.get("date_start") or item.get("event_time")) for item in items_of(stream)
            ), stream

    def test_every_record_validates_against_its_discovered_schema(self) -> None:
        for stream, records in self.records.items():
            validator = Draft7Validator(self.schemas[stream])
            problems = [f"{'.'.join(map(str, e.path))}: {e.message}" for r in records for e in validator.iter_errors(r)]
            assert not problems, (stream, problems[:5])

    def test_every_per_account_record_carries_the_ad_account_id(self) -> None:
        assert all("account_id" not in video for video in items_of("advideos"))  # as Meta sends them
        for stream, records in self.records.items():
            if stream not in NOT_PER_ACCOUNT:
                assert records and all(r["account_id"] == ACCOUNT for r in records), stream

    def test_budgets_sent_as_numbers_are_emitted_as_meta_documents_them(self) -> None:
        sent = [item[name] for s in ("campaigns", "adsets") for item in items_of(s) for name in BUDGETS if name in item]
        assert any(isinstance(value, int) for value in sent) and any(isinstance(value, str) for value in sent)
        emitted = [r[name] for s in ("campaigns", "adsets") for r in self.records[s] for name in BUDGETS if name in r]
        assert emitted == [str(value) for value in sent]

    def test_every_attribution_window_count_of_an_action_item_is_a_number(self) -> None:
        for stream in INSIGHTS:
            items = [item for r in self.records[stream] for field in ("actions", "action_values", "cost_per_action_type") for item in r[field]]
            assert items, stream
            for item in items:
                assert all(isinstance(item[key], (int, float)) for key in ["value", *WINDOWS]), (stream, item)
