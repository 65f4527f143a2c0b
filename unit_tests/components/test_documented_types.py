"""DocumentedTypes: a value Meta sends in another JSON type becomes its schema's type, or stays as it was."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
from airbyte_cdk.sources.utils.transform import TransformConfig, TypeTransformer
from hypothesis import given, settings
from hypothesis import strategies as st

from source_facebook_ads.components.documented_types import DocumentedTypes
from source_facebook_ads.stream_shaping import load_schema
from unit_tests.components.test_compiled_schema_normalization import KEYS, _Warnings, json_values, schemas

STRING, NUMBER, INTEGER = {"type": ["null", "string"]}, {"type": ["null", "number"]}, {"type": ["null", "integer"]}

# (case, schema of the field, what Meta sent, what is emitted)
CASES: list[tuple[str, dict[str, Any], Any, Any]] = [
    ("budget sent as a number becomes Meta's numeric string", STRING, 5000, "5000"),
    ("a whole float is written without .0", STRING, 5000.0, "5000"),
    ("a fractional number keeps its digits", STRING, 12.5, "12.5"),
    ("a string stays the string it is", STRING, "5000", "5000"),
    ("an object is never turned into Python's text for it", STRING, {"id": "1"}, {"id": "1"}),
    ("a boolean is never turned into text", STRING, True, True),
    ("null stays null", STRING, None, None),
    ("a count sent as a string becomes an integer", INTEGER, "1200", 1200),
    ("a whole float becomes an integer", INTEGER, 3.0, 3),
    ("a fractional string is not forced into an integer", INTEGER, "2.5", "2.5"),
    ("a number sent as a string becomes a number", NUMBER, "5339.5", 5339.5),
    ("text that is no number stays text", NUMBER, "n/a", "n/a"),
    ("nan is no JSON number", NUMBER, "nan", "nan"),
    ("a field with two types is left alone", {"type": ["null", "string", "integer"]}, 7, 7),
]


@pytest.mark.parametrize("schema, sent, emitted", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_value_takes_its_schema_type_where_it_converts_exactly(schema: dict, sent: Any, emitted: Any) -> None:
    record = {"field": sent}

    DocumentedTypes().transform(record, {"type": "object", "properties": {"field": schema}})

    assert record == {"field": emitted} and type(record["field"]) is type(emitted)


def test_nested_values_are_cast_too() -> None:
    schema = {"type": "object", "properties": {"targeting": {"type": ["null", "object"], "properties": {"age_min": INTEGER}}}}
    record = {"targeting": {"age_min": "18", "other": 1}}

    DocumentedTypes().transform(record, schema)

    assert record == {"targeting": {"age_min": 18, "other": 1}}


class _Interpreted(TypeTransformer):
    """DocumentedTypes' casts through the CDK's jsonschema walk alone, for every record."""

    def __init__(self) -> None:
        super().__init__(TransformConfig.DefaultSchemaNormalization)

    default_convert = staticmethod(DocumentedTypes.default_convert)


INTERPRETED, DOCUMENTED = _Interpreted(), DocumentedTypes()


def normalize_both(record: dict, schema: dict) -> tuple[tuple, tuple]:
    """(record, warnings) from the CDK's walk with DocumentedTypes' casts, then from DocumentedTypes."""
    results = []
    logger = logging.getLogger("airbyte")
    for normalizer in (INTERPRETED, DOCUMENTED):
        warnings = _Warnings()
        logger.addHandler(warnings)
        try:
            mine = copy.deepcopy(record)
            normalizer.transform(mine, schema)
        finally:
            logger.removeHandler(warnings)
        results.append((repr(mine), warnings.messages))  # repr tells 1 from 1.0 and True from 1
    return results[0], results[1]


@settings(max_examples=200, deadline=None)
@given(record=st.dictionaries(KEYS, json_values, max_size=5), properties=st.dictionaries(KEYS, schemas, max_size=5))
def test_casts_and_warnings_equal_the_cdk_walk_on_generated_records(record, properties) -> None:
    cdk, documented = normalize_both(record, {"type": "object", "properties": properties})
    assert documented == cdk


@pytest.mark.parametrize("stream", ["campaigns", "adsets", "ads", "adcreatives", "adaccounts"])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_casts_and_warnings_equal_the_cdk_walk_on_the_object_schemas(stream, data) -> None:
    schema = load_schema(stream)
    fields = list(schema["properties"])
    record = data.draw(st.dictionaries(st.sampled_from(fields), json_values, max_size=len(fields)))
    cdk, documented = normalize_both(record, schema)
    assert documented == cdk


def test_only_a_record_with_a_value_that_does_not_fit_takes_the_cdk_walk(monkeypatch) -> None:
    walked = []
    cdk_transform = TypeTransformer.transform
    monkeypatch.setattr(TypeTransformer, "transform", lambda self, record, schema: walked.append(record["id"]) or cdk_transform(self, record, schema))
    schema = load_schema("campaigns")
    documented = {"id": "1", "name": "c", "daily_budget": "5000", "updated_time": "2026-11-01T10:00:00+0000"}
    sent_as_number = {"id": "2", "name": "d", "daily_budget": 5000}
    no_budget_at_all = {"id": "3", "daily_budget": {"amount": 5000}}

    for record in (documented, sent_as_number, no_budget_at_all):
        DocumentedTypes().transform(record, schema)

    assert walked == ["3"]  # the CDK's walk words the warning
    assert documented["daily_budget"] == sent_as_number["daily_budget"] == "5000"
    assert no_budget_at_all["daily_budget"] == {"amount": 5000}


def test_a_value_that_needs_nothing_is_not_converted_nor_type_checked(monkeypatch) -> None:
    # Most object fields are a string under a string type: one set lookup each (issue 10: objects CPU).
    from source_facebook_ads.components import documented_types

    looked_at = []
    convert = documented_types._convert
    monkeypatch.setattr(documented_types, "_convert", lambda value, target: looked_at.append(value) or convert(value, target))
    record = {"id": "1", "name": "c", "daily_budget": 5000, "updated_time": "2026-11-01T10:00:00+0000", "adlabels": [{"id": "7"}]}

    DocumentedTypes().transform(record, load_schema("campaigns"))

    assert record["daily_budget"] == "5000"
    # The number to cast, and the array and its object to descend into; no string, not "7" either.
    assert sorted(map(str, looked_at)) == ["5000", "[{'id': '7'}]", "{'id': '7'}"]
