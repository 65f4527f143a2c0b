"""The compiled normalization gives every record exactly what the CDK's `schema_normalization: Default` gives.

Records and schemas are generated (hypothesis), plus the real insights schemas with values of every
JSON type in every field; both normalizers get a copy, and the records and the warnings must match.
"""

from __future__ import annotations

import copy
import logging

import pytest
from airbyte_cdk.sources.utils.transform import TransformConfig, TypeTransformer
from hypothesis import given, settings
from hypothesis import strategies as st

from source_facebook_ads.components.compiled_schema_normalization import CompiledSchemaNormalization, _Walk
from source_facebook_ads.stream_shaping import level_schema, load_schema

TYPE_NAMES = ["null", "string", "number", "integer", "boolean", "object", "array"]
KEYS = st.sampled_from(["a", "b", "value", "1d_click", "spend"])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["12", "1.5", "-3", "yes", "off", "x", "", "1e3", " 7 "]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=3),
    max_leaves=12,
)

schemas = st.recursive(
    st.fixed_dictionaries(
        {}, optional={"type": st.sampled_from(TYPE_NAMES) | st.lists(st.sampled_from(TYPE_NAMES), max_size=3, unique=True)}
    ),
    lambda children: st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(TYPE_NAMES) | st.lists(st.sampled_from(TYPE_NAMES), max_size=3, unique=True),
            "properties": st.dictionaries(KEYS, children, max_size=3),
            "items": children,
        },
    ),
    max_leaves=8,
)


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


# Built once: building a normalizer compiles a jsonschema validator class (tens of ms).
CDK_DEFAULT = TypeTransformer(TransformConfig.DefaultSchemaNormalization)
COMPILED = CompiledSchemaNormalization(parameters={})


def normalize_both(record: dict, schema: dict) -> tuple[tuple, tuple]:
    """(record, warnings) from the CDK's Default, then from the compiled normalization."""
    results = []
    logger = logging.getLogger("airbyte")
    for normalizer in (CDK_DEFAULT, COMPILED):
        warnings = _Warnings()
        logger.addHandler(warnings)
        try:
            mine = copy.deepcopy(record)
            normalizer.transform(mine, schema)
        finally:
            logger.removeHandler(warnings)
        # repr tells 1 from 1.0 and True from 1, which == does not.
        results.append((repr(mine), warnings.messages))
    return results[0], results[1]


@settings(max_examples=200, deadline=None)
@given(record=st.dictionaries(KEYS, json_values, max_size=5), properties=st.dictionaries(KEYS, schemas, max_size=5))
def test_casts_and_warnings_equal_the_cdk_default_on_generated_records(record, properties) -> None:
    schema = {"type": "object", "properties": properties}
    cdk, compiled = normalize_both(record, schema)
    assert compiled == cdk


@pytest.mark.parametrize(
    "schema",
    [level_schema("ad"), level_schema("campaign"), load_schema("ads"), load_schema("adaccounts")],
    ids=["ad_insights", "campaign_insights", "ads", "adaccounts"],
)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_casts_and_warnings_equal_the_cdk_default_on_the_connector_schemas(schema, data) -> None:
    fields = list(schema["properties"])
    record = data.draw(st.dictionaries(st.sampled_from(fields), json_values, max_size=len(fields)))
    cdk, compiled = normalize_both(record, schema)
    assert compiled == cdk


def test_an_insights_row_as_meta_sends_it_gets_numbers_where_the_schema_says_so() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spend": {"type": ["null", "number"]},
            "impressions": {"type": ["null", "integer"]},
            "ad_id": {"type": ["null", "string"]},
            "actions": {"type": ["null", "array"], "items": {"type": "object", "properties": {"value": {"type": ["null", "number"]}}}},
        },
    }
    row = {"spend": "12.5", "impressions": "300", "ad_id": "120", "actions": [{"action_type": "link_click", "value": "4"}], "extra": "1"}
    CompiledSchemaNormalization(parameters={}).transform(row, schema)
    assert row == {"spend": 12.5, "impressions": 300, "ad_id": "120", "actions": [{"action_type": "link_click", "value": 4.0}], "extra": "1"}


def test_a_schema_with_a_reference_is_left_to_the_cdk() -> None:
    schema = {"type": "object", "definitions": {"n": {"type": "integer"}}, "properties": {"count": {"$ref": "#/definitions/n"}}}
    row = {"count": "7"}
    CompiledSchemaNormalization(parameters={}).transform(row, schema)
    expected = {"count": "7"}
    TypeTransformer(TransformConfig.DefaultSchemaNormalization).transform(expected, schema)
    assert row == expected


LEAF_TYPES = ["string", "number", "integer", "boolean", "object", "array", "null", ["null", "integer"], ["null", "number"],
              ["string", "number"], [], ["null", "array"]]
LEAF_VALUES = [None, True, False, 0, 7, -3, 1.5, 2.0, "12", "1.5", "-3", " 7 ", "yes", "off", "x", "", [], ["4"], {}, {"a": "1"}]


@pytest.mark.parametrize("declared", LEAF_TYPES, ids=str)
def test_every_value_kind_against_every_leaf_type_is_cast_and_warned_as_the_cdk_does(declared) -> None:
    for value in LEAF_VALUES:
        schema = {"type": "object", "properties": {"v": {"type": declared, "items": {"type": ["null", "number"]}}}}
        cdk, compiled = normalize_both({"v": copy.deepcopy(value)}, schema)
        assert compiled == cdk, value


INSIGHTS_ROW_SCHEMA = {
    "type": "object",
    "properties": {
        "spend": {"type": ["null", "number"]},
        "impressions": {"type": ["null", "integer"]},
        "ad_name": {"type": ["null", "string"]},
        "actions": {"type": ["null", "array"], "items": {"type": ["null", "object"], "properties": {
            "action_type": {"type": ["null", "string"]}, "value": {"type": ["null", "number"]}}}},
    },
}


def test_a_row_that_needs_no_warning_is_not_walked_with_paths(monkeypatch) -> None:
    full_walks = []
    monkeypatch.setattr(_Walk, "visit", lambda *args: full_walks.append(args))
    row = {"spend": "1.5", "impressions": "300", "ad_name": "A", "actions": [{"action_type": "like", "value": "4"}, None]}
    CompiledSchemaNormalization(parameters={}).transform(row, INSIGHTS_ROW_SCHEMA)
    assert row == {"spend": 1.5, "impressions": 300, "ad_name": "A", "actions": [{"action_type": "like", "value": 4.0}, None]}
    assert full_walks == []


@pytest.mark.parametrize(
    "row",
    [
        # cast before the quick walk gives up, the rest only by the full walk; each warns once
        {"spend": "1.5", "actions": [{"value": "4"}, {"value": "x"}], "impressions": "7", "ad_name": 5},
        {"impressions": "1.5", "spend": "2", "actions": [{"action_type": 3, "value": "1"}]},
        {"actions": [{"value": "2"}, "like"], "spend": True, "impressions": "9"},
    ],
    ids=["a stat's value", "an integer's cast", "a list item"],
)
def test_a_row_the_quick_walk_gives_up_on_midway_comes_out_as_the_cdk_default(row) -> None:
    cdk, compiled = normalize_both(row, INSIGHTS_ROW_SCHEMA)
    assert compiled == cdk
    assert cdk[1], "the row must need a warning"
