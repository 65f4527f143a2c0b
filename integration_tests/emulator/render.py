"""The fields of each object as Meta sends them: ids, money and counts as strings, times
as "2026-11-20T10:15:30+0000" (unix ints on custom audiences), nested objects where Meta
nests. A field Meta would leave empty is simply absent from the rendered dict.
"""

import datetime

from .graph_format import graph_time
from .insights import optimization_goal
from .stable_hash import between, chance, hex_digest, pick, stable_int

APP_ID = "119211728144504"   # the app id Meta reports as last_updated_by_app_id
CDN = "https://scontent.xx.fbcdn.net"
# Without `fields` Meta answers id and name; custom audiences and videos (no name) only id.
DEFAULT_FIELDS = {"customaudience": ("id",), "advideo": ("id",)}


def render(ds, node, fields) -> dict:
    """The requested fields the object has, with `id` always included, in request order."""
    full = RENDERERS[node.kind](ds, node)
    fields = fields or DEFAULT_FIELDS.get(node.kind, ("id", "name"))
    out = {field: full[field] for field in fields if field in full}
    out.setdefault("id", node.id)
    return out


def _account(ds, node):
    return ds.by_id[node.account_id]


def _numeric(ds, node) -> str:
    return _account(ds, node).props["numeric_id"]


def _times(node) -> dict:
    return {"created_time": graph_time(node.created), "updated_time": graph_time(node.updated)}


def _minor_units(low, high, *parts) -> str:
    """A budget in minor units (cents), rounded to whole currency units, as a string."""
    return str(between(low, high, *parts) * 100)


def _budgets(node, **budgets) -> dict:
    """Budget fields as Meta sends them: its reference says numeric strings, but recorded answers
    carry JSON numbers too, so a third of the objects here send numbers."""
    if chance(33, node.id, "numeric-budgets"):
        return {name: int(value) for name, value in budgets.items()}
    return budgets


def _issues(node, level):
    if node.effective_status != "WITH_ISSUES":
        return None
    return [{"level": level, "error_code": 1815869, "error_type": "SOFT_ERROR",
             "error_summary": "Ad set may not deliver",
             "error_message": "Your budget is too low for the optimization goal you selected."}]


def _without_none(values: dict) -> dict:
    return {key: value for key, value in values.items() if value is not None}


def render_user(ds, node):
    first, last = node.name.split(" ", 1)
    return {"id": node.id, "name": node.name, "first_name": first, "last_name": last, "short_name": first,
            "name_format": "{first} {last}", "updated_time": graph_time(node.updated), "is_guest_user": False,
            "installed": True, "install_type": "UNKNOWN"}


def render_business(ds, node):
    page_id = str(100_000_000_000_000 + stable_int(node.id, "page") % 10 ** 14)
    return {
        "id": node.id, "name": node.name, **_times(node),
        "link": f"https://business.facebook.com/settings/?business_id={node.id}",
        "verification_status": pick(("verified", "not_verified"), node.id, "verification"),
        "vertical": pick(("ECOMMERCE", "RETAIL", "TRAVEL", "CONSUMER_PACKAGED_GOODS"), node.id, "vertical"),
        "vertical_id": between(1, 30, node.id, "vertical_id"),
        "timezone_id": 1, "two_factor_type": "none", "is_hidden": False, "block_offline_analytics": False,
        "primary_page": {"id": page_id, "name": node.name},
        "profile_picture_uri": f"{CDN}/v/t39.30808-1/{stable_int(node.id, 'picture')}_n.jpg",
        "created_by": {"id": ds.user.id, "name": ds.user.name},
        "updated_by": {"id": ds.user.id, "name": ds.user.name},
    }


