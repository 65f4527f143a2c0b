"""Checks on the stream schemas of source-facebook-ads.

Each schema is the single source of truth for the ``fields`` query parameter: the connector
requests exactly the schema's top-level property names. So every top-level property must be a
readable field of the Graph API object behind the stream, and must not need extra permissions.

``integration_tests/emulator/fields/<object>.json`` are copies of the field lists of the official
``facebook-business`` Python SDK (26.0.3), one copy that the emulator serves from and these checks
read; ``_readable_vs_write_only.json`` there flags the entries that are create/update parameters
rather than readable fields.
"""

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from airbyte_cdk.test.entrypoint_wrapper import discover

from source_facebook_ads.source import SourceFacebookAds
from source_facebook_ads.stream_shaping import level_schema

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = ROOT / "source_facebook_ads" / "schemas"
FIELDS_DIR = ROOT / "integration_tests" / "emulator" / "fields"

STREAM_OBJECT = {
    "me": "user",
    "adaccounts": "adaccount",
    "businesses": "business",
    "ad_account": "adaccount",
    "campaigns": "campaign",
    "adsets": "adset",
    "ads": "ad",
    "adcreatives": "adcreative",
    "adimages": "adimage",
    "advideos": "advideo",
    "custom_audiences": "customaudience",
    "custom_conversions": "customconversion",
    "activities": "adactivity",
    "account_insights": "adsinsights",
    "campaign_insights": "adsinsights",
    "adset_insights": "adsinsights",
    "ad_insights": "adsinsights",
}
INSIGHTS_LEVEL = {
    "account_insights": "account",
    "campaign_insights": "campaign",
    "adset_insights": "adset",
    "ad_insights": "ad",
}
LEVELS = ["account", "campaign", "adset", "ad"]

# Readable in the SDK list, but not to be requested: they need extra permissions (code 200 /
# 10), identify people, need a parameter the connector does not send, or need billing or admin rights.
FORBIDDEN = {
    "adaccount": {
        "funding_source_details",  # needs billing permission
        "is_prepay_account",  # needs billing permission
        "owner",  # needs extra permission
        "expired_funding_source_details",  # billing, same gate as funding_source_details
        "extended_credit_invoice_group",  # billing
        "liable_address",  # billing address
        "send_bill_to_address",  # billing address
        "sold_to_address",  # billing address
        "tax_id",  # billing data
        "has_page_authorized_adaccount",  # needs a page_id parameter
        "agency_client_declaration",  # agency/admin only
    },
    "business": {
        "payment_account_id",
        "collaborative_ads_managed_partner_business_info",
        "collaborative_ads_managed_partner_eligibility",
        "collaborative_ads_partner_premium_options",
        "marketing_messages_onboarding_status",
        "whatsapp_business_manager_messaging_limit",
        "created_by",  # a person
        "updated_by",  # a person
    },
    "advideo": {"admin_creator", "from"},  # people / pages behind the upload
    "adactivity": {"actor_name"},  # a person's name (actor_id is kept: who changed what)
    "customconversion": {
        "business",  # the owning Business: business_management territory, not ads_read
        "offline_conversion_data_set",  # offline event sets were folded into datasets by Meta
    },
}

# In the 26.0 SDK lists but not in the 25.0 SDK: v25.0 (the connector's default version) may
# answer "(#100) Tried accessing nonexisting field" for them.
NEW_IN_V26 = {
    "campaign": {"bid_constraints", "is_pca_unified"},
    "adset": {"anchor_event_attribution_window_days"},
    "ad": {"creative_audience_pairing_persona", "dataset_split_specs"},
    "adcreative": {"media_optimization_spec"},
    "advideo": {"is_ai_generated"},
    "adsinsights": {
        "aggregated_play_time_per_reach",
        "cost_per_mmp_credited_install",
        "instagram_profile_follow",
        "mmp_credited_install",
        "msa_seller_budget",
        "playable_average_game_length",
        "playable_game_start_rate",
        "shop_clicks",
    },
}

