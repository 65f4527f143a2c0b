"""The emulated world: ad accounts and their objects, generated deterministically from a seed.

Objects are small records (`Node`); the fields Meta would send are rendered from them on
demand (render.py), and insights rows are computed on demand from ad ids and dates
(insights.py). Nothing large is built up front.
"""

import dataclasses
import datetime as dt
import time
import zoneinfo

from . import activities, insights
from .graph_format import to_unix, utc_day
from .stable_hash import between, chance, hex_digest, pick, stable_int
from .statuses import EFFECTIVE_STATUSES, HIDDEN_BY_DEFAULT

ACCOUNT_NUMBER_BASE = 1_000_000_000   # act_1000000001, act_1000000002, ...
DAY = 86_400
# Ads in these states never spent; ads stopped later delivered until the day they stopped.
NEVER_DELIVERED = frozenset({"DISAPPROVED", "PENDING_REVIEW", "PENDING_BILLING_INFO", "PREAPPROVED", "IN_PROCESS"})
STOPPED = frozenset({"PAUSED", "CAMPAIGN_PAUSED", "ADSET_PAUSED", "ARCHIVED", "DELETED"})

# Stream name (as the connector names it) -> node kind.
STREAM_KINDS = {
    "me": "user", "adaccounts": "adaccount", "ad_account": "adaccount", "businesses": "business",
    "campaigns": "campaign", "adsets": "adset", "ads": "ad", "adcreatives": "adcreative",
    "adimages": "adimage", "advideos": "advideo", "custom_audiences": "customaudience",
    "custom_conversions": "customconversion",
}
INSIGHT_STREAM_LEVELS = {"account_insights": "account", "campaign_insights": "campaign",
                         "adset_insights": "adset", "ad_insights": "ad"}
# Kinds whose node ids start with these digits (18-digit ids, like Meta's).
ID_PREFIXES = {"campaign": "12021", "adset": "12022", "ad": "12023", "adcreative": "12024",
               "advideo": "10215", "customaudience": "23852", "customconversion": "23853", "business": "10018",
               "user": "10009"}

ACCOUNT_PROFILES = (  # name, currency, countries its ads deliver in (heaviest first)
    ("Acme Retail US", "USD", ("US", "CA")),
    ("Acme Retail EU", "EUR", ("DE", "FR", "NL", "ES")),
    ("Northwind Apparel UK", "GBP", ("GB", "IE")),
    ("Contoso Travel", "USD", ("US", "MX", "BR")),
    ("Globex Home CA", "CAD", ("CA", "US")),
    ("Initech AU", "AUD", ("AU", "NZ")),
)
BUSINESS_NAMES = ("Acme Holdings", "Northwind Group", "Contoso Ltd", "Globex Corporation")
CAMPAIGN_THEMES = ("Spring Sale", "Black Friday", "Brand Awareness", "Retargeting", "Prospecting",
                   "Holiday Gifts", "New Arrivals", "Summer Clearance", "Loyalty", "Back to School")
OBJECTIVES = ("OUTCOME_SALES", "OUTCOME_SALES", "OUTCOME_TRAFFIC", "OUTCOME_LEADS", "OUTCOME_AWARENESS",
              "OUTCOME_ENGAGEMENT", "OUTCOME_APP_PROMOTION")
AUDIENCE_LABELS = ("Broad", "Lookalike 1%", "Interests - Fitness", "Website Visitors 30d", "Engaged Shoppers",
                   "Advantage+ Audience")
AD_FORMATS = ("Single Image", "Carousel", "Video 15s", "Collection", "Reels 9x16")
AUDIENCE_SUBTYPES = ("CUSTOM", "WEBSITE", "LOOKALIKE", "ENGAGEMENT")
CONVERSION_EVENTS = ("PURCHASE", "LEAD", "ADD_TO_CART", "COMPLETE_REGISTRATION")


@dataclasses.dataclass(slots=True, eq=False)
class Node:
    """One Graph object. Everything else Meta sends about it is derived from these facts."""

    kind: str
    id: str
    account_id: str | None        # "act_..." (None for the user and businesses)
    name: str
    created: int                  # unix seconds
    updated: int                  # unix seconds; ds.touch() moves it
    seq: int = 0                  # position among its kind in the account
    status: str | None = None     # configured status
    effective_status: str | None = None
    campaign_id: str | None = None
    adset_id: str | None = None
    props: dict = dataclasses.field(default_factory=dict)


