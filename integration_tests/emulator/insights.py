"""Insights rows, computed on demand from (ad id, day) and aggregated up the hierarchy.

An ad delivers on a day when the day lies between its creation and its stop (today for
live ads; never for disapproved/pending ones) and a hash of (ad, day) says so (~85% of
days). Its metrics that day come from the same hash. Campaign, adset and account rows sum
their ads' metrics; breakdown rows split an object's metrics by hash-drawn weights, so
additive metrics of the breakdown rows sum to the unbroken row.

Rows are produced in a fixed order (period, object, breakdown combination); a position in
that order is the paging cursor, so paging never materialises the whole result.
"""

import dataclasses
import datetime as dt
import functools
import itertools
import json
import operator

from . import errors
from .field_lists import known_fields, parse_fields
from .graph_format import graph_time, money, months_before, ratio
from .stable_hash import pick, stable_int, stable_u16s
from .statuses import EFFECTIVE_STATUSES, HIDDEN_BY_DEFAULT

LEVELS = ("account", "campaign", "adset", "ad")
LEVEL_ID_FIELDS = {"account": "account_id", "campaign": "campaign_id", "adset": "adset_id", "ad": "ad_id"}
DEFAULT_FIELDS = ("impressions", "spend")
DELIVERY_DAY_PCT = 85        # share of eligible days on which an ad delivers
MAX_MONTHS_BACK = 37         # older start dates answer code 3018
# Since 2025-06-10 a sync request with breakdowns whose start is more than 13 months back gets no reach,
# frequency or cpp (no error); async report runs keep them for 10 such runs per account and day
# (developers.facebook.com/docs/marketing-api/insights/best-practices).
REACH_MONTHS_BACK = 13
REACH_FIELDS = frozenset({"reach", "frequency", "cpp"})
REACH_RUNS_PER_DAY = 10
# Since 2026-08-03 these breakdowns need an opt-in (accounts without sales support): without it, no rows.
OPT_IN_BREAKDOWNS = frozenset({"impression_device", "frequency_value", "hourly_stats_aggregated_by_audience_time_zone"})

# One day of one ad: 16 counters (money in minor units), in this order.
METRICS = ("impressions", "reach", "clicks", "unique_clicks", "inline_link_clicks", "unique_inline_link_clicks",
           "spend", "landing_page_views", "post_engagements", "page_engagements", "video_views", "thruplays",
           "add_to_carts", "purchases", "purchase_value", "leads")
(IMPRESSIONS, REACH, CLICKS, UNIQUE_CLICKS, LINK_CLICKS, UNIQUE_LINK_CLICKS, SPEND, LANDING_PAGE_VIEWS,
 POST_ENGAGEMENTS, PAGE_ENGAGEMENTS, VIDEO_VIEWS, THRUPLAYS, ADD_TO_CARTS, PURCHASES, PURCHASE_VALUE,
 LEADS) = range(len(METRICS))

# Breakdown values with their typical share of delivery (country comes from the account).
BREAKDOWN_PROFILES = {
    "age": (("13-17", 1), ("18-24", 14), ("25-34", 30), ("35-44", 24), ("45-54", 16), ("55-64", 10), ("65+", 6)),
    "gender": (("female", 48), ("male", 49), ("unknown", 3)),
    # The platforms and placements every emulated ad set targets (render._targeting).
    "publisher_platform": (("facebook", 55), ("instagram", 45)),
    "device_platform": (("mobile_app", 70), ("mobile_web", 18), ("desktop", 12)),
    "impression_device": (("android_smartphone", 40), ("iphone", 35), ("desktop", 12), ("ipad", 5),
                          ("android_tablet", 4), ("other", 4)),
    "platform_position": (("feed", 50), ("facebook_reels", 12), ("facebook_stories", 8), ("instagram_stories", 15),
                          ("instagram_reels", 15)),
    "frequency_value": (("1", 55), ("2", 22), ("3", 10), ("4", 6), ("5", 4), ("6-10", 3)),
    "hourly_stats_aggregated_by_audience_time_zone": tuple(
        (f"{hour:02d}:00:00 - {hour:02d}:59:59", 2 + (hour * 7) % 5) for hour in range(24)),
    "country": None,
    "region": None,
    "dma": (("New York", 22), ("Los Angeles", 18), ("Chicago", 12), ("Dallas-Ft. Worth", 9), ("Houston", 8),
            ("Atlanta", 7), ("Unknown", 24)),
    # Hours of the ad account's day, as Meta labels them ("00:00:00 - 00:59:59"), busiest in the evening.
    "hourly_stats_aggregated_by_advertiser_time_zone": tuple(
        (f"{hour:02d}:00:00 - {hour:02d}:59:59", weight) for hour, weight in enumerate(
            (3, 2, 1, 1, 1, 2, 3, 5, 6, 6, 6, 6, 7, 6, 6, 6, 6, 7, 8, 9, 9, 8, 6, 4))),
}
COUNTRY_WEIGHTS = (60, 25, 10, 5, 3, 2)
# Regions of the countries the emulated accounts deliver in (other countries: one "Unknown" region).
REGIONS = {"US": ("California", "Texas", "New York", "Florida"), "CA": ("Ontario", "Quebec", "British Columbia"),
           "DE": ("Bavaria", "Berlin", "Hesse"), "FR": ("Ile-de-France", "Provence-Alpes-Cote d'Azur"),
           "GB": ("England", "Scotland", "Wales"), "AU": ("New South Wales", "Victoria")}
