"""An ad account's change history, GET /act_{id}/activities, derived from its objects' times.

Each campaign, ad set and ad has a create event at its creation and, once edited, an update event
at its last update (`ds.touch` moves that one, as an edit would). Meta names the objects by their
old names (a campaign is a CAMPAIGN_GROUP, an ad set a CAMPAIGN, an ad an ADGROUP), lists the newest
event first and, without `since`, answers only the last week; `since`/`until` take unix seconds
or a date (the SDK's `datetime` parameters).
"""

import dataclasses
import datetime as dt
import json
import time

from . import errors
from .graph_format import graph_time

DEFAULT_DAYS = 7
# kind -> (object_type, create event, update event, translated names)
EVENTS = {
    "campaign": ("CAMPAIGN_GROUP", "create_campaign_group", "update_campaign_run_status",
                 "Created campaign", "Updated campaign status"),
    "adset": ("CAMPAIGN", "create_ad_set", "update_ad_set_run_status", "Created ad set", "Updated ad set status"),
    "ad": ("ADGROUP", "create_ad", "update_ad_run_status", "Created ad", "Updated ad status"),
}


@dataclasses.dataclass(frozen=True)
class Activity:
    node: object
    at: int              # unix seconds
    created: bool        # the create event, else the last update

    @property
    def key(self) -> tuple:
        return (self.node.id, self.event_type, graph_time(self.at))

    @property
    def event_type(self) -> str:
        return EVENTS[self.node.kind][1 if self.created else 2]


def account_activities(ds, account_id: str) -> list:
    """Every event of the account, newest first (ties in a stable order)."""
    events = []
    for kind in EVENTS:
        for node in ds.nodes(account_id, kind):
            events.append(Activity(node, node.created, True))
            if node.updated > node.created:
                events.append(Activity(node, node.updated, False))
    return sorted(events, key=lambda event: (-event.at, event.node.id, not event.created))


def window(params: dict, now: float | None = None) -> tuple:
    """(since, until) in unix seconds, both inclusive."""
    now = int(now if now is not None else time.time())
    until = _moment(params.get("until"), "until") if params.get("until") else now
    since = _moment(params.get("since"), "since") if params.get("since") else until - DEFAULT_DAYS * 86_400
    return since, until


def _moment(raw: str, name: str) -> int:
    if raw.lstrip("-").isdigit():
        return int(raw)
    try:
        day = dt.date.fromisoformat(raw[:10])
    except ValueError:
        raise errors.invalid_parameter(f"param {name} must be a unix timestamp or a date") from None
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def render_activity(ds, event: Activity, fields) -> dict:
    node = event.node
    object_type, _, _, created_text, updated_text = EVENTS[node.kind]
    local = dt.datetime.fromtimestamp(event.at, ds.timezone(node.account_id))
    full = {
        "actor_id": ds.user.id, "actor_name": ds.user.name,
        "application_id": "119211728144504", "application_name": "Ads Manager",
        "date_time_in_timezone": local.strftime("%m/%d/%Y at %-I:%M%p %Z").replace("AM", "am").replace("PM", "pm"),
        "event_time": graph_time(event.at), "event_type": event.event_type,
        "extra_data": json.dumps({"old_value": None, "new_value": node.name} if event.created
                                 else {"old_value": "ACTIVE", "new_value": node.status}),
        "object_id": node.id, "object_name": node.name, "object_type": object_type,
        "translated_event_type": created_text if event.created else updated_text,
    }
    wanted = fields or ("event_time", "event_type")
    return {field: full[field] for field in wanted if field in full}
