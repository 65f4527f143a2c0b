"""The `filtering` parameter of object edges (and Meta's default status filter)."""

import json
import operator

from . import errors
from .dataset import EFFECTIVE_STATUSES, HIDDEN_BY_DEFAULT

OPERATORS = {
    "EQUAL": operator.eq, "NOT_EQUAL": operator.ne,
    "GREATER_THAN": operator.gt, "GREATER_THAN_OR_EQUAL": operator.ge,
    "LESS_THAN": operator.lt, "LESS_THAN_OR_EQUAL": operator.le,
    "IN": lambda actual, wanted: actual in wanted, "NOT_IN": lambda actual, wanted: actual not in wanted,
}
TIME_FIELDS = frozenset({"updated_time", "created_time"})
_STATUS_FIELDS = {
    "id": lambda n: n.id, "name": lambda n: n.name,
    "effective_status": lambda n: n.effective_status, "configured_status": lambda n: n.status,
    "updated_time": lambda n: n.updated, "created_time": lambda n: n.created,
}
# Filterable fields per kind, after the "<kind>." prefix is removed. Only campaigns, adsets
# and ads filter on time and status (as documented); other edges accept `id` only.
FILTER_FIELDS = {
    "campaign": _STATUS_FIELDS,
    "adset": {**_STATUS_FIELDS, "campaign.id": lambda n: n.campaign_id},
    "ad": {**_STATUS_FIELDS, "campaign.id": lambda n: n.campaign_id, "adset.id": lambda n: n.adset_id},
}


def edge_predicate(kind: str, params: dict):
    """A node -> bool test for the edge's `filtering` / `effective_status` parameters."""
    clauses = [_clause(kind, index, item) for index, item in enumerate(_filter_items(params))]
    if params.get("effective_status"):
        statuses = _json_param(params["effective_status"], "effective_status")
        clauses.append(_clause(kind, len(clauses), {"field": "effective_status", "operator": "IN",
                                                     "value": statuses}))
    has_status_filter = any(name == "effective_status" for name, _ in clauses)
    if kind in EFFECTIVE_STATUSES and not has_status_filter:
        # Meta hides archived and deleted objects unless asked for them by status.
        clauses.append(("effective_status", lambda node: node.effective_status not in HIDDEN_BY_DEFAULT))
    tests = [test for _, test in clauses]
    return lambda node: all(test(node) for test in tests)


def _filter_items(params) -> list:
    if not params.get("filtering"):
        return []
    items = _json_param(params["filtering"], "filtering")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise errors.invalid_parameter("param filtering must be an array of filter objects")
    return items


def _json_param(raw: str, name: str):
    try:
        return json.loads(raw)
    except ValueError:
        raise errors.invalid_parameter(f"param {name} must be valid JSON") from None


def _clause(kind, index, item):
    """(field name, node -> bool) for one filter object."""
    raw_field, op_name, wanted = item.get("field"), str(item.get("operator", "")).upper(), item.get("value")
    field = raw_field.removeprefix(f"{kind}.") if isinstance(raw_field, str) else raw_field
    read = FILTER_FIELDS.get(kind, {"id": lambda n: n.id}).get(field)
    if read is None:
        raise errors.invalid_parameter(f"Filtering field {raw_field} is invalid")
    if op_name not in OPERATORS:
        raise errors.invalid_parameter(f"param filtering[{index}]['operator'] must be one of "
                                       f"{{{', '.join(OPERATORS)}}}")
    if op_name in ("IN", "NOT_IN") and not isinstance(wanted, list):
        raise errors.invalid_parameter(f"param filtering[{index}]['value'] must be an array for {op_name}")
    if field in TIME_FIELDS:
        wanted = _unix_seconds(wanted, index)
    if field == "effective_status":
        allowed = EFFECTIVE_STATUSES[kind]
        for status in wanted if isinstance(wanted, list) else [wanted]:
            if status not in allowed:
                raise errors.invalid_parameter(f"param filtering[{index}]['value'] must be one of "
                                               f"{{{', '.join(allowed)}}}")
    compare = OPERATORS[op_name]
    return field, lambda node: compare(read(node), wanted)


def _unix_seconds(value, index):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise errors.invalid_parameter(f"param filtering[{index}]['value'] must be a unix timestamp") from None