# Placements belong to one platform: a (publisher_platform, platform_position) pair outside this
# table never appears in Meta's rows (the targeted feed, story and reels placements of each).
PLATFORM_POSITIONS = {
    "facebook": frozenset({"feed", "facebook_reels", "facebook_stories"}),
    "instagram": frozenset({"feed", "instagram_stories", "instagram_reels"}),
}
# Fields Meta refuses with a breakdown (Insights API Breakdowns, "Hourly Breakdowns": no unique
# fields, reach included; video_p*_watched_actions "do not support region breakdown").
UNIQUE_FIELDS = frozenset({"reach", "frequency", "cpp"})
REFUSED_WITH_BREAKDOWN = {
    "hourly_stats_aggregated_by_advertiser_time_zone": lambda field: field in UNIQUE_FIELDS or "unique" in field,
    "hourly_stats_aggregated_by_audience_time_zone": lambda field: field in UNIQUE_FIELDS or "unique" in field,
    "region": lambda field: field.startswith("video_p") and field.endswith("_watched_actions"),
}
ACTION_BREAKDOWNS = frozenset({
    "action_type", "action_device", "action_destination", "action_target_id", "action_reaction",
    "action_video_sound", "action_video_type", "action_carousel_card_id", "action_carousel_card_name",
    "action_canvas_component_name", "standard_event_content_type", "conversion_destination"})
REMOVED_ATTRIBUTION_WINDOWS = frozenset({"7d_view", "28d_view"})   # removed by Meta on 2026-01-12
RANKINGS = ("ABOVE_AVERAGE", "AVERAGE", "AVERAGE", "BELOW_AVERAGE_35", "UNKNOWN")

# (action_type, counter) as Meta lists them in `actions`.
ACTIONS = (("add_to_cart", ADD_TO_CARTS), ("landing_page_view", LANDING_PAGE_VIEWS), ("lead", LEADS),
           ("link_click", LINK_CLICKS), ("offsite_conversion.fb_pixel_add_to_cart", ADD_TO_CARTS),
           ("offsite_conversion.fb_pixel_purchase", PURCHASES), ("omni_purchase", PURCHASES),
           ("page_engagement", PAGE_ENGAGEMENTS), ("post_engagement", POST_ENGAGEMENTS),
           ("purchase", PURCHASES), ("video_view", VIDEO_VIEWS))
VALUED_ACTIONS = ("offsite_conversion.fb_pixel_purchase", "omni_purchase", "purchase")


@dataclasses.dataclass(frozen=True)
class InsightsQuery:
    account_id: str
    level: str
    since: dt.date
    until: dt.date
    time_increment: object     # int days, "monthly" or "all_days"
    breakdowns: tuple
    fields: tuple
    today: dt.date             # fixed when asked, so a report run's pages stay consistent
    # ((entity, allowed effective statuses), ...) from `filtering` on <entity>.effective_status.
    status_filters: tuple = ()
    # Meta's default below account level: no effective_status filter, no rows for ARCHIVED or DELETED objects.
    hide_retired: bool = False
    # action_attribution_windows: each action item then carries one key per window, a string like `value`.
    attribution_windows: tuple = ()
    omit_reach: bool = False   # rows leave out REACH_FIELDS (see REACH_MONTHS_BACK)

    @property
    def reach_is_old(self) -> bool:
        """Breakdowns and a start more than 13 months back: Meta's condition for leaving out reach."""
        return bool(self.breakdowns) and self.since < months_before(self.today, REACH_MONTHS_BACK)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


