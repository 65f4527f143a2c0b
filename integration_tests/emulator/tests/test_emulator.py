"""The emulator answers as Meta documents its Graph API."""

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from integration_tests.emulator import Dataset, Fault, GraphEmulator

TOKEN = "test-token-not-secret"
REPO_ROOT = Path(__file__).resolve().parents[3]
ALL_CAMPAIGN_STATUSES = ["ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES"]
ALL_AD_STATUSES = ALL_CAMPAIGN_STATUSES + ["CAMPAIGN_PAUSED", "ADSET_PAUSED", "DISAPPROVED",
                                           "PENDING_BILLING_INFO", "PENDING_REVIEW", "PREAPPROVED"]
EVERY_STATUS = {"campaign": ALL_CAMPAIGN_STATUSES, "adset": ALL_CAMPAIGN_STATUSES + ["CAMPAIGN_PAUSED"],
                "ad": ALL_AD_STATUSES}


def every_status(level):
    """The insights `filtering` that lets Meta report deleted and archived objects of this level."""
    return json.dumps([{"field": f"{level}.effective_status", "operator": "IN", "value": EVERY_STATUS[level]}])


@pytest.fixture(scope="module")
def ds():
    return Dataset.generate(accounts=2, campaigns_per_account=6, adsets_per_campaign=2, ads_per_adset=2, seed=1)


@pytest.fixture(scope="module")
def server(ds):
    with GraphEmulator(ds, token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def emu(server, ds):
    """The shared emulator, with faults, budgets, tunables and the log reset for each test."""
    server.clear_faults()
    server.clear_budgets()
    server.reset_log()
    server.max_insights_days_with_breakdowns = None
    server.omit_usage_headers_below_pct = 0
    server.job_pending_polls = 2
    ds.no_permission_accounts.clear()
    ds.refused_fields.clear()
    ds.deleted_post_creatives.clear()
    yield server


@pytest.fixture(scope="module")
def http():
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN}"
    return session


def get(http, emu, path, **params):
    return http.get(f"{emu.base_url}/v25.0{path}", params=params)


