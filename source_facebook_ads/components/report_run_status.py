"""The status of one Meta report run, as the AsyncRetriever's `status_mapping` names it.

`GET /{report_run_id}` answers `async_status` (Job Not Started, Job Started, Job Running, Job
Completed, Job Failed, Job Skipped) and `async_percent_completion`; a failed run also carries
`error_code`, `error_subcode`, `error_message` and `error_user_msg` (v25.0). Meta says to read the
rows once the run is Completed **and** at 100 %, so a Completed run below 100 % still counts as
running here. A failure that no new run can fix (an invalid breakdown, a missing permission) ends
the sync at once with Meta's words, instead of being run again and split down to single days.

    status_extractor:
      type: CustomRecordExtractor
      class_name: source_facebook_ads.components.report_run_status.ReportRunStatusExtractor
"""

from __future__ import annotations

import logging
from dataclasses import InitVar, dataclass
from typing import Any, Iterable, Mapping

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.redaction import scrub

logger = logging.getLogger("airbyte")

RUNNING, COMPLETED, FAILED, SKIPPED = "Job Running", "Job Completed", "Job Failed", "Job Skipped"
# (error_code, error_subcode) of a failed run that a new run cannot fix, with what the user must do.
# A v25.0 report run names its failure in error_code, error_subcode and error_message. Other failures (-2/2490547 "retry later",
# -3/1504045 "too large", 2/1504043 "intermittent") are run again, then split.
FATAL_FAILURES: Mapping[tuple[int, int], str] = {
    (2, 1504041): (
        "Meta refuses the breakdowns of this report: check insights_breakdowns (or the breakdowns of this "
        "custom_insights entry) against Meta's list of valid breakdown combinations"
    ),
    (100, 3191001): (
        "the access token may not read this ad account's insights: give the System User the ad account "
        'with the "Manage campaigns" task and a token with the read_insights permission'
    ),
}


@dataclass
class ReportRunStatusExtractor(RecordExtractor):
    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._token = str(self.config.get("access_token") or "")

    def extract_records(self, response: requests.Response) -> Iterable[Any]:
        run = response.json()
        status = str(run.get("async_status"))
        if status == COMPLETED and _percent(run) < 100:
            yield RUNNING
            return
        if status == FAILED:
            self._raise_if_fatal(run)
            logger.warning(f"Meta could not finish {self._describe(run)}")
        elif status == SKIPPED:
            logger.warning(f"Meta skipped the insights report run {run.get('id')}: it is run again")
        yield status

    def _raise_if_fatal(self, run: Mapping[str, Any]) -> None:
        advice = FATAL_FAILURES.get((_int(run.get("error_code")), _int(run.get("error_subcode"))))
        if advice is None:
            return
        message = self._scrub(f"Meta refused {self._describe(run)}. To fix it: {advice}.")
        raise AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)

    def _describe(self, run: Mapping[str, Any]) -> str:
        account = f" for ad account act_{run['account_id']}" if run.get("account_id") else ""
        words = run.get("error_user_msg") or run.get("error_message") or "no reason given"
        return (
            f"the insights report run {run.get('id')}{account}: {words} "
            f"(error_code {run.get('error_code')}, error_subcode {run.get('error_subcode')})"
        )

    def _scrub(self, text: str) -> str:
        text = scrub(text)
        return text.replace(self._token, "***") if self._token else text


def _percent(run: Mapping[str, Any]) -> float:
    """The completion Meta states; a run that states none is taken at its word (its status)."""
    try:
        return float(run["async_percent_completion"])
    except (KeyError, TypeError, ValueError):
        return 100.0


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