def render_adaccount(ds, node):
    props = node.props
    number = props["numeric_id"]
    business = ds.by_id.get(props["business_id"]) if props["business_id"] else None
    business_ref = {"id": business.id, "name": business.name} if business else None
    return _without_none({
        "id": node.id, "account_id": number, "name": node.name, "account_status": 1, "disable_reason": 0,
        "age": round((ds.anchor - node.created) / 86_400 / 365, 6),
        "amount_spent": str(between(100_000, 90_000_000, node.id, "spent")),
        "balance": str(between(0, 500_000, node.id, "balance")),
        "spend_cap": "0", "currency": props["currency"], "timezone_name": props["timezone_name"],
        "timezone_offset_hours_utc": _utc_offset_hours(ds, node), "created_time": graph_time(node.created),
        "business": business_ref, "owner_business": business_ref,
        "business_name": business.name if business else None,
        "business_city": "Menlo Park", "business_country_code": props["countries"][0],
        "business_street": "1 Hacker Way", "business_zip": "94025", "business_state": "CA",
        "owner": business.id if business else ds.user.id,
        "is_personal": 0, "is_prepay_account": False, "is_tax_id_required": False, "is_notifications_enabled": True,
        "is_attribution_spec_system_default": True, "is_direct_deals_enabled": False,
        "is_in_3ds_authorization_enabled_market": False, "has_migrated_permissions": True,
        "can_create_brand_lift_study": False, "offsite_pixels_tos_accepted": True, "fb_entity": 85,
        "min_daily_budget": 100, "min_campaign_group_spend_cap": "10000", "tax_id_status": 0,
        "user_tasks": ["DRAFT", "ANALYZE", "ADVERTISE", "MANAGE"],
        "capabilities": ["CAN_USE_REACH_AND_FREQUENCY", "HAS_AD_SET_FREQUENCY_CONTROL"],
        "attribution_spec": [{"event_type": "CLICK_THROUGH", "window_days": 7},
                             {"event_type": "VIEW_THROUGH", "window_days": 1}],
        "funding_source": str(stable_int(node.id, "funding") % 10 ** 16),
        "funding_source_details": {"id": str(stable_int(node.id, "funding") % 10 ** 16), "type": 1,
                                   "display_string": f"Visa *{stable_int(node.id, 'card') % 10000:04d}"},
        "tos_accepted": {"web_custom_audience_tos": 1},
        "user_tos_accepted": {"web_custom_audience_tos": 1},
        "end_advertiser": business.id if business else None,
        "end_advertiser_name": business.name if business else None,
        "media_agency": "UNFOUND", "partner": "UNFOUND",
    })


def _utc_offset_hours(ds, account):
    hours = datetime.datetime.now(ds.timezone(account.id)).utcoffset().total_seconds() / 3600
    return int(hours) if hours.is_integer() else hours


def render_campaign(ds, node):
    props, objective = node.props, node.props["objective"]
    values = {
        "id": node.id, "account_id": _numeric(ds, node), "name": node.name, "objective": objective,
        "status": node.status, "configured_status": node.status, "effective_status": node.effective_status,
        "buying_type": "AUCTION", **_times(node), "start_time": graph_time(node.created + 600),
        "special_ad_categories": [], "special_ad_category": "NONE", "special_ad_category_country": [],
        "pacing_type": ["standard"], "smart_promotion_type": "GUIDED_CREATION", "source_campaign_id": "0",
        "topline_id": "0", "can_use_spend_cap": True, "can_create_brand_lift_study": False,
        "budget_rebalance_flag": False, "has_secondary_skadnetwork_reporting": False,
        "is_skadnetwork_attribution": False, "is_budget_schedule_enabled": False,
        "issues_info": _issues(node, "CAMPAIGN"),
        "promoted_object": _promoted_object(ds, node, objective),
        "spend_cap": _minor_units(1000, 50000, node.id, "spend_cap") if chance(20, node.id, "cap") else None,
        "stop_time": graph_time(node.created + between(14, 120, node.id, "stop") * 86_400)
        if chance(30, node.id, "stop") else None,
        "adlabels": [{"id": str(stable_int(node.id, "label") % 10 ** 15), "name": "Q4 plan", **_times(node)}]
        if chance(25, node.id, "label") else None,
    }
    if props["budget_on_campaign"]:
        values.update(bid_strategy=pick(("LOWEST_COST_WITHOUT_CAP", "COST_CAP"), node.id, "bid"),
                      **_budgets(node, daily_budget=_minor_units(20, 2000, node.id, "budget"),
                                 budget_remaining=_minor_units(0, 20, node.id, "remaining")))
    else:
        values.update(**_budgets(node, budget_remaining="0"), is_adset_budget_sharing_enabled=False)
    return _without_none(values)


