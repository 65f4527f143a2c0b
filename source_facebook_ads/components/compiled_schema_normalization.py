"""`schema_normalization: Default`, compiled once per schema instead of interpreted per record.

The CDK's Default normalization (TypeTransformer) runs a jsonschema validator over every record
to find the values to cast: on an insights row with ~30 arrays of action stats that walk costs
about 1 ms, most of a row's CPU. This class reads the schema once into a plan (which properties
to look at, which items to descend into, which Python types already fit) and then touches only
the values the plan names. The casts are the CDK's (`TypeTransformer.default_convert`; `float` or
`int` of a string directly, which is what it does for them), and a value that still does not fit
its type is logged with the CDK's own message, in the order its validator would log it: records
and warnings come out exactly as Default gives them (tests/components/test_compiled_schema_normalization.py
compares the two on generated records and schemas). A schema using a keyword the plan does not
model (`$ref`, tuple `items`, unknown types) is normalized by the CDK.
"""

from __future__ import annotations

import logging
import threading
from types import SimpleNamespace
from dataclasses import InitVar, dataclass
from typing import Any, Callable, Mapping, Optional

from airbyte_cdk.sources.utils.transform import TransformConfig, TypeTransformer

logger = logging.getLogger("airbyte")

# The keywords Default acts on, handled in the order the subschema lists them (as jsonschema does).
_KEYWORDS = ("type", "properties", "items")
_KNOWN_TYPES = frozenset({"null", "string", "number", "integer", "boolean", "object", "array"})
# Python types Default leaves as they are for a single concrete type. bool is not in "integer":
# Default casts True to 1 there.
_UNCAST = {"string": {str}, "number": {float}, "integer": {int}, "boolean": {bool}, "object": {dict}, "array": {list}}
# Python types that pass jsonschema's `type` check without looking at the value (an integral float
# passes "integer" too, but that needs a look: it goes the long way).
_FITS = {
    "null": {type(None)}, "string": {str}, "number": {int, float}, "integer": {int}, "boolean": {bool},
    "object": {dict}, "array": {list},
}
# What Default does to a string for these types, without its generic dispatch.
_STRING_CASTS: dict[str, Callable[[str], Any]] = {"number": float, "integer": int}


class UnsupportedSchema(Exception):
    """The schema uses a keyword the plan does not model; the CDK normalizes its records."""


@dataclass(frozen=True)
class _Node:
    schema: Mapping[str, Any]
    types: Optional[tuple[str, ...]]  # None: no `type` keyword, anything fits
    keywords: tuple[str, ...]  # of _KEYWORDS, in the subschema's order
    uncast: frozenset[type]  # values of these types are left as they are
    fits: frozenset[type]  # values of these types pass the type check
    nullable: bool  # Default keeps None as None when "null" is in `type`
    string_cast: Optional[Callable[[str], Any]]
    properties: tuple[tuple[str, "_Node"], ...]  # in the schema's order
    items: Optional["_Node"]
    children: Mapping[str, "_Node"]  # the properties by name
    # Values of these types need nothing here: no cast, no warning, nothing below to visit. Most
    # insights values (strings and nulls under a string type) stop at this one set lookup.
    settled: frozenset[type]
    # dict or list when a value of that type is left as it is and fits, so that only its properties
    # (or items) need a look: an insights array of action stats, and each stat.
    plain: Optional[type]


def _compile(schema: Any) -> _Node:
    if not isinstance(schema, Mapping) or "$ref" in schema:
        raise UnsupportedSchema()
    declared = schema.get("type", [])
    properties = schema.get("properties")
    items = schema.get("items")
    if not isinstance(declared, (str, list)) or not isinstance(properties, (Mapping, type(None))) or not isinstance(items, (Mapping, type(None))):
        raise UnsupportedSchema()
    types = (declared,) if isinstance(declared, str) else tuple(declared)
    if not set(types) <= _KNOWN_TYPES:
        raise UnsupportedSchema()
    concrete = [name for name in types if name != "null"]
    if len(concrete) == 1:
        uncast = set(_UNCAST[concrete[0]])
    else:  # Default casts only to a single concrete type
        uncast = {type(None), str, int, float, bool, dict, list}
    fits = set().union(*(_FITS[name] for name in types)) if "type" in schema else {type(None), str, int, float, bool, dict, list}
    compiled_properties = tuple((key, _compile(sub)) for key, sub in properties.items()) if properties is not None else ()
    left_as_is = uncast | ({type(None)} if "null" in declared else set())
    has_children = {dict} if properties else set()
    has_children |= {list} if items is not None else set()
    return _Node(
        schema=schema,
        types=types if "type" in schema else None,
        keywords=tuple(key for key in schema if key in _KEYWORDS),
        uncast=frozenset(uncast & fits),
        fits=frozenset(fits),
        nullable="null" in declared,
        string_cast=_STRING_CASTS.get(concrete[0]) if len(concrete) == 1 else None,
        properties=compiled_properties,
        items=_compile(items) if items is not None else None,
        children=dict(compiled_properties),
        settled=frozenset((left_as_is & fits) - has_children),
        plain=_plain_container(uncast & fits, properties, items),
    )


