"""ReportRunStatusExtractor: what each GET /{report_run_id} answer means to the AsyncRetriever."""

from __future__ import annotations

from typing import Any, Optional

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.components.report_run_status import ReportRunStatusExtractor
from unit_tests.components import API, TOKEN, graph_response


def status_of(body: dict[str, Any]) -> list[Any]:
    extractor = ReportRunStatusExtractor(config={"access_token": TOKEN}, parameters={})
    return list(extractor.extract_records(graph_response(200, {"id": "900", "account_id": "111", **body}, url=f"{API}/900")))


# (case, answer, status handed to status_mapping, or None when the sync must stop)
CASES: list[tuple[str, dict[str, Any], Optional[str]]] = [
    ("not started", {"async_status": "Job Not Started", "async_percent_completion": 0}, "Job Not Started"),
    ("running", {"async_status": "Job Running", "async_percent_completion": 40}, "Job Running"),
    ("completed at 100", {"async_status": "Job Completed", "async_percent_completion": 100}, "Job Completed"),
    ("completed below 100 is still running", {"async_status": "Job Completed", "async_percent_completion": 95}, "Job Running"),
    ("completed without a percentage", {"async_status": "Job Completed"}, "Job Completed"),
    ("failed, retry later", {"async_status": "Job Failed", "error_code": -2, "error_subcode": 2490547}, "Job Failed"),
    ("failed, too large", {"async_status": "Job Failed", "error_code": -3, "error_subcode": 1504045}, "Job Failed"),
    ("skipped", {"async_status": "Job Skipped"}, "Job Skipped"),
    ("invalid breakdowns", {"async_status": "Job Failed", "error_code": 2, "error_subcode": 1504041}, None),
    ("no permission", {"async_status": "Job Failed", "error_code": 100, "error_subcode": 3191001}, None),
]


@pytest.mark.parametrize("body, expected", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_status_per_answer(body: dict[str, Any], expected: Optional[str]) -> None:
    if expected is not None:
        assert status_of(body) == [expected]
        return
    with pytest.raises(AirbyteTracedException) as raised:
        status_of(body)
    assert raised.value.failure_type is FailureType.config_error
    assert "act_111" in raised.value.message and "900" in raised.value.message


def test_a_fatal_failure_quotes_meta_and_says_what_to_fix_without_the_token() -> None:
    body = {"async_status": "Job Failed", "error_code": 2, "error_subcode": 1504041, "error_user_msg": f"Bad breakdowns for {TOKEN}"}

    with pytest.raises(AirbyteTracedException) as raised:
        status_of(body)

    assert "Bad breakdowns" in raised.value.message
    assert "insights_breakdowns" in raised.value.message
    assert TOKEN not in raised.value.message