def _promoted_object(ds, node, objective):
    account = _account(ds, node).props
    if objective == "OUTCOME_SALES":
        return {"pixel_id": account["pixel_id"], "custom_event_type": "PURCHASE"}
    if objective == "OUTCOME_LEADS":
        return {"page_id": account["page_id"]}
    if objective == "OUTCOME_APP_PROMOTION":
        return {"application_id": "350685531728",
                "object_store_url": "https://play.google.com/store/apps/details?id=com.example.shop"}
    return None


def _targeting(ds, adset):
    return {
        "age_min": pick((18, 21, 25), adset.id, "age_min"), "age_max": 65,
        "geo_locations": {"countries": [adset.props["country"]], "location_types": ["home", "recent"]},
        "publisher_platforms": ["facebook", "instagram"],
        "facebook_positions": ["feed", "story", "facebook_reels"],
        "instagram_positions": ["stream", "story", "reels"],
        "device_platforms": ["mobile", "desktop"],
        "targeting_automation": {"advantage_audience": 1},
    }


def render_adset(ds, node):
    campaign = ds.by_id[node.campaign_id]
    objective = campaign.props["objective"]
    goal = optimization_goal(objective)
    values = {
        "id": node.id, "account_id": _numeric(ds, node), "name": node.name,
        "campaign_id": campaign.id, "campaign": {"id": campaign.id},
        "status": node.status, "configured_status": node.status, "effective_status": node.effective_status,
        **_times(node), "start_time": graph_time(node.created + 300),
        "optimization_goal": goal, "billing_event": "IMPRESSIONS", "destination_type": "WEBSITE",
        "targeting": _targeting(ds, node), "pacing_type": ["standard"], "lifetime_imps": 0,
        "attribution_spec": [{"event_type": "CLICK_THROUGH", "window_days": 7},
                             {"event_type": "VIEW_THROUGH", "window_days": 1}],
        "promoted_object": _promoted_object(ds, campaign, objective),
        "learning_stage_info": {"status": pick(("SUCCESS", "LEARNING", "FAIL"), node.id, "learning")},
        "is_dynamic_creative": False, "multi_optimization_goal_weight": "UNDEFINED",
        "use_new_app_click": False, "recurring_budget_semantics": False, "source_adset_id": "0",
        "is_budget_schedule_enabled": False, "issues_info": _issues(node, "AD_SET"),
        "end_time": graph_time(node.created + between(7, 90, node.id, "end") * 86_400)
        if chance(30, node.id, "end") else None,
        "targeting_optimization_types": [{"key": "detailed_targeting", "value": 1}],
    }
    if not campaign.props["budget_on_campaign"]:
        values.update(bid_strategy=pick(("LOWEST_COST_WITHOUT_CAP", "COST_CAP", "LOWEST_COST_WITH_BID_CAP"),
                                        node.id, "bid"),
                      **_budgets(node, daily_budget=_minor_units(10, 500, node.id, "budget"),
                                 budget_remaining=_minor_units(0, 10, node.id, "remaining")))
        if values["bid_strategy"] != "LOWEST_COST_WITHOUT_CAP":
            values["bid_amount"] = between(50, 2000, node.id, "bid_amount")
    else:
        values.update(_budgets(node, budget_remaining="0"))
    return _without_none(values)


def render_ad(ds, node):
    adset = ds.by_id[node.adset_id]
    creative_id = node.props["creative_id"]
    values = {
        "id": node.id, "account_id": _numeric(ds, node), "name": node.name,
        "campaign_id": node.campaign_id, "campaign": {"id": node.campaign_id},
        "adset_id": node.adset_id, "adset": {"id": node.adset_id},
        "status": node.status, "configured_status": node.status, "effective_status": node.effective_status,
        **_times(node), "creative": {"id": creative_id} if creative_id else None,
        "bid_type": "ABSOLUTE_OCPM", "source_ad_id": "0", "last_updated_by_app_id": APP_ID,
        "preview_shareable_link": f"https://fb.me/{hex_digest(node.id)[:10]}",
        "tracking_specs": [{"action.type": ["offsite_conversion"],
                            "fb_pixel": [_account(ds, node).props["pixel_id"]]}],
        "targeting": _targeting(ds, adset), "issues_info": _issues(node, "AD"),
        "ad_review_feedback": {"global": {"Advertising Policies": "Your ad goes against our policies."}}
        if node.effective_status == "DISAPPROVED" else None,
        "adlabels": [{"id": str(stable_int(node.id, "label") % 10 ** 15), "name": "Evergreen", **_times(node)}]
        if chance(20, node.id, "label") else None,
    }
    return _without_none(values)