def walk(http, emu, path, **params):
    """Every row of a listing, following `next`; also the number of pages read."""
    rows, pages, url = [], 0, f"{emu.base_url}/v25.0{path}"
    response = http.get(url, params=params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["data"]
        pages += 1
        if "next" not in body.get("paging", {}):
            return rows, pages
        response = http.get(body["paging"]["next"])


def last_30d(ds, account_id):
    today = ds.today(account_id)
    return today - dt.timedelta(days=30), today - dt.timedelta(days=1)


def error_of(response):
    return response.json()["error"]


# ---------------------------------------------------------------- objects, fields, paging
def test_me_lists_every_account_and_business(http, emu, ds):
    assert get(http, emu, "/me").json() == {"id": ds.user.id, "name": ds.user.name}
    accounts, _ = walk(http, emu, "/me/adaccounts", fields="id,account_id,name,currency")
    assert {a["id"] for a in accounts} == ds.expected_ids("adaccounts") == set(ds.accounts)
    assert all(a["account_id"] == a["id"].removeprefix("act_") for a in accounts)
    businesses, _ = walk(http, emu, "/me/businesses", fields="id,name")
    assert {b["id"] for b in businesses} == ds.expected_ids("businesses")


def test_ad_account_has_meta_shaped_fields(http, emu, ds):
    account = get(http, emu, f"/{ds.accounts[0]}",
                  fields="name,currency,timezone_name,account_status,amount_spent").json()
    assert account["id"] == ds.accounts[0]
    assert isinstance(account["amount_spent"], str) and account["account_status"] == 1
    assert set(account) == {"id", "name", "currency", "timezone_name", "account_status", "amount_spent"}


def test_paging_walks_three_or_more_pages_and_omits_next_on_the_last(http, emu, ds):
    account = ds.accounts[0]
    ads, pages = walk(http, emu, f"/{account}/ads", fields="id,name,effective_status", limit=4)
    expected = ds.expected_ids("ads", account_id=account)
    assert pages >= 3
    assert [ad["id"] for ad in ads] == sorted(expected, key=ads_order(ds, account))
    assert {ad["effective_status"] for ad in ads}.isdisjoint({"ARCHIVED", "DELETED"})


def ads_order(ds, account):
    order = {node.id: node.seq for node in ds.nodes(account, "ad")}
    return order.__getitem__


def test_every_stream_lists_its_expected_ids(http, emu, ds):
    edges = {"campaigns": "campaigns", "adsets": "adsets", "ads": "ads", "adcreatives": "adcreatives",
             "adimages": "adimages", "advideos": "advideos", "custom_audiences": "customaudiences",
             "custom_conversions": "customconversions"}
    for account in ds.accounts:
        for stream, edge in edges.items():
            rows, _ = walk(http, emu, f"/{account}/{edge}", fields="id", limit=100)
            assert {row["id"] for row in rows} == ds.expected_ids(stream, account_id=account), stream


def test_object_shapes_follow_meta(http, emu, ds):
    account = ds.accounts[0]
    campaign = get(http, emu, f"/{account}/campaigns", fields="id,created_time,updated_time,status,budget_remaining",
                   limit=1).json()["data"][0]
    assert campaign["created_time"].endswith("+0000") and len(campaign["created_time"]) == 24
    assert isinstance(campaign["budget_remaining"], str)
    ad = get(http, emu, f"/{account}/ads", fields="id,creative,adset_id", limit=1).json()["data"][0]
    assert set(ad["creative"]) == {"id"}
    image = get(http, emu, f"/{account}/adimages", fields="id,hash,url", limit=1).json()["data"][0]
    assert image["id"] == f"{account.removeprefix('act_')}:{image['hash']}"
    audience = get(http, emu, f"/{account}/customaudiences", fields="id,time_created,time_updated").json()["data"][0]
    assert isinstance(audience["time_created"], int) and isinstance(audience["time_updated"], int)


def test_without_fields_only_id_and_name_come_back(http, emu, ds):
    campaign = get(http, emu, f"/{ds.accounts[0]}/campaigns").json()["data"][0]
    assert set(campaign) == {"id", "name"}
    audience = get(http, emu, f"/{ds.accounts[0]}/customaudiences").json()["data"][0]
    assert set(audience) == {"id"}


def test_unknown_field_answers_code_100_and_nested_fields_are_accepted(http, emu, ds):
    response = get(http, emu, f"/{ds.accounts[0]}/campaigns", fields="id,bogus_field")
    assert response.status_code == 400
    assert error_of(response)["code"] == 100
    assert error_of(response)["message"] == \
        "(#100) Tried accessing nonexisting field (bogus_field) on node type (Campaign)"
    ok = get(http, emu, f"/{ds.accounts[0]}/ads", fields="id,creative{id,name},adset{id}")
    assert ok.status_code == 200 and "creative" in ok.json()["data"][0]


def test_permission_gated_account_field_answers_code_200(http, emu, ds):
    response = get(http, emu, f"/{ds.accounts[0]}", fields="name,funding_source_details")
    assert response.status_code == 403 and error_of(response)["code"] == 200


# ---------------------------------------------------------------- filtering
def test_a_creative_with_a_deleted_post_fails_every_page_holding_it_unless_only_ids_are_read(http, emu, ds):
    account = ds.accounts[0]
    creatives = [node.id for node in ds.nodes(account, "adcreative")]
    ds.deleted_post_creatives.add(creatives[1])

    whole = get(http, emu, f"/{account}/adcreatives", fields="id,name,object_story_spec", limit=4)
    before_it = get(http, emu, f"/{account}/adcreatives", fields="id,name,object_story_spec", limit=1)
    ids_only = get(http, emu, f"/{account}/adcreatives", fields="id", limit=4)
    alone = get(http, emu, f"/{creatives[1]}", fields="id,account_id,effective_object_story_id")

    assert whole.status_code == 400 and alone.status_code == 400
    assert {k: error_of(whole)[k] for k in ("code", "error_subcode", "error_user_title")} == {
        "code": 100, "error_subcode": 2446289, "error_user_title": "Ad Creative Is Incomplete"}
    assert [row["id"] for row in before_it.json()["data"]] == creatives[:1]
    assert [row["id"] for row in ids_only.json()["data"]] == creatives


def test_a_refused_field_fails_every_request_for_it_on_that_account_with_code_10(http, emu, ds):
    refusing, other = ds.accounts
    ds.refused_fields[refusing] = {"funding_source"}

    refused = get(http, emu, f"/{refusing}", fields="id,funding_source")
    listing = get(http, emu, "/me/adaccounts", fields="account_id,funding_source")

    assert refused.status_code == 400 and error_of(refused)["code"] == 10
    assert error_of(listing)["message"] == "(#10) Permission Denied."
    assert get(http, emu, f"/{other}", fields="id,funding_source").status_code == 200
    assert get(http, emu, f"/{refusing}", fields="id,name").status_code == 200
    assert get(http, emu, "/me/adaccounts", fields="account_id").status_code == 200


def test_status_filter_listing_every_status_includes_deleted(http, emu, ds):
    account = ds.accounts[0]
    filtering = json.dumps([{"field": "ad.effective_status", "operator": "IN", "value": ALL_AD_STATUSES}])
    ads, _ = walk(http, emu, f"/{account}/ads", fields="id", filtering=filtering, limit=50)
    assert {ad["id"] for ad in ads} == ds.expected_ids("ads", account_id=account, include_deleted=True)
    assert len(ds.expected_ids("ads", account_id=account, include_deleted=True)) > \
        len(ds.expected_ids("ads", account_id=account))


def test_updated_time_filter_and_touch(http, emu, ds):
    account = ds.accounts[0]
    since = int(time.time()) - 3600
    filtering = json.dumps([{"field": "campaign.effective_status", "operator": "IN", "value": ALL_CAMPAIGN_STATUSES},
                            {"field": "campaign.updated_time", "operator": "GREATER_THAN", "value": since}])
    before, _ = walk(http, emu, f"/{account}/campaigns", fields="id", filtering=filtering)
    assert before == []
    touched = sorted(ds.expected_ids("campaigns", account_id=account))[:2]
    ds.touch("campaigns", touched, dt.datetime.now(dt.timezone.utc))
    after, _ = walk(http, emu, f"/{account}/campaigns", fields="id,updated_time", filtering=filtering)
    assert {c["id"] for c in after} == set(touched) == \
        ds.expected_ids("campaigns", account_id=account, include_deleted=True, updated_after=since)


def test_unknown_filter_field_answers_code_100(http, emu, ds):
    filtering = json.dumps([{"field": "adcreative.updated_time", "operator": "GREATER_THAN", "value": 0}])
    response = get(http, emu, f"/{ds.accounts[0]}/adcreatives", fields="id", filtering=filtering)
    assert response.status_code == 400 and error_of(response)["code"] == 100


# ---------------------------------------------------------------- auth, accounts, versions
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_missing_or_wrong_token_answers_190(emu, headers):
    response = requests.get(f"{emu.base_url}/v25.0/me", headers=headers)
    assert response.status_code == 400
    assert error_of(response)["code"] == 190 and error_of(response)["type"] == "OAuthException"


def test_query_token_is_logged_and_never_echoed(http, emu, ds):
    response = http.get(f"{emu.base_url}/v25.0/{ds.accounts[0]}/ads",
                        params={"fields": "id", "limit": 2, "access_token": TOKEN})
    assert TOKEN not in response.text and TOKEN not in json.dumps(dict(response.headers))
    assert TOKEN not in response.json()["paging"]["next"]
    assert emu.requests[-1].had_query_token and TOKEN not in str(emu.requests[-1])
    get(http, emu, "/me")
    assert not emu.requests[-1].had_query_token


def test_unknown_account_answers_33_and_unpermitted_account_answers_200(http, emu, ds):
    unknown = get(http, emu, "/act_999/campaigns", fields="id")
    assert unknown.status_code == 400
    assert (error_of(unknown)["code"], error_of(unknown)["error_subcode"]) == (100, 33)
    assert "act_999" in error_of(unknown)["message"]
    ds.no_permission_accounts.add(ds.accounts[1])
    denied = get(http, emu, f"/{ds.accounts[1]}/insights")
    assert denied.status_code == 403 and error_of(denied)["code"] == 200


def test_retired_version_answers_2635(http, emu):
    response = http.get(f"{emu.base_url}/v18.0/me")
    assert response.status_code == 400 and error_of(response)["code"] == 2635
    assert http.get(f"{emu.base_url}/v26.0/me").status_code == 200


# ---------------------------------------------------------------- faults
def test_http_500_fault_fires_after_and_times(http, emu, ds):
    fault = emu.inject(Fault("http_500", path_pattern=r"/campaigns$", times=2, after=1))
    statuses = [get(http, emu, f"/{ds.accounts[0]}/campaigns").status_code for _ in range(4)]
    assert statuses == [200, 500, 500, 200]
    assert (fault.seen, fault.fired) == (3, 2)
    assert get(http, emu, "/me").status_code == 200


@pytest.mark.parametrize("kind, status, code, subcode", [
    ("code_1", 500, 1, 99), ("code_2", 400, 2, None), ("token_190", 400, 190, 463),
    ("permission_200", 403, 200, None), ("unknown_object_33", 400, 100, 33), ("row_ceiling", 400, 100, 1487534),
    ("reduce_data_code_1", 500, 1, None), ("error_in_200", 200, 1, None), ("version_2635", 400, 2635, None),
    ("http_429", 429, 4, None), ("not_transient_code_1", 400, 1, 2853001), ("missing_permissions_100", 400, 100, None),
    ("page_permission_190", 400, 190, None), ("two_factor_415", 400, 415, 1404120),
])
def test_error_faults_answer_meta_envelopes(http, emu, ds, kind, status, code, subcode):
    emu.inject(Fault(kind, path_pattern=r"/campaigns$"))
    response = get(http, emu, f"/{ds.accounts[0]}/campaigns")
    assert response.status_code == status
    error = error_of(response)
    assert (error["code"], error.get("error_subcode")) == (code, subcode)
    assert error["fbtrace_id"]


def test_error_quoting_the_token_quotes_the_url_with_the_token_the_request_sent(http, emu, ds):
    emu.inject(Fault("error_quotes_token", path_pattern=r"/campaigns$"))
    error = error_of(get(http, emu, f"/{ds.accounts[0]}/campaigns"))
    assert error["code"] == 100
    assert f"/{ds.accounts[0]}/campaigns?access_token={TOKEN}&" in error["message"]
    assert f"access_token={TOKEN}&" in error["error_user_msg"]


def test_reduce_data_answers_any_request_kind(http, emu, ds):
    """Meta sends code 1 "reduce the amount of data" on lists, the account list and single objects alike."""
    for path in ("/me/adaccounts", "/me/businesses", f"/{ds.accounts[0]}", f"/{ds.accounts[0]}/insights"):
        emu.inject(Fault("reduce_data_code_1", path_pattern=re.escape(path) + "$"))
        error = error_of(get(http, emu, path))
        assert (error["code"], error.get("error_subcode"), error.get("is_transient")) == (1, None, None), path
        assert "reduce the amount of data" in error["message"]


def test_not_transient_code_1_carries_meta_words_for_the_user(http, emu, ds):
    emu.inject(Fault("not_transient_code_1", path_pattern=r"/advideos$"))
    error = error_of(get(http, emu, f"/{ds.accounts[0]}/advideos"))
    assert error["is_transient"] is False and error["error_user_title"] and error["error_user_msg"]


def test_malformed_200_and_version_warning_faults(http, emu, ds):
    path = f"/{ds.accounts[0]}/campaigns"
    emu.inject(Fault("malformed_200", path_pattern=r"/campaigns$"))
    malformed = get(http, emu, path)
    assert malformed.status_code == 200 and isinstance(malformed.json()["data"], str)
    emu.inject(Fault("malformed_200", path_pattern=r"/campaigns$", body=b"42"))
    assert get(http, emu, path).json() == 42
    emu.inject(Fault("version_upgrade_warning", path_pattern=r"/campaigns$"))
    upgraded = get(http, emu, path)
    assert upgraded.status_code == 200 and "upgraded" in upgraded.headers["X-Ad-Api-Version-Warning"]
    assert "X-Ad-Api-Version-Warning" not in get(http, emu, path).headers


def test_transport_faults(http, emu, ds):
    path = f"/{ds.accounts[0]}/campaigns"
    emu.inject(Fault("truncated_json", path_pattern=r"/campaigns$"))
    truncated = get(http, emu, path, fields="id,name")
    assert truncated.status_code == 200
    with pytest.raises(ValueError):
        truncated.json()
    emu.inject(Fault("html_502", path_pattern=r"/campaigns$"))
    bad_gateway = get(http, emu, path)
    assert bad_gateway.status_code == 502 and bad_gateway.headers["Content-Type"].startswith("text/html")
    emu.inject(Fault("connection_reset", path_pattern=r"/campaigns$"))
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{emu.base_url}/v25.0{path}", headers={"Authorization": f"Bearer {TOKEN}"})
    emu.inject(Fault("slow", path_pattern=r"/campaigns$", seconds=0.2))
    started = time.monotonic()
    assert get(http, emu, path).status_code == 200
    assert time.monotonic() - started >= 0.2


def test_buc_fault_carries_minutes_and_true_seconds(http, emu, ds):
    emu.inject(Fault("buc_80004", path_pattern=r"/ads$", seconds=90))
    response = get(http, emu, f"/{ds.accounts[0]}/ads")
    assert error_of(response)["code"] == 80004 and error_of(response)["is_transient"] is True
    buc = json.loads(response.headers["X-Business-Use-Case-Usage"])[ds.accounts[0].removeprefix("act_")][0]
    assert buc["estimated_time_to_regain_access"] == 1 and buc["call_count"] >= 100  # whole minutes
    assert json.loads(response.headers["X-Ad-Account-Usage"])["reset_time_duration"] == 90


def test_empty_page_with_next_still_reaches_every_row(http, emu, ds):
    account = ds.accounts[0]
    emu.inject(Fault("empty_page_with_next", path_pattern=r"/ads$", times=2, after=1))
    ads, pages = walk(http, emu, f"/{account}/ads", fields="id", limit=5)
    assert {ad["id"] for ad in ads} == ds.expected_ids("ads", account_id=account)
    assert sum(1 for entry in emu.requests if entry.path.endswith("/ads")) == pages


def test_dribble_sends_the_body_one_byte_at_a_time(http, emu, ds):
    emu.inject(Fault("dribble", path_pattern=r"/me$", seconds=0.01))
    started = time.monotonic()
    response = http.get(f"{emu.base_url}/v25.0/me", stream=True)
    assert time.monotonic() - started < 0.5  # the headers come at once
    chunks = list(response.raw.stream(1))
    assert len(chunks) == len(b"".join(chunks)) > 10
    assert time.monotonic() - started >= 0.01 * len(chunks)
    assert json.loads(b"".join(chunks))["id"] == ds.user.id


def test_repeated_cursor_answers_every_page_with_the_cursor_it_was_asked_with(http, emu, ds):
    account = ds.accounts[0]
    emu.inject(Fault("repeated_cursor", path_pattern=r"/ads$", times=None))
    first = get(http, emu, f"/{account}/ads", fields="id", limit=5).json()
    second = http.get(first["paging"]["next"]).json()
    assert first["data"] and second["data"] == first["data"]
    assert second["paging"]["cursors"]["after"] == first["paging"]["cursors"]["after"]
    assert "next" in second["paging"]


def test_endless_empty_pages_link_to_a_fresh_cursor_each_time(http, emu, ds):
    account = ds.accounts[0]
    emu.inject(Fault("endless_empty_pages", path_pattern=r"/ads$", times=None))
    cursors, url = [], f"{emu.base_url}/v25.0/{account}/ads?fields=id&limit=5"
    for _ in range(5):
        body = http.get(url).json()
        assert body["data"] == [] and "next" in body["paging"]
        cursors.append(body["paging"]["cursors"]["after"])
        url = body["paging"]["next"]
    assert len(set(cursors)) == 5


# ---------------------------------------------------------------- budget and usage headers
def test_budget_throttles_with_buc_error_and_recovers(http, emu, ds):
    account = ds.accounts[0]
    emu.set_budget(calls=3, window_seconds=1.0)
    statuses = [get(http, emu, f"/{account}/campaigns").status_code for _ in range(3)]
    throttled = get(http, emu, f"/{account}/campaigns")
    assert statuses == [200, 200, 200] and throttled.status_code == 400
    error = error_of(throttled)
    assert (error["code"], error["error_subcode"], error["is_transient"]) == (80004, 2446079, True)
    buc = json.loads(throttled.headers["X-Business-Use-Case-Usage"])[account.removeprefix("act_")][0]
    assert buc["call_count"] >= 100 and buc["estimated_time_to_regain_access"] == 0  # under a minute
    reset = json.loads(throttled.headers["X-Ad-Account-Usage"])["reset_time_duration"]
    assert 0 < reset <= 1
    assert emu.requests[-1].throttled and emu.requests[-1].account_id == account
    insights_throttled = get(http, emu, f"/{account}/insights")
    assert error_of(insights_throttled)["code"] == 80000
    assert get(http, emu, f"/{ds.accounts[1]}/campaigns").status_code == 200   # its own window
    time.sleep(emu.regain_seconds(account) + 0.05)
    assert get(http, emu, f"/{account}/campaigns").status_code == 200


def test_usage_headers_report_budget_use_and_can_be_omitted(http, emu, ds):
    account = ds.accounts[0]
    emu.set_budget(calls=10, window_seconds=60, account_id=account)
    for _ in range(4):
        response = get(http, emu, f"/{account}/insights")
    buc = json.loads(response.headers["X-Business-Use-Case-Usage"])[account.removeprefix("act_")][0]
    assert (buc["type"], buc["call_count"]) == ("ads_insights", 40)
    assert json.loads(response.headers["x-fb-ads-insights-throttle"])["acc_id_util_pct"] == 40
    assert "X-App-Usage" in response.headers
    emu.omit_usage_headers_below_pct = 60
    quiet = get(http, emu, f"/{account}/campaigns")   # 50% used
    assert "X-Business-Use-Case-Usage" not in quiet.headers and "X-Ad-Account-Usage" not in quiet.headers


def test_app_usage_counts_every_call_of_the_app_and_code_4_stops_every_account(http, emu, ds):
    first, second = ds.accounts[:2]
    emu.set_app_budget(calls=10, window_seconds=1)
    emu.spend_app_calls(4)  # another connection of the same app
    get(http, emu, f"/{first}/campaigns")
    get(http, emu, "/me/adaccounts")
    shared = get(http, emu, f"/{second}/insights")
    # One figure for the app, on every account's answers: 4 + 3 of 10 calls.
    assert json.loads(shared.headers["X-App-Usage"])["call_count"] == 70
    assert json.loads(shared.headers["x-fb-ads-insights-throttle"])["app_id_util_pct"] == 70
    assert json.loads(shared.headers["x-fb-ads-insights-throttle"])["acc_id_util_pct"] < 1
    for _ in range(3):
        get(http, emu, f"/{first}/ads")
    for path in (f"/{second}/campaigns", "/me"):
        refused = get(http, emu, path)
        assert refused.status_code == 400 and error_of(refused)["code"] == 4
        assert json.loads(refused.headers["X-App-Usage"])["call_count"] >= 100
        assert emu.requests[-1].throttled
    time.sleep(1.05)
    assert get(http, emu, f"/{second}/campaigns").status_code == 200


# ---------------------------------------------------------------- insights
def test_ad_insights_last_30d_match_the_ground_truth(http, emu, ds):
    account = ds.accounts[0]
    fields = "ad_id,ad_name,adset_id,campaign_id,account_id,impressions,spend,clicks,cpc,ctr,actions,action_values"
    rows, pages = walk(http, emu, f"/{account}/insights", level="ad", fields=fields, time_increment=1,
                       date_preset="last_30d", limit=100, filtering=every_status("ad"))
    since, until = last_30d(ds, account)
    assert rows == ds.insight_rows("ad", account, since, until, fields=fields.split(","))
    assert pages >= 2 and rows
    assert {(row["ad_id"], row["date_start"]) for row in rows} == ds.expected_ids("ad_insights", account_id=account)
    assert all(isinstance(row["impressions"], str) and isinstance(row["spend"], str) for row in rows)
    assert min(row["date_start"] for row in rows) >= since.isoformat()
    assert max(row["date_stop"] for row in rows) <= until.isoformat()


def test_higher_levels_sum_their_ads(http, emu, ds):
    account = ds.accounts[0]
    since, until = last_30d(ds, account)
    time_range = json.dumps({"since": since.isoformat(), "until": until.isoformat()})
    ads, _ = walk(http, emu, f"/{account}/insights", level="ad", fields="impressions,spend",
                  time_range=time_range, limit=500, filtering=every_status("ad"))
    total, _ = walk(http, emu, f"/{account}/insights", level="account", fields="account_id,impressions,spend",
                    time_range=time_range)
    assert len(total) == 1 and total[0]["date_start"] == since.isoformat()
    assert int(total[0]["impressions"]) == sum(int(row["impressions"]) for row in ads)


def test_breakdown_rows_split_the_unbroken_totals(http, emu, ds):
    account = ds.accounts[0]
    since, until = last_30d(ds, account)
    plain = ds.insight_rows("campaign", account, since, until, fields=("campaign_id", "impressions"))
    split, _ = walk(http, emu, f"/{account}/insights", level="campaign", fields="campaign_id,impressions",
                    breakdowns="age,gender", time_increment=1, limit=500, filtering=every_status("campaign"))
    assert split == ds.insight_rows("campaign", account, since, until, breakdowns=("age", "gender"),
                                    fields=("campaign_id", "impressions"))
    assert {row["gender"] for row in split} <= {"female", "male", "unknown"} and "age" in split[0]
    assert sum(int(r["impressions"]) for r in split) == sum(int(r["impressions"]) for r in plain)


@pytest.mark.parametrize("level", ["campaign", "adset", "ad"])
def test_insights_hide_deleted_and_archived_objects_unless_the_filter_names_them(http, emu, ds, level):
    account = ds.accounts[0]
    id_field = f"{level}_id"
    retired = {node.id for node in ds.nodes(account, level) if node.effective_status in ("DELETED", "ARCHIVED")}
    every_row = {row[id_field] for row in ds.insight_rows(level, account, *last_30d(ds, account), fields=(id_field,))}
    assert retired & every_row, "the dataset needs a retired object that delivered"
    params = {"level": level, "fields": id_field, "date_preset": "last_30d", "time_increment": 1, "limit": 500}
    hidden, _ = walk(http, emu, f"/{account}/insights", **params)
    shown, _ = walk(http, emu, f"/{account}/insights", **params, filtering=every_status(level))
    assert {row[id_field] for row in hidden} == every_row - retired
    assert {row[id_field] for row in shown} == every_row
    refused = get(http, emu, f"/{account}/insights", **params,
                  filtering=json.dumps([{"field": f"{level}.effective_status", "operator": "IN", "value": ["GONE"]}]))
    assert error_of(refused)["code"] == 100


def test_activities_default_to_the_last_week_and_since_reaches_back_newest_first(http, emu, ds):
    account = ds.accounts[0]
    week, _ = walk(http, emu, f"/{account}/activities", fields="event_time,event_type,object_id", limit=100)
    everything, _ = walk(http, emu, f"/{account}/activities", fields="event_time,event_type,object_id", since=0, limit=100)
    week_ago = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(time.time() - 7 * 86_400))
    assert all(row["event_time"] >= week_ago for row in week) and len(everything) > len(week)
    assert {(r["object_id"], r["event_type"], r["event_time"]) for r in everything} == ds.expected_ids(
        "activities", account_id=account)
    assert [r["event_time"] for r in everything] == sorted((r["event_time"] for r in everything), reverse=True)