def _plain_container(left_and_fitting: set[type], properties: Any, items: Any) -> Optional[type]:
    if properties and dict in left_and_fitting:
        return dict
    if items is not None and list in left_and_fitting:
        return list
    return None


def _fits(value: Any, node: _Node) -> bool:
    """jsonschema's draft-7 `type` check, for the types a plan can hold (`type: []` fits nothing)."""
    if type(value) in node.fits:
        return True
    # The one value check: a float with no fractional part is an "integer".
    return node.types is not None and "integer" in node.types and type(value) is float and value.is_integer()


def _cast(value: Any, node: _Node) -> Any:
    """One value as Default casts it (not its children: they are cast when visited)."""
    if type(value) in node.uncast:
        return value
    if value is None and node.nullable:
        return None
    if node.string_cast is not None and type(value) is str:
        try:
            return node.string_cast(value)
        except ValueError:
            return value  # Default keeps what does not parse; the type check then warns
    return TypeTransformer.default_convert(value, node.schema)


class _NeedsFullWalk(Exception):
    """A value the quick walk does not settle: a cast that fails, a type that does not fit, a warning."""


def _quick_properties(value: dict, node: _Node) -> None:
    """The commonest cases of _Walk._properties (settled values, numbers sent as strings, plain
    dicts and lists), without a path or warnings: raises _NeedsFullWalk, or the cast's ValueError,
    at anything else.

    It casts only what the full walk casts, with the same function, and what it casts is settled
    for the full walk: a record it gave up on, walked in full afterwards, comes out as if walked in
    full alone (its warnings too).
    """
    children = node.children
    for key, child_value in value.items():
        child = children.get(key)
        if child is None:
            continue
        kind = type(child_value)
        if kind in child.settled:
            continue
        if kind is str and child.string_cast is not None:
            value[key] = child.string_cast(child_value)
        elif kind is not child.plain:
            raise _NeedsFullWalk()
        elif kind is dict:
            _quick_properties(child_value, child)
        else:
            _quick_items(child_value, child.items)  # type: ignore[arg-type]


def _quick_items(value: list, items: _Node) -> None:
    settled = items.settled
    if items.plain is not dict:
        # A list of settled values (an insights video curve: ~20 integers) checked without a Python loop.
        if not settled.issuperset(map(type, value)):
            raise _NeedsFullWalk()
        return
    for item in value:
        kind = type(item)
        if kind is dict:
            _quick_properties(item, items)
        elif kind not in settled:
            raise _NeedsFullWalk()


# A warning waiting for the end of its record: (where Default would log it, the message).
_Pending = list[tuple[tuple[int, ...], str]]