# ------------------------------------------------------------------ parameters
def parse_query(params: dict, ds, account_id: str) -> InsightsQuery:
    """Validate insights parameters the way Meta does; raise GraphError on a bad one."""
    level = params.get("level", "account")
    if level not in LEVELS:
        raise errors.invalid_parameter("param level must be one of {ad, adset, campaign, account}")
    fields = tuple(parse_fields(params["fields"])) if params.get("fields") else DEFAULT_FIELDS
    allowed = known_fields("adsinsights")
    for field in fields:
        if field not in allowed:
            raise errors.invalid_parameter(
                f"{field} is not valid for fields param. please check "
                "https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ for all valid values")
    breakdowns = tuple(dict.fromkeys(list_param(params.get("breakdowns"))))
    for index, breakdown in enumerate(breakdowns):
        if breakdown not in BREAKDOWN_PROFILES:
            raise errors.invalid_parameter(f"breakdowns[{index}] must be one of the following values: "
                                           + ", ".join(sorted(BREAKDOWN_PROFILES)))
    for breakdown in breakdowns:
        refused = [field for field in fields if REFUSED_WITH_BREAKDOWN.get(breakdown, lambda field: False)(field)]
        if refused:
            raise errors.invalid_parameter(f"{refused[0]} is not supported with the {breakdown} breakdown")
    for index, action_breakdown in enumerate(list_param(params.get("action_breakdowns"))):
        if action_breakdown not in ACTION_BREAKDOWNS:   # accepted; only action_type shapes the rows
            raise errors.invalid_parameter(f"action_breakdowns[{index}] must be one of the following values: "
                                           + ", ".join(sorted(ACTION_BREAKDOWNS)))
    for window in list_param(params.get("action_attribution_windows")):
        if window in REMOVED_ATTRIBUTION_WINDOWS:
            raise errors.invalid_parameter(f"The attribution window {window} is no longer supported")
    today = ds.today(account_id)
    since, until = _date_window(params, ds, account_id, today)
    if since < months_before(today, MAX_MONTHS_BACK):
        raise errors.start_date_too_old()
    status_filters = _status_filters(params.get("filtering"))
    return InsightsQuery(account_id, level, since, until, _time_increment(params.get("time_increment")),
                         breakdowns, fields, today, status_filters,
                         hide_retired=level != "account" and not status_filters,
                         attribution_windows=tuple(list_param(params.get("action_attribution_windows"))))


def _status_filters(raw) -> tuple:
    """`filtering` on insights: only `<campaign|adset|ad>.effective_status` IN [...] is emulated.

    "act_<id>/insights?level=ad does not return stats for the deleted object" unless the request
    filters on ad.effective_status naming DELETED/ARCHIVED (developers.facebook.com/docs/marketing-api/
    best-practices/manage-your-ad-object-status); likewise adset. and campaign. for their levels.
    """
    if not raw:
        return ()
    try:
        items = json.loads(raw)
    except ValueError:
        raise errors.invalid_parameter("param filtering must be valid JSON") from None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise errors.invalid_parameter("param filtering must be an array of filter objects")
    filters = []
    for index, item in enumerate(items):
        entity, _, name = str(item.get("field", "")).partition(".")
        if entity not in EFFECTIVE_STATUSES or name != "effective_status":
            raise errors.invalid_parameter(f"Filtering field {item.get('field')} is invalid")
        if str(item.get("operator", "")).upper() != "IN" or not isinstance(item.get("value"), list):
            raise errors.invalid_parameter(f"param filtering[{index}] must use the operator IN with an array value")
        for status in item["value"]:
            if status not in EFFECTIVE_STATUSES[entity]:
                raise errors.invalid_parameter(f"param filtering[{index}]['value'] must be one of "
                                               f"{{{', '.join(EFFECTIVE_STATUSES[entity])}}}")
        filters.append((entity, frozenset(item["value"])))
    return tuple(filters)


def _reported(query: InsightsQuery, lineage) -> bool:
    """Whether Meta answers a row for this object, given the query's status filtering."""
    if query.hide_retired and lineage.node.effective_status in HIDDEN_BY_DEFAULT:
        return False
    return all(getattr(lineage, entity).effective_status in allowed for entity, allowed in query.status_filters
               if getattr(lineage, entity) is not None)


def list_param(raw) -> list:
    """A list parameter sent either as JSON (["age","gender"]) or comma separated (age,gender)."""
    if not raw:
        return []
    raw = raw.strip()
    if raw.startswith("["):
        try:
            values = json.loads(raw)
        except ValueError:
            raise errors.invalid_parameter(f"param must be a list: {raw}") from None
        return [str(value) for value in values]
    return [part.strip() for part in raw.split(",") if part.strip()]