@pytest.mark.parametrize("breakdown, field", [
    ("hourly_stats_aggregated_by_advertiser_time_zone", "reach"),
    ("hourly_stats_aggregated_by_advertiser_time_zone", "unique_clicks"),
    ("region", "video_p25_watched_actions"),
])
def test_fields_meta_refuses_with_a_breakdown_answer_code_100(http, emu, ds, breakdown, field):
    response = get(http, emu, f"/{ds.accounts[0]}/insights", level="ad", fields=f"impressions,{field}",
                   breakdowns=breakdown, time_increment=1)
    assert response.status_code == 400 and error_of(response)["code"] == 100 and field in error_of(response)["message"]
    assert get(http, emu, f"/{ds.accounts[0]}/insights", level="ad", fields="impressions", breakdowns=breakdown,
               time_increment=1).status_code == 200


def test_placements_belong_to_their_platform_and_hours_split_the_day(http, emu, ds):
    account = ds.accounts[0]
    rows, _ = walk(http, emu, f"/{account}/insights", level="ad", fields="ad_id,impressions", time_increment=1,
                   breakdowns="publisher_platform,platform_position,device_platform", limit=500)
    pairs = {(r["publisher_platform"], r["platform_position"]) for r in rows}
    assert ("facebook", "instagram_reels") not in pairs and ("instagram", "feed") in pairs
    hourly, _ = walk(http, emu, f"/{account}/insights", level="ad", fields="ad_id,impressions", time_increment=1,
                     breakdowns="hourly_stats_aggregated_by_advertiser_time_zone", limit=500,
                     filtering=every_status("ad"))
    assert {r["hourly_stats_aggregated_by_advertiser_time_zone"] for r in hourly} >= {"00:00:00 - 00:59:59",
                                                                                      "23:00:00 - 23:59:59"}
    plain = ds.insight_rows("ad", account, *last_30d(ds, account), fields=("ad_id", "impressions"))
    assert sum(int(r["impressions"]) for r in hourly) == sum(int(r["impressions"]) for r in plain)