INSIGHTS_COUNTS = {
    "impressions",
    "reach",
    "clicks",
    "unique_clicks",
    "inline_link_clicks",
    "unique_inline_link_clicks",
    "inline_post_engagement",
    "full_view_impressions",
    "full_view_reach",
    "instant_experience_clicks_to_open",
    "instant_experience_clicks_to_start",
}
INSIGHTS_NUMBERS = {
    "spend",
    "cpc",
    "cpm",
    "cpp",
    "ctr",
    "unique_ctr",
    "frequency",
    "cost_per_unique_click",
    "cost_per_inline_link_click",
    "cost_per_unique_inline_link_click",
    "cost_per_inline_post_engagement",
    "cost_per_estimated_ad_recallers",
    "estimated_ad_recallers",
    "estimated_ad_recall_rate",
    "inline_link_click_ctr",
    "unique_inline_link_click_ctr",
    "unique_link_clicks_ctr",
    "social_spend",
    "auction_bid",
    "auction_competitiveness",
    "auction_max_competitor_bid",
    "canvas_avg_view_percent",
    "canvas_avg_view_time",
    "qualifying_question_qualify_answer_rate",
}
INSIGHTS_STRINGS = {
    "date_start",
    "date_stop",
    "account_id",
    "account_name",
    "account_currency",
    "campaign_id",
    "campaign_name",
    "adset_id",
    "adset_name",
    "ad_id",
    "ad_name",
    "objective",
    "optimization_goal",
    "buying_type",
    "attribution_setting",
    "quality_ranking",
    "engagement_rate_ranking",
    "conversion_rate_ranking",
    "created_time",
    "updated_time",
}
# list<AdsHistogramStats> in the SDK: each value is a list of integers (a curve).
INSIGHTS_HISTOGRAMS = {
    "video_play_curve_actions",
    "video_play_retention_0_to_15s_actions",
    "video_play_retention_20_to_60s_actions",
    "video_play_retention_graph_actions",
}
INSIGHTS_REQUIRED_METRICS = {
    "impressions", "reach", "frequency", "clicks", "unique_clicks", "inline_link_clicks",
    "spend", "cpc", "cpm", "cpp", "ctr", "unique_ctr", "cost_per_unique_click", "actions",
    "action_values", "conversions", "conversion_values", "cost_per_action_type",
    "cost_per_conversion", "purchase_roas", "video_play_actions", "video_p25_watched_actions",
    "video_p50_watched_actions", "video_p75_watched_actions", "video_p100_watched_actions",
}
ATTRIBUTION_KEYS = ("1d_click", "7d_click", "28d_click", "1d_view", "1d_ev", "dda", "default")


# ---------------------------------------------------------------------------- helpers
def _no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise ValueError(f"duplicate keys: {sorted(duplicates)}")
    return dict(pairs)


# The file each stream's schema comes from: the insights levels narrow one catalogue, and ad_account
# reads the AdAccount object of adaccounts (its `schema_name` in manifest.yaml).
def schema_file(stream):
    return "insights" if stream in INSIGHTS_LEVEL else {"ad_account": "adaccounts"}.get(stream, stream)


def load_schema_file(name):
    text = (SCHEMAS_DIR / f"{name}.json").read_text()
    return json.loads(text, object_pairs_hook=_no_duplicate_keys)


def load_schema(stream):
    """The schema a stream's fields come from (an insights level's: the catalogue narrowed to the level)."""
    if stream in INSIGHTS_LEVEL:
        return level_schema(INSIGHTS_LEVEL[stream])
    return load_schema_file(schema_file(stream))


def load_fields(obj):
    return json.loads((FIELDS_DIR / f"{obj}.json").read_text())


def write_only(obj):
    flags = json.loads((FIELDS_DIR / "_readable_vs_write_only.json").read_text())
    return set(flags[obj]["likely_write_only"])


def readable(obj):
    return set(load_fields(obj)) - write_only(obj)


def types_of(prop):
    t = prop.get("type")
    return set(t) if isinstance(t, list) else {t}


def walk(prop, path):
    """Yield (path, sub-schema) for a property and every nested property / items schema."""
    yield path, prop
    for name, sub in (prop.get("properties") or {}).items():
        yield from walk(sub, f"{path}.{name}")
    if isinstance(prop.get("items"), dict):
        yield from walk(prop["items"], f"{path}[]")


def requested(stream):
    """The properties the connector asks Meta for: all but those it fills in itself."""
    return [name for name, prop in load_schema(stream)["properties"].items() if "x-not-requested" not in prop]


