"""Reading Meta's four usage headers: figures per account and app, Meta's stated wait, unknown when absent."""

from __future__ import annotations

import json

import pytest

from source_facebook_ads.components.usage_headers import UNKNOWN_USAGE, read_usage


def test_no_headers_is_unknown_not_zero() -> None:
    assert read_usage({}, "123") == UNKNOWN_USAGE
    assert UNKNOWN_USAGE.account is None and UNKNOWN_USAGE.app is None


def test_business_use_case_usage_takes_the_highest_figure_of_the_account() -> None:
    header = {
        "123": [
            {"type": "ads_management", "call_count": 12, "total_cputime": 40, "total_time": 7},
            {"type": "ads_insights", "call_count": 55, "total_cputime": 3, "total_time": 9},
        ]
    }
    usage = read_usage({"X-Business-Use-Case-Usage": json.dumps(header)}, "123")
    assert usage.account is not None
    assert usage.account.percent == 55
    assert str(usage.account) == "X-Business-Use-Case-Usage ads_insights call_count 55%"
    assert usage.app is None


def test_business_use_case_usage_of_other_accounts_is_ignored_when_ours_is_present() -> None:
    header = {"123": [{"type": "ads_management", "call_count": 10}], "999": [{"type": "ads_management", "call_count": 99}]}
    assert read_usage({"X-Business-Use-Case-Usage": json.dumps(header)}, "123").account.percent == 10


def test_business_use_case_usage_without_our_account_counts_every_entry() -> None:
    header = {"999": [{"type": "ads_management", "call_count": 80}]}
    assert read_usage({"X-Business-Use-Case-Usage": json.dumps(header)}, "123").account.percent == 80
    assert read_usage({"X-Business-Use-Case-Usage": json.dumps(header)}, None).account.percent == 80


def test_business_use_case_entry_given_as_a_lone_object_and_string_numbers_are_read() -> None:
    header = {"123": {"type": "ads_insights", "call_count": "61.5"}}
    assert read_usage({"x-business-use-case-usage": json.dumps(header)}, "123").account.percent == 61.5


def test_ad_account_usage_and_insights_throttle_are_account_figures_app_usage_is_app() -> None:
    usage = read_usage(
        {
            "X-Ad-Account-Usage": json.dumps({"acc_id_util_pct": 20.5, "reset_time_duration": 0}),
            "x-fb-ads-insights-throttle": json.dumps({"app_id_util_pct": 30, "acc_id_util_pct": 25}),
            "X-App-Usage": json.dumps({"call_count": 5, "total_time": 44, "total_cputime": 1}),
        },
        "123",
    )
    assert (usage.account.source, usage.account.percent) == ("x-fb-ads-insights-throttle acc_id_util_pct", 25)
    assert (usage.app.source, usage.app.percent) == ("X-App-Usage total_time", 44)


@pytest.mark.parametrize("garbage", ["not json", "[1, 2]", "", "null", '{"acc_id_util_pct": "n/a"}'])
def test_a_garbled_header_is_unknown(garbage: str) -> None:
    assert read_usage({"X-Ad-Account-Usage": garbage}, "123").account is None


def test_stated_wait_converts_regain_minutes_to_seconds() -> None:
    header = {"123": [{"type": "ads_insights", "call_count": 100, "estimated_time_to_regain_access": 7}]}
    assert read_usage({"X-Business-Use-Case-Usage": json.dumps(header)}, "123").regain_access_seconds == 420


def test_stated_wait_reads_reset_time_duration_in_seconds() -> None:
    header = {"acc_id_util_pct": 100, "reset_time_duration": 45}
    assert read_usage({"X-Ad-Account-Usage": json.dumps(header)}, "123").regain_access_seconds == 45


def test_stated_wait_is_the_longest_and_reads_retry_after() -> None:
    headers = {
        "X-Business-Use-Case-Usage": json.dumps({"123": [{"type": "x", "estimated_time_to_regain_access": 1}]}),
        "X-Ad-Account-Usage": json.dumps({"acc_id_util_pct": 100, "reset_time_duration": 90}),
        "Retry-After": "30",
    }
    assert read_usage(headers, "123").regain_access_seconds == 90
    assert read_usage({"Retry-After": "30"}, None).regain_access_seconds == 30


def test_zero_waits_mean_meta_stated_none() -> None:
    headers = {
        "X-Business-Use-Case-Usage": json.dumps({"123": [{"type": "x", "estimated_time_to_regain_access": 0}]}),
        "X-Ad-Account-Usage": json.dumps({"acc_id_util_pct": 100, "reset_time_duration": 0}),
    }
    assert read_usage(headers, "123").regain_access_seconds is None


def test_the_highest_figure_of_each_header_is_kept_by_header_name() -> None:
    headers = {
        "X-Business-Use-Case-Usage": json.dumps({"123": [{"type": "ads_management", "call_count": 12, "total_time": 31}]}),
        "X-App-Usage": json.dumps({"call_count": 4, "total_cputime": 9, "total_time": 2}),
        "x-fb-ads-insights-throttle": json.dumps({"app_id_util_pct": 7, "acc_id_util_pct": 3}),
    }

    usage = read_usage(headers, "123")

    assert usage.peak_percent_by_header == {
        "X-Business-Use-Case-Usage": 31, "X-App-Usage": 9, "x-fb-ads-insights-throttle": 7,
    }