def _time_increment(raw):
    if raw in (None, "", "all_days"):
        return "all_days"
    if raw == "monthly":
        return "monthly"
    if raw.isdigit() and 1 <= int(raw) <= 90:
        return int(raw)
    raise errors.invalid_parameter("param time_increment must be an integer from 1 to 90, monthly or all_days")


def _date_window(params, ds, account_id, today):
    if params.get("time_range"):
        return _time_range(params["time_range"])
    if "time_range[since]" in params:   # the form encoding some SDKs use
        return _time_range(json.dumps({"since": params["time_range[since]"],
                                       "until": params.get("time_range[until]")}))
    return preset_window(params.get("date_preset", "last_30d"), today, lambda: _first_delivery_day(ds, account_id))


def _time_range(raw):
    try:
        window = json.loads(raw)
        since, until = dt.date.fromisoformat(window["since"]), dt.date.fromisoformat(window["until"])
    except (ValueError, KeyError, TypeError):
        raise errors.invalid_parameter(
            'param time_range must be a JSON object like {"since":"YYYY-MM-DD","until":"YYYY-MM-DD"}') from None
    if until < since:
        raise errors.invalid_parameter("param time_range: since must be on or before until")
    return since, until


def preset_window(preset: str, today: dt.date, first_day):
    """(since, until) of a date_preset; last_Nd means the N days before today, today excluded."""
    day = dt.timedelta(days=1)
    if preset.startswith("last_") and preset.endswith("d") and preset[5:-1].isdigit():
        span = int(preset[5:-1])
        if span in (3, 7, 14, 28, 30, 90):
            return today - span * day, today - day
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - day
    monday = today - today.weekday() * day
    windows = {
        "today": (today, today),
        "yesterday": (today - day, today - day),
        "this_month": (first_of_month, today),
        "last_month": (last_month_end.replace(day=1), last_month_end),
        "this_week_mon_today": (monday, today),
        "last_week_mon_sun": (monday - 7 * day, monday - day),
        "this_year": (today.replace(month=1, day=1), today),
        "last_year": (today.replace(year=today.year - 1, month=1, day=1), today.replace(month=1, day=1) - day),
    }
    if preset in windows:
        return windows[preset]
    if preset == "maximum":
        return max(first_day(), months_before(today, MAX_MONTHS_BACK)), today
    raise errors.invalid_parameter(f"param date_preset must be one of today, yesterday, last_3d, last_7d, "
                                   f"last_14d, last_28d, last_30d, last_90d, this_month, last_month, "
                                   f"this_week_mon_today, last_week_mon_sun, this_year, last_year, maximum")


def _first_delivery_day(ds, account_id) -> dt.date:
    days = [ad.props["first_day"] for ad in ds.ads_under(account_id) if ad.props["last_day"] != -1]
    return dt.date.fromordinal(min(days)) if days else ds.today(account_id)


# ------------------------------------------------------------------ rows
def periods(query: InsightsQuery) -> list:
    """The (since, until) windows a row covers, per time_increment."""
    if query.time_increment == "all_days":
        return [(query.since, query.until)]
    windows, start = [], query.since
    while start <= query.until:
        if query.time_increment == "monthly":
            next_month = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            end = next_month - dt.timedelta(days=1)
        else:
            end = start + dt.timedelta(days=query.time_increment - 1)
        windows.append((start, min(end, query.until)))
        start = min(end, query.until) + dt.timedelta(days=1)
    return windows


def iter_rows(ds, query: InsightsQuery, start=(0, 0, 0)):
    """Yield ((period, object, combination) position, row) from `start` on, in a fixed order."""
    objects = level_objects(ds, query.account_id, query.level)
    windows = periods(query)
    computed_fields = [(field, ROW_FIELDS[field]) for field in query.fields
                       if field in ROW_FIELDS and not (query.omit_reach and field in REACH_FIELDS)]
    first_period, first_object, first_combo = start
    for period_index in range(first_period, len(windows)):
        since, until = windows[period_index]
        dates = {"date_start": since.isoformat(), "date_stop": until.isoformat()}
        object_start = first_object if period_index == first_period else 0
        for object_index in range(object_start, len(objects)):
            lineage = objects[object_index]
            if not _reported(query, lineage):
                continue
            totals = sum_metrics(ds.seed, lineage.ads, since.toordinal(), until.toordinal(), query.today.toordinal())
            if totals is None:
                continue
            parts = split_by_breakdowns(ds, query, lineage, since, until, totals)
            combo_start = first_combo if (period_index, object_index) == (first_period, first_object) else 0
            for combo_index in range(combo_start, len(parts)):
                breakdown_values, metrics = parts[combo_index]
                yield ((period_index, object_index, combo_index),
                       build_row(computed_fields, lineage, dates, breakdown_values, metrics,
                                 query.attribution_windows))