def fields_param(stream):
    return ",".join(requested(stream))


ALL_STREAMS = sorted(STREAM_OBJECT)
SCHEMA_FILES = sorted({schema_file(stream) for stream in ALL_STREAMS})


# ---------------------------------------------------------------------------- structure
def test_every_stream_has_a_schema_and_no_stray_files():
    present = {p.stem for p in SCHEMAS_DIR.glob("*.json")}
    assert present == set(SCHEMA_FILES)


def test_no_two_schema_files_are_the_same():
    texts = [(SCHEMAS_DIR / f"{name}.json").read_text() for name in SCHEMA_FILES]
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_schema_file_has_no_duplicate_keys(name):
    assert load_schema_file(name)["properties"]


@pytest.mark.parametrize("stream", ALL_STREAMS)
def test_schema_is_valid_draft7(stream):
    schema = load_schema(stream)
    Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is True
    assert schema["properties"], "a schema without properties would request no fields"


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_schema_file_is_pretty_printed(name):
    text = (SCHEMAS_DIR / f"{name}.json").read_text()
    assert text.endswith("}\n")
    lines = text.splitlines()
    assert lines[0] == "{"
    assert lines[1].startswith('  "$schema"')
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0, line
        assert "\t" not in line


@pytest.mark.parametrize("stream", ALL_STREAMS)
def test_id_first(stream):
    props = list(load_schema(stream)["properties"])
    if "id" in props:
        assert props[0] == "id"
    elif stream == "activities":  # no id at Meta: the event's time and type come first
        assert props[:2] == ["event_time", "event_type"]
    else:
        assert props[:2] == ["date_start", "date_stop"]


@pytest.mark.parametrize("stream", ALL_STREAMS)
def test_every_value_is_nullable_and_objects_are_open(stream):
    for name, prop in load_schema(stream)["properties"].items():
        for path, sub in walk(prop, name):
            if "type" not in sub:
                continue
            t = types_of(sub)
            if path == name:
                assert "null" in t, f"{path} must be nullable"
            if "object" in t:
                assert sub.get("additionalProperties") is True, f"{path} must stay open"
            if "array" in t:
                assert isinstance(sub.get("items"), dict), f"{path} needs items"


# ---------------------------------------------------------------------------- fields
@pytest.mark.parametrize("stream", ALL_STREAMS)
def test_every_property_is_a_readable_sdk_field(stream):
    obj = STREAM_OBJECT[stream]
    props = set(requested(stream))
    unknown = props - set(load_fields(obj))
    assert not unknown, f"not fields of {obj}: {sorted(unknown)}"
    wo = props & write_only(obj)
    assert not wo, f"write-only parameters of {obj}: {sorted(wo)}"
    assert props <= readable(obj)


@pytest.mark.parametrize("stream", ALL_STREAMS)
def test_no_forbidden_or_v26_only_field(stream):
    obj = STREAM_OBJECT[stream]
    props = set(requested(stream))
    assert not props & FORBIDDEN.get(obj, set())
    assert not props & NEW_IN_V26.get(obj, set())


PER_ACCOUNT_STREAMS = sorted(set(ALL_STREAMS) - {"me", "adaccounts", "businesses"})


@pytest.mark.parametrize("stream", PER_ACCOUNT_STREAMS)
def test_every_per_account_stream_has_an_account_id_column(stream):
    assert load_schema(stream)["properties"]["account_id"]["type"] == ["null", "string"]


def test_activities_account_id_is_filled_in_not_requested():
    assert "account_id" not in load_fields("adactivity")
    assert "account_id" in load_schema("activities")["properties"] and "account_id" not in requested("activities")


def test_advideos_account_id_is_filled_in_not_requested():
    """Meta's AdVideo has no account_id field: asking for it would fail the request."""
    assert "account_id" not in load_fields("advideo")
    assert "account_id" in load_schema("advideos")["properties"] and "account_id" not in requested("advideos")


def test_me_requests_only_id_and_name():
    assert list(load_schema("me")["properties"]) == ["id", "name"]