def render_adcreative(ds, node):
    account = _account(ds, node).props
    page_id = account["page_id"]
    link = f"https://shop.example.com/p/{node.seq + 1}"
    video_id, image_hash = node.props.get("video_id"), node.props.get("image_hash")
    call_to_action = {"type": "SHOP_NOW", "value": {"link": link}}
    body = f"New season, new looks. Shop item {node.seq + 1} today."
    title = f"Item {node.seq + 1} - now 20% off"
    if video_id:
        story = {"page_id": page_id, "video_data": {"video_id": video_id, "message": body, "title": title,
                                                      "call_to_action": call_to_action,
                                                      "image_url": _thumbnail(node)}}
    else:
        story = {"page_id": page_id, "link_data": _without_none({
            "link": link, "message": body, "name": title, "image_hash": image_hash,
            "call_to_action": call_to_action})}
    return _without_none({
        "id": node.id, "account_id": account["numeric_id"], "name": node.name, "status": node.status,
        "actor_id": page_id, "body": body, "title": title, "object_story_spec": story,
        "object_type": "VIDEO" if video_id else "SHARE", "video_id": video_id, "image_hash": image_hash,
        "image_url": f"{CDN}/v/t45.1600-4/{image_hash}_n.jpg" if image_hash else None,
        "thumbnail_url": _thumbnail(node), "thumbnail_id": str(stable_int(node.id, "thumb") % 10 ** 15),
        "call_to_action_type": "SHOP_NOW", "link_url": link,
        "url_tags": "utm_source=facebook&utm_medium=paid_social&utm_campaign={{campaign.name}}",
        "effective_object_story_id": f"{page_id}_{stable_int(node.id, 'post') % 10 ** 15}",
        "authorization_category": "NONE", "effective_authorization_category": "NONE",
        "degrees_of_freedom_spec": {"creative_features_spec": {"standard_enhancements": {"enroll_status": "OPT_OUT"}}},
    })


def _thumbnail(node) -> str:
    return f"{CDN}/v/t45.1600-4/{stable_int(node.id, 'thumb')}_n.png?stp=dst-png_p64x64"


def render_adimage(ds, node):
    image_hash = node.props["hash"]
    width, height = pick(((1080, 1080), (1200, 628), (1080, 1920)), node.id, "size")
    creatives = [c.id for c in ds.nodes(node.account_id, "adcreative") if c.props.get("image_hash") == image_hash]
    return {
        "id": node.id, "account_id": _numeric(ds, node), "hash": image_hash, "name": node.name,
        "status": node.status, **_times(node),
        "url": f"{CDN}/v/t45.1600-4/{image_hash}_n.jpg?_nc_cat=1&oh={hex_digest(node.id, 'oh')[:16]}",
        "url_128": f"{CDN}/v/t45.1600-4/{image_hash}_n.jpg?stp=dst-jpg_s128x128",
        "permalink_url": f"https://www.facebook.com/ads/image/?d={hex_digest(node.id, 'd')}",
        "width": width, "height": height, "original_width": width, "original_height": height,
        "creatives": creatives, "is_associated_creatives_in_adgroups": bool(creatives),
    }


