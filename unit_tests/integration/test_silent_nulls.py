"""`check` and `read` warn about insights settings Meta answers with nulls or no rows instead of an error."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from unittest import TestCase

import requests_mock
from source_facebook_ads.source import SourceFacebookAds
from unit_tests.builders import API, ConfigBuilder, read_stream

TODAY = datetime.now(timezone.utc).date()
FOURTEEN_MONTHS_AGO = (TODAY - timedelta(days=426)).isoformat()
ELEVEN_MONTHS_AGO = (TODAY - timedelta(days=335)).isoformat()


def one_week_from(start: str, **values: Any) -> dict[str, Any]:
    end = (datetime.fromisoformat(start) + timedelta(days=6)).date().isoformat()
    return ConfigBuilder().with_start_date(start).with_values(end_date=end, **values).build()


def warnings_of_read(config: dict[str, Any], stream: str = "account_insights") -> list[str]:
    with requests_mock.Mocker() as mock:
        mock.get(re.compile(rf"^{re.escape(API)}/act_111/insights"), json={"data": []})
        output = read_stream(stream, config)
    assert not output.errors
    return [log.log.message for log in output.logs if log.log.level.value == "WARN"]


class TestSilentNullWarnings(TestCase):
    def test_read_warns_that_breakdowns_starting_over_13_months_back_lose_reach_frequency_and_cpp(self) -> None:
        warnings = warnings_of_read(one_week_from(FOURTEEN_MONTHS_AGO, insights_breakdowns=["age"]))

        reach = [w for w in warnings if "reach, frequency, cpp" in w]
        assert len(reach) == 1
        assert reach[0].startswith("insights_breakdowns ['age']") and "13 months" in reach[0] and "async" in reach[0]

    def test_no_warning_within_13_months_or_without_breakdowns_or_without_reach_fields(self) -> None:
        for config in (
            one_week_from(ELEVEN_MONTHS_AGO, insights_breakdowns=["age"]),
            one_week_from(FOURTEEN_MONTHS_AGO),
            one_week_from(FOURTEEN_MONTHS_AGO, insights_breakdowns=["age"], insights_fields=["spend", "impressions"]),
        ):
            assert not [w for w in warnings_of_read(config) if "Meta" in w], config

    def test_read_warns_that_opt_in_breakdowns_may_return_no_rows(self) -> None:
        config = one_week_from(ELEVEN_MONTHS_AGO, insights_breakdowns=["impression_device", "age"])

        warnings = [w for w in warnings_of_read(config) if "opted in" in w]

        assert len(warnings) == 1 and "impression_device" in warnings[0] and "age" not in warnings[0].split(":", 1)[1]

    def test_a_custom_report_is_named_in_its_own_warning(self) -> None:
        report = {"name": "by_frequency", "level": "campaign", "fields": ["spend", "reach"], "breakdowns": ["frequency_value"]}
        config = one_week_from(FOURTEEN_MONTHS_AGO, custom_insights=[report])

        warnings = warnings_of_read(config, "custom_insights_by_frequency")

        named = [w for w in warnings if w.startswith("custom_insights entry 'by_frequency'")]
        assert len(named) == 2  # reach left out, and frequency_value needs an opt-in
        assert any("reach" in w and "frequency," not in w for w in named)

    def test_check_logs_the_same_warnings(self) -> None:
        config = one_week_from(ELEVEN_MONTHS_AGO, insights_breakdowns=["hourly_stats_aggregated_by_audience_time_zone"])
        with requests_mock.Mocker() as mock:
            mock.get(f"{API}/me", json={"id": "1", "name": "bot"})
            mock.get(f"{API}/act_111", json={"id": "act_111", "account_id": "111"})
            mock.get(re.compile(rf"^{re.escape(API)}/act_111/insights"), json={"data": []})
            with self.assertLogs("check", level="WARNING") as logs:
                SourceFacebookAds(config=config).check(logging.getLogger("check"), config)

        assert any("hourly_stats_aggregated_by_audience_time_zone" in line and "opted in" in line for line in logs.output)