def test_ad_account_and_adaccounts_discover_the_same_schema():
    config = {"access_token": "schema-test-token", "account_ids": ["111"]}
    catalog = discover(SourceFacebookAds(config=config), config).catalog.catalog
    schemas = {stream.name: stream.json_schema for stream in catalog.streams}
    assert schemas["ad_account"] == schemas["adaccounts"] == load_schema_file("adaccounts")


@pytest.mark.parametrize(
    "stream, required",
    [
        ("adaccounts", {"id", "account_id", "name", "account_status", "currency", "timezone_name",
                        "amount_spent", "spend_cap", "created_time", "business"}),
        ("businesses", {"id", "name", "created_time", "updated_time"}),
        ("campaigns", {"id", "account_id", "name", "objective", "status", "effective_status",
                       "daily_budget", "lifetime_budget", "bid_strategy", "start_time",
                       "stop_time", "created_time", "updated_time"}),
        ("adsets", {"id", "campaign_id", "name", "status", "effective_status", "daily_budget",
                    "lifetime_budget", "bid_amount", "bid_strategy", "billing_event",
                    "optimization_goal", "targeting", "promoted_object", "start_time",
                    "end_time", "created_time", "updated_time"}),
        ("ads", {"id", "adset_id", "campaign_id", "name", "status", "effective_status",
                 "creative", "tracking_specs", "created_time", "updated_time"}),
        ("adcreatives", {"id", "name", "status", "object_story_spec", "asset_feed_spec",
                         "image_hash", "video_id", "url_tags", "thumbnail_url"}),
        ("adimages", {"id", "hash", "account_id", "name", "url", "url_128", "width", "height",
                      "created_time", "updated_time", "status", "permalink_url",
                      "original_width", "original_height"}),
        ("advideos", {"id", "title", "created_time", "updated_time", "length", "source"}),
        ("custom_audiences", {"id", "account_id", "name", "time_created", "time_updated",
                              "approximate_count_lower_bound",
                              "approximate_count_upper_bound", "subtype"}),
        ("custom_conversions", {"id", "account_id", "name", "custom_event_type", "rule", "creation_time",
                                "last_fired_time", "is_archived", "pixel"}),
        ("activities", {"event_time", "event_type", "translated_event_type", "object_id", "object_name",
                        "object_type", "actor_id", "extra_data"}),
    ],
)
def test_key_fields_present(stream, required):
    missing = required - set(load_schema(stream)["properties"])
    assert not missing, missing


def test_fields_parameter_stays_reasonable():
    for stream in ALL_STREAMS:
        param = fields_param(stream)
        assert " " not in param
        assert len(param) < 4000, stream


# ---------------------------------------------------------------------------- typing
# *_time fields that are not "2026-11-20T10:15:30+0000" timestamps
NOT_TIMESTAMPS = {
    "ad_active_time", "campaign_active_time", "campaign_group_active_time",  # durations
    "delete_time", "page_deletion_marked_delete_time",  # unix seconds (int)
    "canvas_avg_view_time",  # seconds, a number
}


def test_time_fields_are_plain_strings():
    """Meta's "+0000" offsets fail strict date-time validators: plain strings, no format."""
    checked = 0
    for stream in ALL_STREAMS:
        for name, prop in load_schema(stream)["properties"].items():
            if name.endswith("_time") and name not in NOT_TIMESTAMPS:
                assert prop == {"type": ["null", "string"]}, f"{stream}.{name}"
                checked += 1
    assert checked > 20


def test_custom_audience_integers():
    props = load_schema("custom_audiences")["properties"]
    for name in ("time_created", "time_updated", "time_content_updated",
                 "approximate_count_lower_bound", "approximate_count_upper_bound",
                 "retention_days"):
        assert types_of(props[name]) == {"null", "integer"}, name


def test_money_fields_are_strings():
    expect = {
        "adaccounts": ["amount_spent", "balance", "spend_cap", "min_campaign_group_spend_cap"],
        "campaigns": ["daily_budget", "lifetime_budget", "budget_remaining", "spend_cap"],
        "adsets": ["daily_budget", "lifetime_budget", "budget_remaining", "daily_min_spend_target",
                   "daily_spend_cap", "lifetime_min_spend_target", "lifetime_spend_cap"],
    }
    for stream, names in expect.items():
        props = load_schema(stream)["properties"]
        for name in names:
            assert types_of(props[name]) == {"null", "string"}, f"{stream}.{name}"