def test_breakdown_row_ceiling_and_old_dates(http, emu, ds):
    account = ds.accounts[0]
    emu.max_insights_days_with_breakdowns = 7
    too_much = get(http, emu, f"/{account}/insights", level="ad", breakdowns="country", date_preset="last_30d")
    assert too_much.status_code == 400
    assert (error_of(too_much)["code"], error_of(too_much)["error_subcode"]) == (100, 1487534)
    assert get(http, emu, f"/{account}/insights", level="ad", breakdowns="country",
               date_preset="last_7d").status_code == 200
    assert get(http, emu, f"/{account}/insights", level="ad", date_preset="last_30d").status_code == 200
    old = json.dumps({"since": "2021-01-01", "until": "2021-01-31"})
    assert error_of(get(http, emu, f"/{account}/insights", time_range=old))["code"] == 3018


def test_async_report_run_progresses_and_pages_its_rows(http, emu, ds):
    account = ds.accounts[0]
    params = {"level": "adset", "fields": "adset_id,impressions,spend", "time_increment": "1",
              "date_preset": "last_30d", "breakdowns": "publisher_platform", "filtering": every_status("adset")}
    run_id = http.post(f"{emu.base_url}/v25.0/{account}/insights", data=params).json()["report_run_id"]
    polls = [get(http, emu, f"/{run_id}").json() for _ in range(3)]
    assert [p["async_status"] for p in polls] == ["Job Not Started", "Job Running", "Job Completed"]
    assert [p["async_percent_completion"] for p in polls] == [0, 50, 100]
    rows, _ = walk(http, emu, f"/{run_id}/insights", limit=200)
    since, until = last_30d(ds, account)
    assert rows == ds.insight_rows("adset", account, since, until, breakdowns=("publisher_platform",),
                                   fields=params["fields"].split(","))


