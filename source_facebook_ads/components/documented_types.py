"""One JSON type per field for the object streams, whatever JSON type Meta sends.

Meta's reference types budgets (`daily_budget`, `lifetime_budget`, `budget_remaining`) and other
money as numeric strings, yet recorded answers carry them as JSON numbers as well. The schemas keep
the documented type, and this normaliser casts a scalar Meta sent as another JSON type to it: a
number to its decimal text where the schema says string, a numeric string to a number where the
schema says number or integer. Objects, arrays, booleans and values that do not convert are left
as they are (never turned into Python's text for them).

The CDK's TypeTransformer finds the values to cast with a jsonschema validator run over every record
(a fifth of an object read's CPU, issue 10). Here a plan of the schema, read once (the compiled
normalization's), names the values to look at; each is cast and type-checked as that walk does. A
value that still does not fit its type is the CDK's to warn about: its walk then runs on the record,
and gives what it gives on the record as sent, since casting a cast value changes nothing.
"""

from __future__ import annotations

import math
import threading
from typing import Any, Mapping, Optional

from airbyte_cdk.sources.utils.transform import TransformConfig, TypeTransformer

from source_facebook_ads.components.compiled_schema_normalization import UnsupportedSchema, _compile, _fits, _Node


class DocumentedTypes(TypeTransformer):
    def __init__(self) -> None:
        super().__init__(TransformConfig.DefaultSchemaNormalization)
        self._plans: dict[int, tuple[Mapping[str, Any], Optional[_Plan]]] = {}
        self._plans_lock = threading.Lock()

    def transform(self, record: dict[str, Any], schema: Mapping[str, Any]) -> None:
        plan = self._plan(schema)
        if plan is None or not plan.casts(record):
            super().transform(record, schema)

    def _plan(self, schema: Mapping[str, Any]) -> Optional["_Plan"]:
        # Keyed by identity (a stream hands the same schema object for every record); the entry
        # keeps the schema alive so that its id cannot be reused by another one.
        cached = self._plans.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        try:
            plan: Optional[_Plan] = _Plan(_compile(schema))
        except UnsupportedSchema:  # a keyword the plan does not model: the CDK's walk for every record
            plan = None
        with self._plans_lock:
            self._plans[id(schema)] = (schema, plan)
        return plan

    @staticmethod
    def default_convert(original_item: Any, subschema: Mapping[str, Any]) -> Any:
        return _convert(original_item, _single_type(subschema))


def _convert(original_item: Any, target: Optional[str]) -> Any:
    """`original_item` cast to `target`; the very same object when there is nothing to cast."""
    if target is None or isinstance(original_item, bool) or original_item is None:
        return original_item
    if target == "string" and isinstance(original_item, (int, float)):
        return str(int(original_item)) if float(original_item).is_integer() else str(original_item)
    if target in ("number", "integer") and isinstance(original_item, str):
        return _number(original_item, target)
    if target == "integer" and isinstance(original_item, float) and original_item.is_integer():
        return int(original_item)
    return original_item


class _Plan:
    """The CDK's walk over a record, for the keywords it acts on: `type`, `properties`, `items`."""

    def __init__(self, root: _Node) -> None:
        self._root = root
        self._targets: dict[int, Optional[str]] = {}  # id(node) -> _single_type of its schema
        # id(node) -> the Python types of a value that needs nothing there: no cast, fits, nothing below
        # to visit. Most object fields (a string under a string type) stop at this one set lookup.
        self._settled: dict[int, frozenset[type]] = {}
        self._collect(root)

    def _collect(self, node: _Node) -> None:
        target = _single_type(node.schema)
        self._targets[id(node)] = target
        left_as_is = _ANY_JSON - _CAST_FROM.get(target, frozenset())
        fitting = node.fits if node.types is not None else _ANY_JSON
        below = ({dict} if node.properties else set()) | ({list} if node.items is not None else set())
        self._settled[id(node)] = frozenset((left_as_is & fitting) - below)
        for _, child in node.properties:
            self._collect(child)
        if node.items is not None:
            self._collect(node.items)

    def casts(self, record: Any) -> bool:
        """Cast the record's values in place; False as soon as one would not fit its type (a warning)."""
        # The walk casts the values under `properties` and `items`, not the record itself.
        return self._casts_below(record, self._root) and (self._root.types is None or _fits(record, self._root))

    def _casts_below(self, value: Any, node: _Node) -> bool:
        settled = self._settled
        if node.properties and type(value) is dict:
            for key, child in node.properties:
                if key in value and type(value[key]) not in settled[id(child)] and not self._casts_in(value, key, child):
                    return False
        if node.items is not None and type(value) is list:
            items = node.items
            settled_items = settled[id(items)]
            return all(type(item) in settled_items or self._casts_in(value, index, items) for index, item in enumerate(value))
        return True

    def _casts_in(self, parent: Any, key: Any, node: _Node) -> bool:
        value = parent[key]
        cast = _convert(value, self._targets[id(node)])
        if cast is not value:
            parent[key] = cast
        return (node.types is None or _fits(cast, node)) and self._casts_below(cast, node)


# The Python types of JSON values, and those `_convert` casts for each target type (bool is not an int here).
_ANY_JSON = frozenset({type(None), bool, int, float, str, dict, list})
_CAST_FROM = {"string": frozenset({int, float}), "number": frozenset({str}), "integer": frozenset({str, float})}


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
