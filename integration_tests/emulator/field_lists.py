"""Which field names each node type accepts: the official SDK's lists, copied into fields/."""

import functools
import json
from pathlib import Path

FIELDS_DIR = Path(__file__).with_name("fields")

# Node type names as they appear in "(#100) Tried accessing nonexisting field" errors.
NODE_TYPE_NAMES = {
    "user": "User",
    "adaccount": "AdAccount",
    "business": "Business",
    "campaign": "Campaign",
    "adset": "AdSet",
    "ad": "Ad",
    "adcreative": "AdCreative",
    "adimage": "AdImage",
    "advideo": "AdVideo",
    "customaudience": "CustomAudience",
    "customconversion": "CustomConversion",
    "adactivity": "AdActivity",
    "adsinsights": "AdsInsights",
}


@functools.cache
def known_fields(kind: str) -> frozenset:
    return frozenset(json.loads((FIELDS_DIR / f"{kind}.json").read_text()))


def parse_fields(raw: str) -> list:
    """Top-level names of a `fields` value: "id,actions{action_type,value},name" -> [id, actions, name].

    Nested selections and modifiers (`{...}`, `.limit(5)`) are accepted and ignored: the
    emulator answers the whole nested value.
    """
    if raw.lstrip().startswith("["):
        # Meta's own SDK (facebook_business) sends list parameters JSON-encoded, and Graph accepts them.
        return [str(name) for name in json.loads(raw)]
    names, depth, current = [], 0, []
    for char in raw:
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
        if char == "," and depth == 0:
            names.append("".join(current))
            current = []
        else:
            current.append(char)
    names.append("".join(current))
    top_level = (name.split("{", 1)[0].split(".", 1)[0].split("(", 1)[0].strip() for name in names)
    return list(dict.fromkeys(name for name in top_level if name))