class Dataset:
    """Ground truth for the emulator and for tests. Build one with Dataset.generate()."""

    def __init__(self, seed: int, anchor: int, history_days: int):
        self.seed = seed
        self.anchor = anchor                  # "now" at generation; object times lie before it
        self.history_days = history_days
        self.accounts = []                    # "act_..." ids, in order
        self.businesses = []
        self.user = None
        self.by_id = {}
        self.no_permission_accounts = set()   # every call for these answers 403 code 200
        # AdAccount fields that need permissions beyond ads_read: requesting one answers code 200.
        self.gated_account_fields = {"funding_source_details", "is_prepay_account", "owner"}
        # Accounts opted in to impression_device, frequency_value and hourly audience-time breakdowns.
        self.breakdown_opt_in_accounts = set()
        # Account id -> fields Meta refuses to read on that account's objects, "(#10) Permission Denied."
        self.refused_fields = {}
        # Creatives whose post was deleted: any request reading one with a post field fails (code 100/2446289).
        self.deleted_post_creatives = set()
        self._nodes = {}                      # (account id, kind) -> [Node]
        self._ads_under = {}                  # account/campaign/adset/ad id -> [ad Node]
        self._counters = {}
        self.lineage_cache = {}               # insights.level_objects() memo
        self.retired_pct = None               # see generate()

    # ---------------------------------------------------------------- generation
    @classmethod
    def generate(cls, accounts=2, campaigns_per_account=6, adsets_per_campaign=2, ads_per_adset=2,
                 creatives_per_account=4, images_per_account=3, videos_per_account=2, audiences_per_account=3,
                 conversions_per_account=2, businesses=2, seed=1, history_days=90, timezone_name="Etc/UTC", now=None,
                 retired_pct=None):
        """A deterministic dataset: the same arguments (and day) give the same objects and rows.

        Object times spread over the `history_days` before `now` (default: the real clock,
        truncated to the hour).
        `timezone_name` is every account's timezone; report days and date presets follow it.
        `retired_pct`: the percent of campaigns, ad sets and ads made DELETED or ARCHIVED (each on its
        own roll; children of a retired parent are retired with it); None keeps the usual status mix.
        """
        anchor = to_unix(now) if now is not None else int(time.time())
        # Truncated to the hour, so datasets generated within the same hour are identical.
        ds = cls(seed, anchor - anchor % 3600, history_days)
        ds.retired_pct = retired_pct
        ds.user = ds._add(Node("user", ds._next_id("user"), None, "Integration Test System User",
                               ds.anchor - 800 * DAY, ds.anchor - 30 * DAY))
        for index in range(businesses):
            ds.businesses.append(ds._add_business(index))
        for index in range(accounts):
            ds._add_account(index, timezone_name, campaigns_per_account, adsets_per_campaign, ads_per_adset,
                            creatives_per_account, images_per_account, videos_per_account, audiences_per_account,
                            conversions_per_account)
        return ds

    def _next_id(self, kind: str) -> str:
        count = self._counters[kind] = self._counters.get(kind, 0) + 1
        return f"{ID_PREFIXES[kind]}{self.seed % 1000:03d}{count:010d}"

    def _add(self, node: Node) -> Node:
        self.by_id[node.id] = node
        if node.account_id is not None:
            siblings = self._nodes.setdefault((node.account_id, node.kind), [])
            node.seq = len(siblings)
            siblings.append(node)
        return node

    def _spread(self, earliest: int, share_pct: int, *parts) -> int:
        """A time between `earliest` and `earliest + share_pct%` of the way to the anchor."""
        span = max(self.anchor - earliest, 1)
        return earliest + span * between(0, share_pct * 10, self.seed, *parts) // 1000

    def _add_business(self, index: int) -> Node:
        created = self.anchor - between(700, 2500, self.seed, "business", index) * DAY
        return self._add(Node("business", self._next_id("business"), None,
                              BUSINESS_NAMES[index % len(BUSINESS_NAMES)] + (f" {index + 1}" if index >= 4 else ""),
                              created, self._spread(created, 100, "business-upd", index)))

    def _add_account(self, index, timezone_name, campaigns, adsets, ads, creatives, images, videos, audiences,
                     conversions):
        number = ACCOUNT_NUMBER_BASE + index + 1
        name, currency, countries = ACCOUNT_PROFILES[index % len(ACCOUNT_PROFILES)]
        if index >= len(ACCOUNT_PROFILES):
            name = f"{name} {index // len(ACCOUNT_PROFILES) + 1}"
        created = self.anchor - between(400, 1500, self.seed, "account", number) * DAY
        account = self._add(Node("adaccount", f"act_{number}", None, name, created, created, props={
            "numeric_id": str(number), "currency": currency, "countries": countries,
            "timezone_name": timezone_name,
            "business_id": self.businesses[index % len(self.businesses)].id if self.businesses else None,
            "page_id": str(100_000_000_000_000 + stable_int(self.seed, "page", number) % 10 ** 14),
            "pixel_id": str(300_000_000_000_000 + stable_int(self.seed, "pixel", number) % 10 ** 14),
        }))
        account.account_id = account.id
        self.accounts.append(account.id)
        for n in range(images):
            self._add_image(account, n)
        for n in range(videos):
            self._add_video(account, n)
        for n in range(creatives):
            self._add_creative(account, n)
        for n in range(audiences):
            self._add_audience(account, n)
        for n in range(conversions):
            self._add_conversion(account, n)
        self._ads_under[account.id] = []
        for c in range(campaigns):
            campaign = self._add_campaign(account, c)
            for s in range(adsets):
                adset = self._add_adset(account, campaign, s)
                for a in range(ads):
                    ad = self._add_ad(account, campaign, adset, a)
                    for parent in (account.id, campaign.id, adset.id, ad.id):
                        self._ads_under.setdefault(parent, []).append(ad)

    def _object_node(self, kind, account, name, earliest, share_pct=100, node_id=None, **facts) -> Node:
        node_id = node_id or self._next_id(kind)
        created = self._spread(earliest, share_pct, kind, node_id)
        updated = self._spread(created, 100, kind, "updated", node_id)
        return self._add(Node(kind, node_id, account.id, name, created, updated, **facts))

    def _history_start(self) -> int:
        return self.anchor - self.history_days * DAY

    def _add_campaign(self, account, index) -> Node:
        objective = pick(OBJECTIVES, self.seed, account.id, "objective", index)
        theme = pick(CAMPAIGN_THEMES, self.seed, account.id, "theme", index)
        status, effective = self._status_mix(
            _campaign_status(stable_int(self.seed, account.id, "campaign-status", index) % 100), account.id, index)
        return self._object_node(
            "campaign", account, f"{theme} {index + 1} - {objective.removeprefix('OUTCOME_').replace('_', ' ').title()}",
            self._history_start(), status=status, effective_status=effective,
            props={"objective": objective, "budget_on_campaign": chance(35, self.seed, account.id, "cbo", index)})

    def _add_adset(self, account, campaign, index) -> Node:
        label = pick(AUDIENCE_LABELS, self.seed, campaign.id, "audience", index)
        country = account.props["countries"][index % len(account.props["countries"])]
        own = self._status_mix(_own_adset_status(stable_int(self.seed, campaign.id, "adset-status", index) % 100),
                               campaign.id, index)
        status, effective = _inherit(own, campaign, paused_parent_status="CAMPAIGN_PAUSED")
        return self._object_node("adset", account, f"{label} - {country} - {index + 1}", campaign.created, 30,
                                 status=status, effective_status=effective, campaign_id=campaign.id,
                                 props={"country": country})

    def _add_ad(self, account, campaign, adset, index) -> Node:
        ad_format = pick(AD_FORMATS, self.seed, adset.id, "format", index)
        own = self._status_mix(_own_ad_status(stable_int(self.seed, adset.id, "ad-status", index) % 100),
                               adset.id, index)
        status, effective = _inherit(own, adset, paused_parent_status="ADSET_PAUSED")
        creatives = self._nodes.get((account.id, "adcreative"), [])
        ad = self._object_node("ad", account, f"{ad_format} - Variant {chr(65 + index % 26)}", adset.created, 30,
                               status=status, effective_status=effective, campaign_id=campaign.id,
                               adset_id=adset.id)
        ad.props.update({
            "creative_id": creatives[(ad.seq + index) % len(creatives)].id if creatives else None,
            # Relative size of the ad's daily delivery (0.3x .. 3x).
            "scale": between(30, 300, self.seed, ad.id, "scale") / 100,
            "first_day": utc_day(ad.created),
            "last_day": _last_delivery_day(ad),
        })
        return ad

    def _status_mix(self, rolled, parent_id, index):
        """The rolled (status, effective status), or with `retired_pct` set: retired on its own roll, else live."""
        if self.retired_pct is None:
            return rolled
        if stable_int(self.seed, parent_id, "retired", index) % 100 < self.retired_pct:
            retired = pick(("DELETED", "ARCHIVED"), self.seed, parent_id, "retired-as", index)
            return retired, retired
        return ("PAUSED", "PAUSED") if rolled[1] in HIDDEN_BY_DEFAULT else rolled

    def _add_image(self, account, index) -> Node:
        image_hash = hex_digest(self.seed, account.id, "image", index)
        # Meta's adimage ids are "<account number>:<hash>".
        return self._object_node("adimage", account, f"product_{index + 1:03d}.jpg", self._history_start(),
                                 node_id=f"{account.props['numeric_id']}:{image_hash}", status="ACTIVE",
                                 props={"hash": image_hash})

    def _add_video(self, account, index) -> Node:
        return self._object_node("advideo", account, f"Product demo {index + 1}", self._history_start(),
                                 props={"length": between(6000, 60000, self.seed, account.id, "video", index) / 1000})

    def _add_creative(self, account, index) -> Node:
        images = self._nodes.get((account.id, "adimage"), [])
        videos = self._nodes.get((account.id, "advideo"), [])
        uses_video = bool(videos) and (index % 3 == 2 or not images)
        media = {"video_id": videos[index % len(videos)].id} if uses_video else (
            {"image_hash": images[index % len(images)].props["hash"]} if images else {})
        return self._object_node("adcreative", account, f"Creative {index + 1} - {'Video' if uses_video else 'Image'}",
                                 self._history_start(), status="ACTIVE", props=media)

    def _add_audience(self, account, index) -> Node:
        subtype = AUDIENCE_SUBTYPES[index % len(AUDIENCE_SUBTYPES)]
        names = {"CUSTOM": "Customer list", "WEBSITE": "Website visitors 30d", "LOOKALIKE": "Lookalike (US, 1%)",
                 "ENGAGEMENT": "Page engagers 365d"}
        return self._object_node("customaudience", account, f"{names[subtype]} {index + 1}", self._history_start(),
                                 props={"subtype": subtype})

    def _add_conversion(self, account, index) -> Node:
        event = CONVERSION_EVENTS[index % len(CONVERSION_EVENTS)]
        return self._object_node("customconversion", account, f"{event.replace('_', ' ').title()} - thank-you page",
                                 self._history_start(), props={"event": event})

    # ---------------------------------------------------------------- lookups
    def account_node(self, account_id: str):
        node = self.by_id.get(account_id)
        return node if node is not None and node.kind == "adaccount" else None

    def nodes(self, account_id: str, kind: str) -> list:
        """Every object of `kind` in the account, deleted ones included, in a stable order."""
        if kind == "adaccount":
            return [self.by_id[account_id]]
        return self._nodes.get((account_id, kind), [])

    def ads_under(self, node_id: str) -> list:
        return self._ads_under.get(node_id, [])

    def timezone(self, account_id=None):
        name = self.by_id[account_id].props["timezone_name"] if account_id else "Etc/UTC"
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return dt.timezone.utc

    def today(self, account_id=None) -> dt.date:
        """The emulator's today: the real clock's date in the account's timezone (UTC by default)."""
        return dt.datetime.now(self.timezone(account_id)).date()

    # ---------------------------------------------------------------- ground truth for tests
    def expected_ids(self, stream, account_id=None, include_deleted=False, updated_after=None) -> set:
        """Ids a full read of `stream` must return.

        campaigns/adsets/ads leave out ARCHIVED and DELETED objects unless include_deleted
        (Meta's default). updated_after (datetime or unix seconds) keeps objects updated
        strictly later. activities gives (object_id, event_type, event_time) keys. Insights streams
        give (level id, date_start) pairs for last_30d with time_increment=1; the level id of
        account_insights is the numeric account_id.
        """
        if stream in INSIGHT_STREAM_LEVELS:
            return self._expected_insight_keys(INSIGHT_STREAM_LEVELS[stream], account_id)
        if stream == "activities":   # (object_id, event_type, event_time) of every event
            threshold = to_unix(updated_after) if updated_after is not None else None
            return {event.key for acc in ([account_id] if account_id else self.accounts)
                    for event in activities.account_activities(self, acc) if threshold is None or event.at > threshold}
        nodes = self._stream_nodes(stream, account_id)
        if STREAM_KINDS[stream] in EFFECTIVE_STATUSES and not include_deleted:
            nodes = [n for n in nodes if n.effective_status not in HIDDEN_BY_DEFAULT]
        if updated_after is not None:
            if stream in ("me", "adaccounts", "ad_account", "adcreatives"):
                raise ValueError(f"{stream} has no updated time to filter on")
            threshold = to_unix(updated_after)
            nodes = [n for n in nodes if n.updated > threshold]
        return {n.id for n in nodes}

    def _stream_nodes(self, stream, account_id) -> list:
        if stream not in STREAM_KINDS:
            raise ValueError(f"unknown stream {stream!r}")
        kind = STREAM_KINDS[stream]
        if kind == "user":
            return [self.user]
        if kind == "business":
            return list(self.businesses)
        accounts = [account_id] if account_id else self.accounts
        return [node for acc in accounts for node in self.nodes(acc, kind)]

    def _expected_insight_keys(self, level, account_id) -> set:
        id_field = insights.LEVEL_ID_FIELDS[level]
        keys = set()
        for acc in [account_id] if account_id else self.accounts:
            today = self.today(acc)
            since, until = today - dt.timedelta(days=30), today - dt.timedelta(days=1)
            for row in self.insight_rows(level, acc, since, until, fields=(id_field,)):
                keys.add((row[id_field], row["date_start"]))
        return keys

    def insight_rows(self, level, account_id, since, until, breakdowns=(), fields=None, time_increment=1) -> list:
        """The rows GET /act_{id}/insights answers for these parameters, all pages, in order.

        `since`/`until` are dates (or "YYYY-MM-DD"), both inclusive; `fields` defaults to every
        field the emulator generates; `time_increment` is 1..90, "monthly" or "all_days".
        """
        since, until = (day if isinstance(day, dt.date) else dt.date.fromisoformat(day) for day in (since, until))
        query = insights.InsightsQuery(
            account_id=account_id, level=level, since=since, until=until,
            time_increment=time_increment, breakdowns=tuple(breakdowns),
            fields=tuple(fields) if fields else insights.GENERATED_FIELDS, today=self.today(account_id))
        return [row for _, row in insights.iter_rows(self, query)]

    def touch(self, stream, ids, at) -> None:
        """Move updated_time (time_updated for audiences) of these objects to `at`."""
        kind = STREAM_KINDS[stream]
        unix = to_unix(at)
        for object_id in ids:
            node = self.by_id[object_id]
            if node.kind != kind:
                raise ValueError(f"{object_id} is a {node.kind}, not in {stream}")
            node.updated = unix


