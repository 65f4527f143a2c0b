"""The version expiry table behind `check`'s warning, at dates injected around v25.0's expiry (2027-02-23)."""

from __future__ import annotations

from datetime import date

import pytest

from source_facebook_ads.api_versions import expiry_warning


@pytest.mark.parametrize(
    "today, warned",
    [
        (date(2026, 12, 1), False),  # 84 days left
        (date(2026, 12, 25), True),  # exactly 60 days left
        (date(2026, 12, 24), False),  # 61 days left
        (date(2027, 2, 23), True),
    ],
)
def test_v25_warns_from_60_days_before_its_expiry(today: date, warned: bool) -> None:
    assert (expiry_warning("v25.0", today) is not None) is warned


def test_the_warning_names_the_version_the_date_the_days_left_and_the_fix() -> None:
    warning = expiry_warning("v25.0", date(2027, 1, 24))
    assert "v25.0" in warning and "2027-02-23" in warning and "in 30 days" in warning and "api_version" in warning


def test_an_expired_version_says_it_has_expired() -> None:
    assert "expired on 2026-11-10" in expiry_warning("v24.0", date(2026, 12, 1))


@pytest.mark.parametrize("version", ["v26.0", "v27.0", "v99.0"])
def test_versions_meta_has_not_dated_get_no_warning(version: str) -> None:
    assert expiry_warning(version, date(2030, 1, 1)) is None