@dataclasses.dataclass(frozen=True)
class Lineage:
    """A row's object and its ancestors (None above the row's level) and the ads it sums."""

    node: object
    account: object
    campaign: object
    adset: object
    ad: object
    ads: tuple


def level_objects(ds, account_id: str, level: str) -> list:
    # Cached on the dataset: the hierarchy never changes after generation.
    cache = ds.lineage_cache
    key = (account_id, level)
    if key not in cache:
        account = ds.by_id[account_id]
        lineages = []
        for node in ds.nodes(account_id, "adaccount" if level == "account" else level):
            campaign = ds.by_id.get(node.campaign_id) if level in ("adset", "ad") else (
                node if level == "campaign" else None)
            adset = ds.by_id.get(node.adset_id) if level == "ad" else (node if level == "adset" else None)
            lineages.append(Lineage(node, account, campaign, adset, node if level == "ad" else None,
                                    tuple(ds.ads_under(node.id))))
        cache[key] = lineages
    return cache[key]


@functools.lru_cache(maxsize=1 << 17)
def ad_day_metrics(seed: int, ad_id: str, day: int, scale: float):
    """One ad's counters on one day, or None when it did not deliver that day."""
    u = stable_u16s(seed, ad_id, day)
    if u[0] % 100 >= DELIVERY_DAY_PCT:
        return None
    impressions = int(scale * (150 + u[1] % 4000))
    clicks = impressions * (3 + u[3] % 30) // 1000
    link_clicks = clicks * (55 + u[5] % 40) // 100
    landing_page_views = link_clicks * (40 + u[7] % 50) // 100
    post_engagements = clicks + impressions * (u[8] % 20) // 1000
    video_views = impressions * (u[10] % 80) // 1000
    purchases = landing_page_views * (u[13] % 9) // 100
    return (
        impressions,
        impressions * (60 + u[2] % 35) // 100,                    # reach
        clicks,
        clicks * (80 + u[4] % 20) // 100,                         # unique clicks
        link_clicks,
        link_clicks * (85 + u[6] % 15) // 100,                    # unique link clicks
        impressions * (400 + u[9] % 1200) // 1000,                # spend (CPM 4..16, minor units)
        landing_page_views,
        post_engagements,
        post_engagements + u[11] % 5,                             # page engagements
        video_views,
        video_views * (20 + u[12] % 50) // 100,                   # thruplays
        landing_page_views * (u[14] % 20) // 100,                 # add to carts
        purchases,
        purchases * (1500 + u[15] % 20000),                       # purchase value (minor units)
        link_clicks * (u[14] % 5) // 100,                         # leads
    )


def sum_metrics(seed: int, ads, first_day: int, last_day: int, today: int):
    """Summed counters of `ads` over [first_day, last_day] (ordinals), or None if none delivered."""
    total = None
    for ad in ads:
        props = ad.props
        stop = props["last_day"]
        low = max(first_day, props["first_day"])
        high = min(last_day, today if stop is None else stop, today)
        for day in range(low, high + 1):
            metrics = ad_day_metrics(seed, ad.id, day, props["scale"])
            if metrics is not None:
                total = metrics if total is None else tuple(map(operator.add, total, metrics))
    return total