def render_advideo(ds, node):
    page_id = _account(ds, node).props["page_id"]
    picture = f"{CDN}/v/t15.5256-10/{stable_int(node.id, 'picture')}_n.jpg"
    embed = (f'<iframe src="https://www.facebook.com/video/embed?video_id={node.id}" width="1280" '
             f'height="720" frameborder="0"></iframe>')
    return {
        "id": node.id, "title": node.name, "description": f"{node.name} for the ads library",
        **_times(node), "length": node.props["length"],
        "source": f"https://video.xx.fbcdn.net/v/t42.1790-2/{stable_int(node.id, 'src')}_n.mp4",
        "picture": picture, "permalink_url": f"/{page_id}/videos/{node.id}/", "embed_html": embed,
        "embeddable": True, "published": False, "content_category": "OTHER", "from": {"id": page_id, "name": "Shop"},
        "format": [{"filter": "native", "width": 1280, "height": 720, "embed_html": embed, "picture": picture}],
        "status": {"video_status": "ready", "uploading_phase": {"status": "complete"},
                   "processing_phase": {"status": "complete"}, "publishing_phase": {"status": "complete"}},
        "icon": "https://static.xx.fbcdn.net/rsrc.php/v3/yD/r/DggDhA4z4tO.gif",
        "is_instagram_eligible": True, "is_crosspost_video": False, "is_crossposting_eligible": False,
        "is_episode": False, "is_reference_only": False, "post_views": 0,
        "views": between(0, 50_000, node.id, "views"), "custom_labels": [], "spherical": False,
    }


def render_customaudience(ds, node):
    account = _account(ds, node).props
    subtype = node.props["subtype"]
    lower = between(1_000, 2_000_000, node.id, "size")
    values = {
        "id": node.id, "account_id": account["numeric_id"], "name": node.name,
        "description": f"{subtype.title()} audience", "subtype": subtype,
        "approximate_count_lower_bound": lower, "approximate_count_upper_bound": lower * 117 // 100,
        "time_created": node.created, "time_updated": node.updated, "time_content_updated": node.updated,
        "delivery_status": {"code": 200, "description": "This audience is ready for use."},
        "operation_status": {"code": 200, "description": "Normal"},
        "permission_for_actions": {"can_edit": True, "can_see_insight": "True", "can_share": "True",
                                   "subtype_supports_lookalike": "True", "supports_recipient_lookalike": "False"},
        "sharing_status": {"sharing_relationship_id": 0, "status": "NOT_SHARED"},
        "is_value_based": False, "is_household": False, "retention_days": 0,
        "data_source": {"type": "UNKNOWN", "sub_type": "ANYTHING", "creation_params": "[]"},
    }
    if subtype == "WEBSITE":
        values.update(retention_days=30, pixel_id=account["pixel_id"],
                      data_source={"type": "EVENT_BASED", "sub_type": "WEB_PIXEL_HITS", "creation_params": "[]"},
                      rule='{"inclusions":{"operator":"or","rules":[{"event_sources":[{"id":"'
                           + account["pixel_id"] + '","type":"pixel"}],"retention_seconds":2592000}]}}')
    elif subtype == "LOOKALIKE":
        values["lookalike_spec"] = {"country": account["countries"][0], "ratio": 0.01, "type": "similarity",
                                    "origin": [{"id": ds.nodes(node.account_id, "customaudience")[0].id,
                                                "type": "custom_audience"}]}
    elif subtype == "CUSTOM":
        values.update(customer_file_source="USER_PROVIDED_ONLY",
                      data_source={"type": "FILE_IMPORTED", "sub_type": "HASHES", "creation_params": "[]"})
    return values


def render_customconversion(ds, node):
    account = _account(ds, node).props
    event = node.props["event"]
    return {
        "id": node.id, "account_id": account["numeric_id"], "name": node.name,
        "description": f"{event.replace('_', ' ').title()} on the shop's thank-you page",
        "custom_event_type": event, "event_source_type": "pixel", "aggregation_rule": "count",
        "rule": '{"and":[{"event":{"eq":"PageView"}},{"URL":{"i_contains":"/thank-you"}}]}',
        "default_conversion_value": between(0, 50, node.id, "value"), "retention_days": 0,
        "creation_time": graph_time(node.created), "first_fired_time": graph_time(node.created + 3600),
        "last_fired_time": graph_time(node.updated), "is_archived": False, "is_unavailable": False,
        "pixel": {"id": account["pixel_id"]},
        "data_sources": [{"id": account["pixel_id"], "source_type": "PIXEL", "name": f"{_account(ds, node).name} Pixel"}],
    }


RENDERERS = {
    "user": render_user, "business": render_business, "adaccount": render_adaccount,
    "campaign": render_campaign, "adset": render_adset, "ad": render_ad, "adcreative": render_adcreative,
    "adimage": render_adimage, "advideo": render_advideo, "customaudience": render_customaudience,
    "customconversion": render_customconversion,
}