def _campaign_status(roll: int):
    """(configured status, effective status) for a campaign from a 0..99 roll."""
    for threshold, status, effective in ((50, "ACTIVE", "ACTIVE"), (72, "PAUSED", "PAUSED"),
                                         (84, "ARCHIVED", "ARCHIVED"), (92, "DELETED", "DELETED"),
                                         (96, "ACTIVE", "IN_PROCESS"), (100, "ACTIVE", "WITH_ISSUES")):
        if roll < threshold:
            return status, effective
    raise AssertionError(roll)


def _own_adset_status(roll: int):
    for threshold, status, effective in ((62, "ACTIVE", "ACTIVE"), (82, "PAUSED", "PAUSED"),
                                         (91, "ARCHIVED", "ARCHIVED"), (97, "DELETED", "DELETED"),
                                         (100, "ACTIVE", "WITH_ISSUES")):
        if roll < threshold:
            return status, effective
    raise AssertionError(roll)


def _own_ad_status(roll: int):
    for threshold, status, effective in ((55, "ACTIVE", "ACTIVE"), (70, "PAUSED", "PAUSED"),
                                         (78, "ARCHIVED", "ARCHIVED"), (85, "DELETED", "DELETED"),
                                         (89, "ACTIVE", "DISAPPROVED"), (92, "ACTIVE", "PENDING_REVIEW"),
                                         (95, "ACTIVE", "WITH_ISSUES"), (97, "ACTIVE", "PENDING_BILLING_INFO"),
                                         (98, "ACTIVE", "PREAPPROVED"), (100, "ACTIVE", "IN_PROCESS")):
        if roll < threshold:
            return status, effective
    raise AssertionError(roll)


def _inherit(own, parent: Node, paused_parent_status: str):
    """A child's statuses given its parent's: deleting/archiving cascades, pausing shows through."""
    status, effective = own
    if parent.effective_status in HIDDEN_BY_DEFAULT:
        return parent.effective_status, parent.effective_status
    if effective == "ACTIVE" and parent.effective_status in ("PAUSED", "CAMPAIGN_PAUSED", "ADSET_PAUSED"):
        return status, "CAMPAIGN_PAUSED" if parent.effective_status == "CAMPAIGN_PAUSED" else paused_parent_status
    return status, effective


def _last_delivery_day(ad: Node):
    """None: still delivering; -1: never delivered; else the ordinal day it stopped."""
    if ad.effective_status in NEVER_DELIVERED:
        return -1
    if ad.effective_status in STOPPED:
        return utc_day(ad.updated)
    return None
