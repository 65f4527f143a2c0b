"""The spec renders as a usable form in the Airbyte UI.

What the UI does with a spec (Airbyte's "Connector Specification Reference"): it sorts fields by
`order`, which must be unique within a card; it draws one card per `group`, ordered by the spec's
`groups` list; it folds a card's optional fields into an "Optional fields" section unless they set
`always_show`; it leaves out fields marked `airbyte_hidden`; it masks `airbyte_secret` fields; it
shows `pattern_descriptor` instead of a raw regex. Tuning knobs go to the `advanced` card, so the
first screen a user sees asks only for what every sync needs. Config keys stay flat: `group` is
display only, the connector still reads `config['base_url']` and the rest.

Every test iterates over every property, so a key added without a title, description, order or
group fails here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import yaml
from airbyte_cdk.test.standard_tests._spec_lint import find_secret_marking_errors
from jsonschema import Draft7Validator

from source_facebook_ads.source import SourceFacebookAds

ROOT = Path(__file__).resolve().parent.parent
SPEC = yaml.safe_load((ROOT / "manifest.yaml").read_text())["spec"]["connection_specification"]
PROPERTIES: dict[str, dict[str, Any]] = SPEC["properties"]
REQUIRED = set(SPEC.get("required", []))
GROUP_IDS = [group["id"] for group in SPEC.get("groups", [])]

ADVANCED_GROUP = "advanced"
# Report settings: optional, each with a default, in a card of their own.
INSIGHTS_GROUP = "insights"
# Keys a user decides on for every connection; every other key is a tuning knob (pacing, paging,
# insights tuning, endpoint) and belongs in the advanced card. A new key lands there unless it is
# added here on purpose.
EVERYDAY_KEYS = {"access_token", "account_ids", "start_date", "end_date", "include_deleted"}
# Named by the issue; listed so that moving one out of the advanced card is a visible decision.
KNOWN_ADVANCED_KEYS = {"base_url", "api_version", "requests_per_second", "max_throttle_wait_minutes", "page_size"}
SECRET_KEYS = {"access_token"}

ALL_KEYS = sorted(PROPERTIES)


def test_spec_is_a_valid_draft7_schema() -> None:
    Draft7Validator.check_schema(SPEC)


def test_spec_reaches_the_platform_with_its_groups() -> None:
    # The UI reads the spec from the SPEC message, not from the manifest file.
    emitted = SourceFacebookAds().spec(logging.getLogger("test")).connectionSpecification
    assert emitted["groups"] == SPEC["groups"]
    assert set(emitted["properties"]) == set(PROPERTIES)


@pytest.mark.parametrize("key", ALL_KEYS)
def test_property_has_a_title_and_a_description(key: str) -> None:
    prop = PROPERTIES[key]
    assert isinstance(prop.get("title"), str) and prop["title"].strip(), f"{key} has no title"
    assert isinstance(prop.get("description"), str) and prop["description"].strip(), f"{key} has no description"
    assert prop["description"].strip() != prop["title"].strip(), f"{key}: the description only repeats the title"


@pytest.mark.parametrize("key", ALL_KEYS)
def test_property_has_an_integer_order(key: str) -> None:
    order = PROPERTIES[key].get("order")
    assert isinstance(order, int) and not isinstance(order, bool), f"{key} has no integer order"


def test_orders_are_unique() -> None:
    orders = [PROPERTIES[key].get("order") for key in ALL_KEYS]
    duplicates = sorted({order for order in orders if orders.count(order) > 1}, key=str)
    assert not duplicates, f"order values used more than once: {duplicates}"


def test_required_properties_come_first() -> None:
    required_orders = [PROPERTIES[key]["order"] for key in REQUIRED]
    optional_orders = [PROPERTIES[key]["order"] for key in PROPERTIES if key not in REQUIRED]
    assert not optional_orders or max(required_orders) < min(optional_orders)


def test_groups_are_declared_once_each_with_a_title() -> None:
    assert len(GROUP_IDS) == len(set(GROUP_IDS))
    assert all(group.get("title") for group in SPEC["groups"])
    assert ADVANCED_GROUP in GROUP_IDS


@pytest.mark.parametrize("key", ALL_KEYS)
def test_property_belongs_to_a_declared_group(key: str) -> None:
    # A field without a group would get a card of its own.
    assert PROPERTIES[key].get("group") in GROUP_IDS, f"{key} has no group, or one missing from `groups`"


def test_every_group_shows_at_least_one_field() -> None:
    shown = {prop["group"] for prop in PROPERTIES.values() if not prop.get("airbyte_hidden")}
    assert shown == set(GROUP_IDS), f"groups with nothing to show: {sorted(set(GROUP_IDS) - shown)}"


def test_cards_follow_the_order_of_the_groups() -> None:
    # Reading the form top to bottom follows `order`: no card's fields interleave with another's.
    by_order = sorted(PROPERTIES.values(), key=lambda prop: prop["order"])
    groups_in_field_order = [prop["group"] for prop in by_order]
    first_seen = list(dict.fromkeys(groups_in_field_order))
    assert first_seen == GROUP_IDS
    assert groups_in_field_order == sorted(groups_in_field_order, key=GROUP_IDS.index)


def test_required_properties_are_in_the_first_card() -> None:
    assert {PROPERTIES[key]["group"] for key in REQUIRED} == {GROUP_IDS[0]}


@pytest.mark.parametrize("key", ALL_KEYS)
def test_tuning_knobs_are_in_the_advanced_card(key: str) -> None:
    if key in EVERYDAY_KEYS:
        assert PROPERTIES[key]["group"] != ADVANCED_GROUP, f"{key} is an everyday setting"
    else:
        assert PROPERTIES[key]["group"] in (ADVANCED_GROUP, INSIGHTS_GROUP), (
            f"{key} is not an everyday setting: put it in the '{ADVANCED_GROUP}' or '{INSIGHTS_GROUP}' "
            "group, or add it to EVERYDAY_KEYS if every user has to decide on it"
        )
        assert key not in REQUIRED, f"{key} is a tuning knob: it needs a default, not a required value"
        assert "default" in PROPERTIES[key], f"{key} is a tuning knob without a default"


def test_known_advanced_keys_are_still_advanced() -> None:
    assert KNOWN_ADVANCED_KEYS <= set(PROPERTIES)
    assert all(PROPERTIES[key]["group"] == ADVANCED_GROUP for key in KNOWN_ADVANCED_KEYS)


@pytest.mark.parametrize("key", ALL_KEYS)
def test_hidden_property_has_a_default(key: str) -> None:
    prop = PROPERTIES[key]
    if prop.get("airbyte_hidden"):
        assert key not in REQUIRED and "default" in prop, f"{key} is hidden from the form but has no default"


@pytest.mark.parametrize("key", ALL_KEYS)
def test_secrets_are_masked_and_never_prefilled(key: str) -> None:
    prop = PROPERTIES[key]
    if key in SECRET_KEYS:
        assert prop.get("airbyte_secret") is True, f"{key} must set airbyte_secret: true"
        assert "default" not in prop and "examples" not in prop, f"{key} must not show a sample value"
        assert not prop.get("airbyte_hidden"), f"{key} must stay in the form"
    else:
        assert not prop.get("airbyte_secret"), f"{key} is marked secret but holds no credential"


def test_cdk_secret_lint_finds_nothing() -> None:
    # The CDK's own rule: a property named like a credential must be masked.
    assert find_secret_marking_errors(SPEC) == []


@pytest.mark.parametrize("key", ALL_KEYS)
def test_pattern_has_a_readable_descriptor(key: str) -> None:
    prop = PROPERTIES[key]
    if "pattern" in prop:
        assert prop.get("pattern_descriptor"), f"{key} would show its raw regex in the error message"


@pytest.mark.parametrize("key", ALL_KEYS)
def test_default_and_examples_are_valid_values(key: str) -> None:
    prop = PROPERTIES[key]
    validator = Draft7Validator(prop)
    samples = ([prop["default"]] if "default" in prop else []) + list(prop.get("examples", []))
    invalid = [sample for sample in samples if not validator.is_valid(sample)]
    assert not invalid, f"{key}: the spec itself rejects {invalid}"


@pytest.mark.parametrize("key", ALL_KEYS)
def test_free_text_fields_show_an_example(key: str) -> None:
    prop = PROPERTIES[key]
    free_text = prop.get("type") in ("string", "array") and "enum" not in prop and not prop.get("airbyte_secret")
    if free_text:
        assert prop.get("examples"), f"{key} is free text: give the user an example of the format"
