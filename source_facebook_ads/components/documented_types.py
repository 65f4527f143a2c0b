"""One JSON type per field for the object streams, whatever JSON type Meta sends.

Meta's reference types budgets (`daily_budget`, `lifetime_budget`, `budget_remaining`) and other
money as numeric strings, yet recorded answers carry them as JSON numbers as well. The schemas keep
the documented type, and this normaliser casts a scalar Meta sent as another JSON type to it: a
number to its decimal text where the schema says string, a numeric string to a number where the
schema says number or integer. Objects, arrays, booleans and values that do not convert are left
as they are (never turned into Python's text for them).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from airbyte_cdk.sources.utils.transform import TransformConfig, TypeTransformer


class DocumentedTypes(TypeTransformer):
    def __init__(self) -> None:
        super().__init__(TransformConfig.DefaultSchemaNormalization)

    @staticmethod
    def default_convert(original_item: Any, subschema: Mapping[str, Any]) -> Any:
        target = _single_type(subschema)
        if target is None or isinstance(original_item, bool) or original_item is None:
            return original_item
        if target == "string" and isinstance(original_item, (int, float)):
            return str(int(original_item)) if float(original_item).is_integer() else str(original_item)
        if target in ("number", "integer") and isinstance(original_item, str):
            return _number(original_item, target)
        if target == "integer" and isinstance(original_item, float) and original_item.is_integer():
            return int(original_item)
        return original_item


def _single_type(subschema: Mapping[str, Any]) -> str | None:
    """The schema's one non-null type, or None when it allows several."""
    declared = subschema.get("type")
    types = [declared] if isinstance(declared, str) else [t for t in declared or [] if t != "null"]
    return types[0] if len(types) == 1 else None


def _number(text: str, target: str) -> Any:
    try:
        value = float(text)
    except ValueError:
        return text
    if not math.isfinite(value):
        return text
    if target == "integer":
        return int(value) if value.is_integer() else text
    return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value