@pytest.mark.parametrize("stream", sorted(INSIGHTS_LEVEL))
def test_insights_level_dimensions(stream):
    level = INSIGHTS_LEVEL[stream]
    props = set(load_schema(stream)["properties"])
    depth = LEVELS.index(level)
    for i, lvl in enumerate(LEVELS):
        for suffix in ("id", "name"):
            key = f"{lvl}_{suffix}"
            if i <= depth:
                assert key in props, key
            else:
                assert key not in props, f"{key} is below level {level}"
    assert {"date_start", "date_stop", "account_currency"} <= props
    missing = INSIGHTS_REQUIRED_METRICS - props
    assert not missing, missing


@pytest.mark.parametrize("stream", sorted(INSIGHTS_LEVEL))
def test_insights_metrics_typed_numerically(stream):
    props = load_schema(stream)["properties"]
    for name, prop in props.items():
        t = types_of(prop)
        if name in INSIGHTS_STRINGS:
            assert t == {"null", "string"}, name
        elif name in INSIGHTS_COUNTS:
            assert t == {"null", "integer"}, name
        elif name in INSIGHTS_NUMBERS:
            assert t == {"null", "number"}, name
        elif name in INSIGHTS_HISTOGRAMS:
            sub = prop["items"]["properties"]
            assert types_of(sub["action_type"]) == {"null", "string"}, name
            # AdsHistogramStats has no `default` window.
            for key in ("value", *(key for key in ATTRIBUTION_KEYS if key != "default")):
                assert types_of(sub[key]) == {"null", "array"} and types_of(sub[key]["items"]) == {"null", "integer"}, f"{name}.{key}"
        else:
            assert t == {"null", "array"}, f"{name}: unclassified insights field"
            item = prop["items"]
            assert "object" in types_of(item)
            assert item["additionalProperties"] is True
            sub = item["properties"]
            assert types_of(sub["action_type"]) == {"null", "string"}, name
            assert types_of(sub["value"]) == {"null", "number"}, name
            for key in ATTRIBUTION_KEYS:
                assert types_of(sub[key]) == {"null", "number"}, f"{name}.{key}"


# The `ads_insights` properties of Airbyte's source-facebook-marketing (its field names only): the
# coverage users of that connector expect from ad_insights.
PEER_AD_INSIGHTS = set("""
account_currency account_id account_name action_values actions ad_click_actions ad_id ad_impression_actions ad_name
adset_id adset_name attribution_setting auction_bid auction_competitiveness auction_max_competitor_bid buying_type
campaign_id campaign_name canvas_avg_view_percent canvas_avg_view_time catalog_segment_actions catalog_segment_value
catalog_segment_value_mobile_purchase_roas catalog_segment_value_omni_purchase_roas
catalog_segment_value_website_purchase_roas clicks conversion_rate_ranking conversion_values conversions
converted_product_quantity converted_product_value cost_per_15_sec_video_view cost_per_2_sec_continuous_video_view
cost_per_action_type cost_per_ad_click cost_per_conversion cost_per_estimated_ad_recallers cost_per_inline_link_click
cost_per_inline_post_engagement cost_per_outbound_click cost_per_thruplay cost_per_unique_action_type
cost_per_unique_click cost_per_unique_inline_link_click cost_per_unique_outbound_click cpc cpm cpp created_time ctr
date_start date_stop engagement_rate_ranking estimated_ad_recallers frequency full_view_impressions full_view_reach
impressions inline_link_click_ctr inline_link_clicks inline_post_engagement instant_experience_clicks_to_open
instant_experience_clicks_to_start instant_experience_outbound_clicks mobile_app_purchase_roas objective
optimization_goal outbound_clicks outbound_clicks_ctr purchase_roas qualifying_question_qualify_answer_rate
quality_ranking reach social_spend spend unique_actions unique_clicks unique_ctr unique_inline_link_click_ctr
unique_inline_link_clicks unique_link_clicks_ctr unique_outbound_clicks unique_outbound_clicks_ctr updated_time
video_15_sec_watched_actions video_30_sec_watched_actions video_avg_time_watched_actions
video_continuous_2_sec_watched_actions video_p100_watched_actions video_p25_watched_actions video_p50_watched_actions
video_p75_watched_actions video_p95_watched_actions video_thruplay_watched_actions video_play_actions
video_play_curve_actions video_play_retention_0_to_15s_actions video_play_retention_20_to_60s_actions
video_play_retention_graph_actions video_time_watched_actions website_ctr website_purchase_roas
""".split())
# Issue 12's additions to every insights level, less those of one level and below: an auction is
# entered by one ad; an account row has no object creation time.
ADDED_FIELDS = {
    "ad_click_actions", "ad_impression_actions", "auction_bid", "auction_competitiveness", "auction_max_competitor_bid",
    "canvas_avg_view_percent", "canvas_avg_view_time", "catalog_segment_actions", "catalog_segment_value",
    "catalog_segment_value_mobile_purchase_roas", "catalog_segment_value_omni_purchase_roas",
    "catalog_segment_value_website_purchase_roas", "converted_product_quantity", "converted_product_value",
    "cost_per_ad_click", "created_time", "instant_experience_clicks_to_open", "instant_experience_clicks_to_start",
    "instant_experience_outbound_clicks", "qualifying_question_qualify_answer_rate", "updated_time",
    "video_play_curve_actions", "video_play_retention_0_to_15s_actions", "video_play_retention_20_to_60s_actions",
    "video_play_retention_graph_actions", "video_time_watched_actions",
}
AD_LEVEL_ONLY = {"auction_bid", "auction_competitiveness", "auction_max_competitor_bid"}
NOT_AT_ACCOUNT_LEVEL = {"created_time", "updated_time"}


