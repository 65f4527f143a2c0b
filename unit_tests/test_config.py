"""Config normalisation: the derived insights range, account ids, dates, the token, unknown keys.

Errors through the console command are in unit_tests/integration/test_config_errors.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.config import CustomInsightsReport, FacebookAdsConfig, normalize_config
from source_facebook_ads.source import SourceFacebookAds
from unit_tests.builders import TOKEN

TODAY = date(2026, 11, 28)


def normalized(**values: Any) -> dict[str, Any]:
    config, _ = normalize_config({"access_token": TOKEN, **values}, today=TODAY)
    return config


def refusal(**values: Any) -> str:
    with pytest.raises(AirbyteTracedException) as raised:
        normalize_config({"access_token": TOKEN, **values}, today=TODAY)
    assert raised.value.failure_type.value == "config_error"
    return raised.value.message


class TestInsightsDays:
    def test_without_start_date_insights_cover_meta_last_30d_today_excluded(self) -> None:
        config = normalized()
        assert (config["insights_since"], config["insights_until"]) == ("2026-10-29", "2026-11-27")

    def test_with_start_date_insights_run_to_today(self) -> None:
        config = normalized(start_date="2026-11-01")
        assert (config["insights_since"], config["insights_until"]) == ("2026-11-01", "2026-11-28")

    def test_a_start_date_older_than_37_months_is_clamped_to_what_meta_keeps(self) -> None:
        assert normalized(start_date="2020-01-01")["insights_since"] == "2023-10-29"

    def test_an_end_date_before_meta_retention_is_a_config_error(self) -> None:
        assert "37 months" in refusal(start_date="2020-01-01", end_date="2021-01-01")

    def test_an_end_date_before_last_30d_without_start_date_asks_for_a_start_date(self) -> None:
        message = refusal(end_date="2026-06-30")
        assert message.startswith("end_date (2026-06-30) is before 2026-10-29, where insights begin without a start_date")

    def test_an_end_date_far_in_the_future_reads_up_to_today_with_a_warning(self) -> None:
        config, warnings = normalize_config({"access_token": TOKEN, "start_date": "2026-11-01", "end_date": "9999-12-31"}, today=TODAY)
        assert config["insights_until"] == "2026-11-28"
        assert warnings == [
            "end_date 9999-12-31 is after today (2026-11-28 in UTC): insights are read up to today, as with an empty end_date."
        ]

    def test_a_start_date_in_the_future_says_so(self) -> None:
        message = refusal(start_date="2026-12-01")
        assert message.startswith("start_date (2026-12-01) is in the future (today is 2026-11-28 in UTC)")

    def test_a_custom_report_start_date_in_the_future_says_so(self) -> None:
        report = {"name": "later", "level": "ad", "fields": ["spend"], "start_date": "2027-01-01"}
        assert "custom_insights 'later' start_date (2027-01-01) is in the future" in refusal(custom_insights=[report])


    def test_a_custom_report_starting_after_end_date_says_so(self) -> None:
        report = {"name": "late", "level": "ad", "fields": ["spend"], "start_date": "2026-08-01"}
        message = refusal(start_date="2026-06-01", end_date="2026-06-30", custom_insights=[report])
        assert message == "custom_insights 'late' start_date (2026-08-01) is after end_date (2026-06-30): set it on or before end_date."


class TestValues:
    def test_account_ids_keep_digits_in_order_once_each(self) -> None:
        assert normalized(account_ids=["act_2", "1", " act_1 ", "2"])["account_ids"] == ["2", "1"]

    @pytest.mark.parametrize("account_id", ["١٢٣", "act_١٢٣", "12³", "123\n4"])
    def test_account_ids_with_digits_other_than_ascii_are_refused(self, account_id: str) -> None:
        assert "is not an ad account id" in refusal(account_ids=[account_id])

    def test_the_token_loses_surrounding_whitespace(self) -> None:
        assert normalized(access_token=f"  {TOKEN}\r\n")["access_token"] == TOKEN

    @pytest.mark.parametrize("inside", ["\n", "\r", "\t", " ", "\x00", "\x7f", "é", "\u200b"])
    def test_a_token_with_a_break_control_or_non_ascii_character_inside_is_refused_unquoted(self, inside: str) -> None:
        message = refusal(access_token=f"EAAB{inside}secretpart")
        assert message.startswith("access_token contains")
        assert "secretpart" not in message and "EAAB" not in message

    def test_a_whitespace_only_token_is_refused(self) -> None:
        assert refusal(access_token=" \n\t ").startswith("access_token is empty or only whitespace")

    def test_two_custom_reports_with_one_name_are_refused(self) -> None:
        report = {"name": "by_country", "level": "ad", "fields": ["spend"]}
        message = refusal(custom_insights=[report, {**report, "level": "campaign"}])
        assert "custom_insights has 2 reports named 'by_country'" in message

    def test_a_null_value_is_refused_naming_the_key(self) -> None:
        assert refusal(start_date=None) == "'start_date' is null: remove it to use the default, or give it a value."

    def test_normalising_a_normalised_config_changes_nothing(self) -> None:
        report = {"name": "by_country", "level": "ad", "fields": ["spend"], "start_date": "2026-01-01"}
        once = normalized(account_ids=["act_1"], start_date="2026-01-01", end_date="2026-06-30T12:00:00Z", custom_insights=[report])
        twice, _ = normalize_config(once, today=TODAY)
        assert twice == once


class TestUnknownKeys:
    def test_an_unknown_key_is_warned_about_with_the_closest_known_key(self) -> None:
        _, warnings = normalize_config({"access_token": TOKEN, "page_sise": 100}, today=TODAY)
        assert warnings == ["Unknown config key 'page_sise' is ignored (did you mean 'page_size'?)."]

    @pytest.mark.parametrize("misspelled, meant", [("acount_ids", "account_ids"), ("start_dat", "start_date"), ("end-date", "end_date")])
    def test_a_misspelled_key_that_narrows_the_sync_is_a_config_error(self, misspelled: str, meant: str) -> None:
        message = refusal(**{misspelled: "x"})
        assert message.startswith(f"Unknown config key '{misspelled}': did you mean '{meant}'?")

    def test_a_near_miss_beside_the_real_key_only_warns(self) -> None:
        _, warnings = normalize_config({"access_token": TOKEN, "account_ids": ["1"], "acount_ids": ["2"]}, today=TODAY)
        assert warnings == ["Unknown config key 'acount_ids' is ignored (did you mean 'account_ids'?)."]

    def test_keys_the_cdk_injects_are_not_warned_about(self) -> None:
        _, warnings = normalize_config({"access_token": TOKEN, "__injected_declarative_manifest": {}, "_limit": 5}, today=TODAY)
        assert warnings == []


def _model_fields(model: type, spec_properties: dict[str, Any]) -> dict[str, Any]:
    return {name: field for name, field in model.model_fields.items() if name in spec_properties}


class TestModelAgreesWithSpec:
    """The spec is what users see, the model is what the connector enforces: one must not drift from the other."""

    SPEC = SourceFacebookAds.spec_schema()

    @pytest.mark.parametrize(
        "model, spec",
        [
            (FacebookAdsConfig, SPEC),
            (CustomInsightsReport, SPEC["properties"]["custom_insights"]["items"]),
        ],
    )
    def test_every_spec_property_is_a_model_field_with_the_same_default_bounds_and_choices(self, model: type, spec: dict) -> None:
        properties = spec["properties"]
        fields = _model_fields(model, properties)
        assert sorted(fields) == sorted(properties)
        for name, prop in properties.items():
            field = fields[name]
            assert field.is_required() == (name in spec.get("required", [])), name
            if not field.is_required():
                assert field.default == prop.get("default"), name
            bounds = {attr: getattr(m, attr) for m in field.metadata for attr in ("ge", "le", "gt", "min_length") if hasattr(m, attr)}
            assert bounds.get("ge") == prop.get("minimum"), name
            assert bounds.get("le") == prop.get("maximum"), name
            assert bounds.get("gt") == prop.get("exclusiveMinimum"), name
            assert bounds.get("min_length") == prop.get("minItems"), name
            choices = prop.get("enum") or prop.get("items", {}).get("enum")
            if choices:
                annotation = field.annotation if "enum" in prop else field.annotation.__args__[0]
                assert list(annotation.__args__) == choices, name

    def test_the_model_has_no_field_the_spec_lacks_except_derived_days(self) -> None:
        extra = set(FacebookAdsConfig.model_fields) - set(self.SPEC["properties"])
        assert extra == {"insights_since", "insights_until"}