@pytest.mark.parametrize("kind, final", [("job_failed", "Job Failed"), ("job_skipped", "Job Skipped")])
def test_report_run_faults(http, emu, ds, kind, final):
    emu.job_pending_polls = 0
    emu.inject(Fault(kind, path_pattern=r"/insights$"))
    run_id = http.post(f"{emu.base_url}/v25.0/{ds.accounts[0]}/insights", data={"level": "ad"}).json()["report_run_id"]
    status = get(http, emu, f"/{run_id}").json()
    assert status["async_status"] == final
    if kind == "job_failed":
        assert (status["error_code"], status["error_subcode"]) == (-2, 2490547)
    assert get(http, emu, f"/{run_id}/insights").status_code == 400


# ---------------------------------------------------------------- dataset and CLI
def test_same_seed_same_world():
    now = dt.datetime(2026, 11, 20, 10, tzinfo=dt.timezone.utc)
    first, second = (Dataset.generate(seed=7, now=now) for _ in range(2))
    for stream in ("campaigns", "ads", "adimages", "custom_audiences"):
        assert first.expected_ids(stream, include_deleted=True) == second.expected_ids(stream, include_deleted=True)
    assert Dataset.generate(seed=8, now=now).expected_ids("ads") != first.expected_ids("ads")


def test_cli_prints_the_url_and_serves_until_sigterm():
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "integration_tests.emulator", "--port", "0", "--accounts", "1"],
                               stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT, env=env)
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("EMULATOR_URL=http://127.0.0.1:")
        url = line.split("=", 1)[1]
        me = requests.get(f"{url}/v25.0/me/adaccounts", headers={"Authorization": "Bearer demo-token"})
        assert [a["id"] for a in me.json()["data"]] == ["act_1000000001"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0


@pytest.fixture(scope="module")
def old_world():
    """One account whose ads delivered more than 13 months ago."""
    ds = Dataset.generate(accounts=1, campaigns_per_account=4, seed=3, history_days=900)
    with GraphEmulator(ds, token=TOKEN) as emulator:
        yield ds, emulator


def test_breakdowns_with_a_start_over_13_months_back_leave_out_reach_without_an_error(http, old_world):
    ds, emu = old_world
    account = ds.accounts[0]
    since = ds.today(account).replace(year=ds.today(account).year - 1) - dt.timedelta(days=40)
    old = json.dumps({"since": since.isoformat(), "until": (since + dt.timedelta(days=9)).isoformat()})
    fields = "spend,reach,frequency,cpp"
    split, _ = walk(http, emu, f"/{account}/insights", fields=fields, breakdowns="age", time_range=old, time_increment=1)
    plain, _ = walk(http, emu, f"/{account}/insights", fields=fields, time_range=old, time_increment=1)
    assert split and plain
    assert not any({"reach", "frequency", "cpp"} & set(row) for row in split)
    assert all("reach" in row for row in plain)
    params = {"fields": fields, "breakdowns": "age", "time_range": old, "time_increment": "1"}
    runs = [http.post(f"{emu.base_url}/v25.0/{account}/insights", data=params) for _ in range(11)]
    assert "x-Fb-Ads-Insights-Reach-Throttle" in runs[0].headers
    rows_of_run = []
    for run in (runs[0], runs[10]):
        run_id = run.json()["report_run_id"]
        for _ in range(3):
            get(http, emu, f"/{run_id}")
        rows_of_run.append(walk(http, emu, f"/{run_id}/insights")[0])
    assert all("reach" in row for row in rows_of_run[0]) and rows_of_run[0]
    assert not any("reach" in row for row in rows_of_run[1])  # the 11th run of the day


@pytest.mark.parametrize("breakdown", ["impression_device", "frequency_value", "hourly_stats_aggregated_by_audience_time_zone"])
def test_opt_in_breakdowns_answer_no_rows_until_the_account_opts_in(http, emu, ds, breakdown):
    account = ds.accounts[0]
    params = {"fields": "spend", "breakdowns": breakdown, "date_preset": "last_7d", "limit": 500}
    assert get(http, emu, f"/{account}/insights", **params).json() == {"data": []}
    ds.breakdown_opt_in_accounts.add(account)
    try:
        rows, _ = walk(http, emu, f"/{account}/insights", **params)
    finally:
        ds.breakdown_opt_in_accounts.clear()
    assert rows and all(breakdown in row for row in rows)

# ---------------------------------------------------------------- what Meta's own SDK sends


def test_fields_sent_as_a_json_array_are_read_like_a_comma_list(http, emu, ds):
    account = ds.accounts[0]
    as_list = get(http, emu, f"/{account}/campaigns", fields="id,name")
    as_json = get(http, emu, f"/{account}/campaigns", fields=json.dumps(["id", "name"]))
    assert as_json.status_code == 200, as_json.text
    assert as_json.json()["data"] == as_list.json()["data"]


def test_a_batch_request_answers_each_item_and_counts_each_as_a_call(http, emu, ds):
    account = ds.accounts[0]
    batch = [
        {"method": "GET", "relative_url": f"{account}/campaigns?fields=id&limit=2"},
        {"method": "GET", "relative_url": "unknown_node_123?fields=id"},
    ]
    response = http.post(f"{emu.base_url}/v25.0/", data={"batch": json.dumps(batch)})
    assert response.status_code == 200, response.text
    first, second = response.json()
    assert first["code"] == 200 and len(json.loads(first["body"])["data"]) == 2
    assert second["code"] >= 400 and "error" in json.loads(second["body"])
    assert [entry.path for entry in emu.requests] == [f"/v25.0/{account}/campaigns", "/v25.0/unknown_node_123"]