def split_by_breakdowns(ds, query, lineage, since, until, totals) -> list:
    """[(breakdown values, counters)]: one unbroken part without breakdowns."""
    if not query.breakdowns:
        return [({}, totals)]
    weighted_options = [_weighted_options(ds, query, lineage, since, until, breakdown)
                         for breakdown in query.breakdowns]
    combos = [(tuple(value for value, _ in combo), _product(weight for _, weight in combo))
              for combo in itertools.product(*weighted_options)]
    if "publisher_platform" in query.breakdowns and "platform_position" in query.breakdowns:
        platform, position = query.breakdowns.index("publisher_platform"), query.breakdowns.index("platform_position")
        combos = [combo for combo in combos if combo[0][position] in PLATFORM_POSITIONS[combo[0][platform]]]
    weight_sum = sum(weight for _, weight in combos)
    parts = [[total * weight // weight_sum for total in totals] for _, weight in combos]
    # Rounding leftovers go to the heaviest combination, so additive counters sum exactly.
    heaviest = max(range(len(combos)), key=lambda index: combos[index][1])
    for metric, (total, split_sum) in enumerate(zip(totals, map(sum, zip(*parts)))):
        parts[heaviest][metric] += total - split_sum
    result = []
    for (values, _), part in zip(combos, parts):
        if part[IMPRESSIONS] == 0 and part[SPEND] == 0:
            continue   # Meta sends no row for a slice without delivery
        part[REACH] = min(part[REACH], part[IMPRESSIONS])
        part[UNIQUE_CLICKS] = min(part[UNIQUE_CLICKS], part[CLICKS])
        result.append((dict(zip(query.breakdowns, values)), tuple(part)))
    return result


def _weighted_options(ds, query, lineage, since, until, breakdown):
    options = BREAKDOWN_PROFILES[breakdown]
    countries = lineage.account.props["countries"]
    if breakdown == "country":   # where the account's ads run
        options = tuple(zip(countries, COUNTRY_WEIGHTS))
    elif breakdown == "region":
        regions = [region for country in countries for region in REGIONS.get(country, ("Unknown",))]
        options = tuple((region, 10) for region in dict.fromkeys(regions))
    return [(value, weight * (50 + stable_int(ds.seed, lineage.node.id, since, until, breakdown, value) % 100))
            for value, weight in options]


def _product(numbers):
    result = 1
    for number in numbers:
        result *= number
    return result


# ------------------------------------------------------------------ row fields
def _per(numerator_minor: int, denominator: int, scale=1):
    """Money per unit as Meta formats it, omitted (None) when nothing to divide by."""
    return ratio(numerator_minor / 100 * scale / denominator) if denominator else None


def _rate(numerator: int, denominator: int):
    return ratio(100 * numerator / denominator) if denominator else None


def _day(unix_seconds: int) -> str:
    return graph_time(unix_seconds)[:10]


def _actions(m):
    return [{"action_type": name, "value": str(m[index])} for name, index in ACTIONS if m[index]] or None


def _action_values(m):
    return [{"action_type": name, "value": money(m[PURCHASE_VALUE])} for name in VALUED_ACTIONS] \
        if m[PURCHASE_VALUE] else None


def _cost_per_action(m):
    return [{"action_type": name, "value": ratio(m[SPEND] / 100 / m[index])} for name, index in ACTIONS
            if m[index]] or None


def _video_action(count):
    return [{"action_type": "video_view", "value": str(count)}] if count else None


def _roas(action_type, m):
    return [{"action_type": action_type, "value": ratio(m[PURCHASE_VALUE] / m[SPEND])}] \
        if m[SPEND] and m[PURCHASE_VALUE] else None


def _stats(action_type, value):
    """A one-entry list<AdsActionStats>, or None (Meta leaves the field out) without a value."""
    return [{"action_type": action_type, "value": value}] if value not in (None, "0") else None


def _retention_curve(m, points: int, first_second: int = 0):
    """list<AdsHistogramStats>: the share (%) of video plays still watching at each point, falling from 100."""
    if not m[VIDEO_VIEWS]:
        return None
    kept = 100 * m[THRUPLAYS] // m[VIDEO_VIEWS]   # share that reached the ThruPlay mark
    curve = [max(kept, 100 - (100 - kept) * (first_second + step) // (first_second + points)) for step in range(points)]
    return [{"action_type": "video_view", "value": curve}]


def _ranking(lineage, kind):
    return pick(RANKINGS, lineage.ad.id, kind) if lineage.ad else None


# field -> fn(lineage, counters) -> value (None: Meta leaves the field out of the row)
ROW_FIELDS = {
    "account_id": lambda o, m: o.account.props["numeric_id"],
    "account_name": lambda o, m: o.account.name,
    "account_currency": lambda o, m: o.account.props["currency"],
    "campaign_id": lambda o, m: o.campaign and o.campaign.id,
    "campaign_name": lambda o, m: o.campaign and o.campaign.name,
    "adset_id": lambda o, m: o.adset and o.adset.id,
    "adset_name": lambda o, m: o.adset and o.adset.name,
    "ad_id": lambda o, m: o.ad and o.ad.id,
    "ad_name": lambda o, m: o.ad and o.ad.name,
    "objective": lambda o, m: o.campaign and o.campaign.props["objective"],
    "buying_type": lambda o, m: o.campaign and "AUCTION",
    "optimization_goal": lambda o, m: o.adset and optimization_goal(o.campaign.props["objective"]),
    "attribution_setting": lambda o, m: o.adset and "7d_click_1d_view",
    "created_time": lambda o, m: o.campaign and _day(o.node.created),
    "updated_time": lambda o, m: o.campaign and _day(o.node.updated),
    "impressions": lambda o, m: str(m[IMPRESSIONS]),
    "reach": lambda o, m: str(m[REACH]),
    "frequency": lambda o, m: ratio(m[IMPRESSIONS] / m[REACH]) if m[REACH] else None,
    "clicks": lambda o, m: str(m[CLICKS]),
    "unique_clicks": lambda o, m: str(m[UNIQUE_CLICKS]),
    "inline_link_clicks": lambda o, m: str(m[LINK_CLICKS]),
    "unique_inline_link_clicks": lambda o, m: str(m[UNIQUE_LINK_CLICKS]),
    "inline_post_engagement": lambda o, m: str(m[POST_ENGAGEMENTS]),
    "spend": lambda o, m: money(m[SPEND]),
    "social_spend": lambda o, m: "0",
    "cpc": lambda o, m: _per(m[SPEND], m[CLICKS]),
    "cpm": lambda o, m: _per(m[SPEND], m[IMPRESSIONS], 1000),
    "cpp": lambda o, m: _per(m[SPEND], m[REACH], 1000),
    "ctr": lambda o, m: _rate(m[CLICKS], m[IMPRESSIONS]),
    "unique_ctr": lambda o, m: _rate(m[UNIQUE_CLICKS], m[REACH]),
    "inline_link_click_ctr": lambda o, m: _rate(m[LINK_CLICKS], m[IMPRESSIONS]),
    "unique_inline_link_click_ctr": lambda o, m: _rate(m[UNIQUE_LINK_CLICKS], m[REACH]),
    "unique_link_clicks_ctr": lambda o, m: _rate(m[UNIQUE_LINK_CLICKS], m[REACH]),
    "cost_per_unique_click": lambda o, m: _per(m[SPEND], m[UNIQUE_CLICKS]),
    "cost_per_inline_link_click": lambda o, m: _per(m[SPEND], m[LINK_CLICKS]),
    "cost_per_unique_inline_link_click": lambda o, m: _per(m[SPEND], m[UNIQUE_LINK_CLICKS]),
    "cost_per_inline_post_engagement": lambda o, m: _per(m[SPEND], m[POST_ENGAGEMENTS]),
    # list<AdsActionStats> at Meta (the SDK's AdsInsights field types), not a bare string.
    "cost_per_thruplay": lambda o, m: [{"action_type": "video_view", "value": _per(m[SPEND], m[THRUPLAYS])}]
    if m[THRUPLAYS] else None,
    "actions": lambda o, m: _actions(m),
    "action_values": lambda o, m: _action_values(m),
    "cost_per_action_type": lambda o, m: _cost_per_action(m),
    "outbound_clicks": lambda o, m: [{"action_type": "outbound_click", "value": str(m[LINK_CLICKS])}]
    if m[LINK_CLICKS] else None,
    "unique_outbound_clicks": lambda o, m: [{"action_type": "outbound_click", "value": str(m[UNIQUE_LINK_CLICKS])}]
    if m[UNIQUE_LINK_CLICKS] else None,
    "website_ctr": lambda o, m: [{"action_type": "link_click", "value": _rate(m[LINK_CLICKS], m[IMPRESSIONS])}]
    if m[IMPRESSIONS] else None,
    "purchase_roas": lambda o, m: _roas("omni_purchase", m),
    "website_purchase_roas": lambda o, m: _roas("offsite_conversion.fb_pixel_purchase", m),
    "video_play_actions": lambda o, m: _video_action(m[VIDEO_VIEWS]),
    "video_thruplay_watched_actions": lambda o, m: _video_action(m[THRUPLAYS]),
    "video_p25_watched_actions": lambda o, m: _video_action(m[VIDEO_VIEWS] * 60 // 100),
    "video_p50_watched_actions": lambda o, m: _video_action(m[VIDEO_VIEWS] * 40 // 100),
    "video_p75_watched_actions": lambda o, m: _video_action(m[VIDEO_VIEWS] * 25 // 100),
    "video_p95_watched_actions": lambda o, m: _video_action(m[VIDEO_VIEWS] * 15 // 100),
    "video_p100_watched_actions": lambda o, m: _video_action(m[VIDEO_VIEWS] * 12 // 100),
    "video_30_sec_watched_actions": lambda o, m: _video_action(m[THRUPLAYS] * 80 // 100),
    "video_time_watched_actions": lambda o, m: _stats("video_view", str(m[VIDEO_VIEWS] * 6 + m[THRUPLAYS] * 9)),
    "video_play_curve_actions": lambda o, m: _retention_curve(m, 22),
    "video_play_retention_0_to_15s_actions": lambda o, m: _retention_curve(m, 16),
    "video_play_retention_20_to_60s_actions": lambda o, m: _retention_curve(m, 9, first_second=20),
    "video_play_retention_graph_actions": lambda o, m: _retention_curve(m, 22),
    "ad_click_actions": lambda o, m: _stats("link_click", str(m[CLICKS])),
    "ad_impression_actions": lambda o, m: _stats("ad_impression", str(m[IMPRESSIONS])),
    "cost_per_ad_click": lambda o, m: _stats("link_click", _per(m[SPEND], m[CLICKS])),
    "catalog_segment_actions": lambda o, m: _stats("omni_purchase", str(m[PURCHASES])),
    "catalog_segment_value": lambda o, m: _stats("omni_purchase", money(m[PURCHASE_VALUE])),
    "catalog_segment_value_omni_purchase_roas": lambda o, m: _roas("omni_purchase", m),
    "catalog_segment_value_website_purchase_roas": lambda o, m: _roas("offsite_conversion.fb_pixel_purchase", m),
    "catalog_segment_value_mobile_purchase_roas": lambda o, m: None,   # the emulated ads sell on the web only
    "converted_product_quantity": lambda o, m: _stats("omni_purchase", str(m[PURCHASES])),
    "converted_product_value": lambda o, m: _stats("omni_purchase", money(m[PURCHASE_VALUE])),
    "instant_experience_clicks_to_open": lambda o, m: str(m[CLICKS] * 12 // 100),
    "instant_experience_clicks_to_start": lambda o, m: str(m[CLICKS] * 9 // 100),
    "instant_experience_outbound_clicks": lambda o, m: _stats("outbound_click", str(m[LINK_CLICKS] * 7 // 100)),
    "canvas_avg_view_percent": lambda o, m: ratio(35 + m[IMPRESSIONS] % 40),
    "canvas_avg_view_time": lambda o, m: ratio(4 + m[CLICKS] % 9 + m[IMPRESSIONS] % 100 / 100),
    "qualifying_question_qualify_answer_rate": lambda o, m: _rate(m[LEADS] * 3 // 5, m[LEADS]),
    # Ad level only: an auction is entered by one ad.
    "auction_bid": lambda o, m: o.ad and _per(m[SPEND], m[IMPRESSIONS], 1200),
    "auction_competitiveness": lambda o, m: o.ad and ratio(m[IMPRESSIONS] % 1000 / 1000),
    "auction_max_competitor_bid": lambda o, m: o.ad and _per(m[SPEND], m[IMPRESSIONS], 1500),
    "quality_ranking": lambda o, m: _ranking(o, "quality"),
    "engagement_rate_ranking": lambda o, m: _ranking(o, "engagement"),
    "conversion_rate_ranking": lambda o, m: _ranking(o, "conversion"),
}
GENERATED_FIELDS = tuple(ROW_FIELDS)


def _with_windows(value, attribution_windows):
    """Action items split by the requested attribution windows, each count a string like `value`."""
    if not attribution_windows or not isinstance(value, list):
        return value
    return [{**item, **{window: item["value"] for window in attribution_windows}} for item in value]


def optimization_goal(objective: str) -> str:
    return {"OUTCOME_SALES": "OFFSITE_CONVERSIONS", "OUTCOME_TRAFFIC": "LANDING_PAGE_VIEWS",
            "OUTCOME_LEADS": "LEAD_GENERATION", "OUTCOME_AWARENESS": "REACH",
            "OUTCOME_ENGAGEMENT": "POST_ENGAGEMENT", "OUTCOME_APP_PROMOTION": "APP_INSTALLS"}[objective]


def build_row(computed_fields, lineage, dates, breakdown_values, metrics, attribution_windows=()) -> dict:
    """Requested fields that have a value, then date_start/date_stop, then breakdown values."""
    row = {}
    for field, compute in computed_fields:
        value = compute(lineage, metrics)
        if value is not None:
            row[field] = _with_windows(value, attribution_windows)
    row.update(dates)
    row.update(breakdown_values)
    return row
