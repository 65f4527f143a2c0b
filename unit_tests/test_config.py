"""Config normalisation: the derived insights range, account ids and dates (the entrypoint tests cover errors)."""

from __future__ import annotations

from datetime import date

import pytest

from source_facebook_ads.config import config_error, insights_date_range, normalize_account_ids

TODAY = date(2026, 11, 28)


def test_without_start_date_insights_cover_meta_last_30d_today_excluded() -> None:
    assert insights_date_range({}, TODAY) == ("2026-10-29", "2026-11-27")


def test_with_start_date_insights_run_to_today() -> None:
    assert insights_date_range({"start_date": "2026-11-01T00:00:00+0000"}, TODAY) == ("2026-11-01", "2026-11-28")


def test_a_start_date_older_than_37_months_is_clamped_to_what_meta_keeps() -> None:
    since, _ = insights_date_range({"start_date": "2020-01-01T00:00:00+0000"}, TODAY)
    assert since == "2023-10-29"


def test_an_end_date_before_meta_retention_is_a_config_error() -> None:
    with pytest.raises(type(config_error("x"))) as raised:
        insights_date_range({"start_date": "2020-01-01T00:00:00+0000", "end_date": "2021-01-01T00:00:00+0000"}, TODAY)
    assert "37 months" in raised.value.message


def test_account_ids_keep_digits_in_order_once_each() -> None:
    assert normalize_account_ids(["act_2", "1", " act_1 ", "2"]) == ["2", "1"]