class _Walk:
    """One record's pass over a plan; the path is kept only to name a value that does not fit.

    A record's keys are visited in the record's order (an action stat has 2 of its schema's 9
    properties), so its warnings are held and logged, at the end, in the order Default logs them:
    the schema's order of properties, depth first (`_log_order`).
    """

    def __init__(self, normalizer: "CompiledSchemaNormalization") -> None:
        self._normalizer = normalizer

    def visit(self, value: Any, node: _Node, path: tuple, pending: _Pending) -> None:
        for keyword in node.keywords:
            if keyword == "type":
                if not _fits(value, node):
                    self._warn(value, node, path, pending)
            elif keyword == "properties":
                if type(value) is dict:
                    self._properties(value, node, path, pending)
            elif node.items is not None and type(value) is list:
                self._items(value, node, path, pending)

    # The two loops below inline _child's commonest cases (a number sent as a string, an action
    # stat in a list): a Python call per value was most of a row's cost.
    def _properties(self, value: dict, node: _Node, path: tuple, pending: _Pending) -> None:
        children = node.children
        for key, child_value in value.items():  # replacing values, never adding keys
            child = children.get(key)
            if child is None:
                continue
            kind = type(child_value)
            if kind in child.settled:
                continue
            if kind is str and child.string_cast is not None:
                try:
                    value[key] = child.string_cast(child_value)
                    continue
                except ValueError:
                    pass
            value[key] = self._child(child_value, child, path, key, pending)

    def _items(self, value: list, node: _Node, path: tuple, pending: _Pending) -> None:
        child: _Node = node.items  # type: ignore[assignment]
        for index, item in enumerate(value):
            kind = type(item)
            if kind in child.settled:
                continue
            if kind is dict and child.plain is dict:
                self._properties(item, child, (*path, index), pending)
            else:
                value[index] = self._child(item, child, path, index, pending)

    def _child(self, value: Any, node: _Node, path: tuple, key: Any, pending: _Pending) -> Any:
        # Casting every child before visiting any (as Default does) and casting each just before
        # its visit log the same: a child's warning shows its own subtree, which no sibling's cast touches.
        kind = type(value)
        if kind is str and node.string_cast is not None:
            try:
                return node.string_cast(value)  # a number's cast fits its type: nothing to check or visit
            except ValueError:
                pass
        elif kind is node.plain:
            if kind is dict:
                self._properties(value, node, (*path, key), pending)
            else:
                self._items(value, node, (*path, key), pending)
            return value
        value = _cast(value, node)
        if type(value) in node.settled:
            return value
        self.visit(value, node, (*path, key), pending)
        return value

    def _warn(self, value: Any, node: _Node, path: tuple, pending: _Pending) -> None:
        # The CDK's message, from the three attributes of a jsonschema error it reads, made now:
        # the value may still be cast by a later keyword of its node.
        error = SimpleNamespace(path=path, instance=value, validator_value=node.schema["type"])
        pending.append((path, self._normalizer.get_error_message(error)))  # type: ignore[arg-type]

    @staticmethod
    def log(pending: _Pending, plan: _Node) -> None:
        for _, message in sorted(pending, key=lambda warning: _log_order(plan, warning[0])):
            logger.warning(message)


def _log_order(plan: _Node, path: tuple) -> tuple[int, ...]:
    """Where Default logs a type warning at `path`: depth first, keywords and properties in the schema's order."""
    order: list[int] = []
    node = plan
    for step in path:
        if type(step) is int:  # an item of a list
            order += (node.keywords.index("items"), step)
            node = node.items  # type: ignore[assignment]
        else:
            order += (node.keywords.index("properties"), [key for key, _ in node.properties].index(step))
            node = node.children[step]
    order.append(node.keywords.index("type"))
    return tuple(order)


@dataclass
class CompiledSchemaNormalization(TypeTransformer):
    """A drop-in for `schema_normalization: Default` (the same casts and warnings), with a plan per schema."""

    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__init__(TransformConfig.DefaultSchemaNormalization)
        self._plans: dict[int, tuple[Mapping[str, Any], Optional[_Node]]] = {}
        self._plans_lock = threading.Lock()
        self._walk = _Walk(self)

    def transform(self, record: dict[str, Any], schema: Mapping[str, Any]) -> None:
        plan = self._plan(schema)
        if plan is None:
            super().transform(record, schema)
            return
        if type(record) is dict and plan.plain is dict:
            try:
                # Most records need no warning: walked without the paths a warning names, ~20% less CPU (issue 10).
                _quick_properties(record, plan)
                return
            except (_NeedsFullWalk, ValueError):
                pass
        pending: _Pending = []
        self._walk.visit(record, plan, (), pending)
        if pending:
            self._walk.log(pending, plan)

    def _plan(self, schema: Mapping[str, Any]) -> Optional[_Node]:
        # Keyed by identity (a stream hands the same schema object for every record); the entry
        # keeps the schema alive so its id cannot be reused by another one.
        cached = self._plans.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        try:
            plan: Optional[_Node] = _compile(schema)
        except UnsupportedSchema:
            plan = None
        with self._plans_lock:
            self._plans[id(schema)] = (schema, plan)
        return plan
