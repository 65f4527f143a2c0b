"""DocumentedTypes: a value Meta sends in another JSON type becomes its schema's type, or stays as it was."""

from __future__ import annotations

from typing import Any

import pytest

from source_facebook_ads.components.documented_types import DocumentedTypes

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