def test_ad_insights_covers_at_least_98_percent_of_the_peer_ads_insights_properties():
    covered = PEER_AD_INSIGHTS & set(load_schema("ad_insights")["properties"])
    assert len(covered) >= 0.98 * len(PEER_AD_INSIGHTS), sorted(PEER_AD_INSIGHTS - covered)


@pytest.mark.parametrize("stream", sorted(INSIGHTS_LEVEL))
def test_each_level_has_the_added_fields_that_exist_at_that_level(stream):
    level = INSIGHTS_LEVEL[stream]
    expected = ADDED_FIELDS - (AD_LEVEL_ONLY if level != "ad" else set()) - (NOT_AT_ACCOUNT_LEVEL if level == "account" else set())
    assert set(load_schema(stream)["properties"]) & ADDED_FIELDS == expected


# ---------------------------------------------------------------------------- wire samples
SAMPLES = {
    "me": {"id": "100200300", "name": "Airbyte System User"},
    "adaccounts": {
        "id": "act_123", "account_id": "123", "name": "Main", "account_status": 1,
        "amount_spent": "123456", "balance": "0", "spend_cap": "0", "currency": "EUR",
        "timezone_id": 62, "timezone_name": "Europe/Berlin", "timezone_offset_hours_utc": 1,
        "created_time": "2024-01-15T09:30:00+0100", "business": {"id": "99", "name": "Biz"},
        "capabilities": ["CAN_USE_REACH_AND_FREQUENCY"], "age": 742.5, "is_personal": 0,
        "tos_accepted": {"web_custom_audience_tos": 1}, "min_daily_budget": 100,
        "line_numbers": [], "user_tasks": ["DRAFT", "ANALYZE", "ADVERTISE", "MANAGE"],
    },
    "campaigns": {
        "id": "2385", "account_id": "123", "name": "Spring", "objective": "OUTCOME_SALES",
        "status": "ACTIVE", "effective_status": "ACTIVE", "daily_budget": "5000",
        "budget_remaining": "4200", "special_ad_categories": [], "pacing_type": ["standard"],
        "start_time": "2026-03-01T00:00:00+0000", "updated_time": "2026-11-20T10:15:30+0000",
        "issues_info": [{"error_code": 1815694, "error_message": "m", "level": "AD_SET"}],
    },
    "adsets": {
        "id": "2386", "campaign_id": "2385", "name": "DE 25-44", "bid_amount": 150,
        "bid_info": {"ACTIONS": 150}, "daily_budget": "2000", "billing_event": "IMPRESSIONS",
        "targeting": {"age_min": 25, "age_max": 44, "genders": [1, 2],
                      "geo_locations": {"countries": ["DE"], "location_types": ["home"]},
                      "targeting_automation": {"advantage_audience": 0}},
        "learning_stage_info": {"status": "SUCCESS"}, "end_time": None,
        "promoted_object": {"pixel_id": "555", "custom_event_type": "PURCHASE"},
    },
    "ads": {
        "id": "2387", "adset_id": "2386", "campaign_id": "2385", "creative": {"id": "777"},
        "tracking_specs": [{"action.type": ["offsite_conversion"], "fb_pixel": ["555"]}],
        "conversion_specs": [{"action.type": ["offsite_conversion"], "conversion_id": ["1"]}],
        "bid_amount": 150, "ad_review_feedback": {"global": {"Policy": "text"}},
    },
    "adimages": {
        "id": "123:abcdef", "hash": "abcdef", "account_id": "123", "width": 1080,
        "height": 1080, "original_width": 1080, "original_height": 1080, "status": "ACTIVE",
        "url": "https://example.invalid/i.jpg", "created_time": "2026-11-20T10:15:30+0000",
    },
    "advideos": {
        "id": "888", "title": "Spot", "length": 15.04, "views": 0, "ad_breaks": [],
        "format": [{"filter": "native", "width": 1280, "height": 720, "embed_html": "<iframe/>"}],
        "status": {"video_status": "ready", "processing_progress": 100},
    },
    "custom_audiences": {
        "id": "2388", "account_id": "123", "name": "Buyers", "subtype": "CUSTOM",
        "approximate_count_lower_bound": 1000, "approximate_count_upper_bound": 1200,
        "time_created": 1732000000, "time_updated": 1732100000, "retention_days": 180,
        "delivery_status": {"code": 200, "description": "ready"},
        "data_source": {"type": "FILE_IMPORTED", "sub_type": "HASHES"},
        "lookalike_spec": {"country": "DE", "ratio": 0.01, "type": "custom_ratio"},
    },
    "ad_insights": {
        "date_start": "2026-11-20", "date_stop": "2026-11-20", "account_id": "123",
        "account_currency": "EUR", "campaign_id": "2385", "adset_id": "2386", "ad_id": "2387",
        "impressions": 361324, "reach": 200100, "clicks": 5120, "spend": 5339.5,
        "cpc": 1.04, "ctr": 1.417, "frequency": 1.8057,
        "actions": [{"action_type": "link_click", "value": 4800, "7d_click": 4700,
                     "1d_view": 100}],
        "purchase_roas": [{"action_type": "omni_purchase", "value": 3.21}],
        "quality_ranking": "ABOVE_AVERAGE",
        "video_play_curve_actions": [{"action_type": "video_view", "value": [100, 84, 61, 40, 22]}],
        "auction_bid": 5.12, "instant_experience_clicks_to_open": 14, "created_time": "2026-03-01",
    },
    "activities": {
        "event_time": "2026-11-20T10:15:30+0000", "event_type": "update_ad_set_budget",
        "translated_event_type": "Ad set budget updated", "object_id": "2386", "object_name": "DE 25-44",
        "object_type": "CAMPAIGN", "actor_id": "100200300", "application_name": "Ads Manager",
        "date_time_in_timezone": "11/20/2026 at 11:15am CET",
        "extra_data": '{"old_value":{"old_value":2000},"new_value":{"new_value":3000}}',
    },
    "custom_conversions": {
        "id": "2389", "account_id": "123", "name": "Purchase", "custom_event_type": "PURCHASE",
        "rule": '{"url":{"i_contains":"thank-you"}}', "default_conversion_value": 0, "retention_days": 0,
        "creation_time": "2026-01-15T09:30:00+0000", "is_archived": False, "pixel": {"id": "555"},
        "data_sources": [{"id": "555", "source_type": "PIXEL", "name": "Shop pixel"}],
    },
}


@pytest.mark.parametrize("stream", sorted(SAMPLES))
def test_wire_format_samples_validate(stream):
    Draft7Validator(load_schema(stream)).validate(SAMPLES[stream])


def test_uncast_string_metrics_are_rejected():
    """The connector casts insights metrics: a raw string count must fail the schema."""
    validator = Draft7Validator(load_schema("ad_insights"))
    assert not validator.is_valid({"date_start": "2026-11-20", "impressions": "361324"})
