"""The three requests of an async insights report, whose errors mean something else than elsewhere.

Used by graph_error_handler once an answer is classified: a failure the CDK's job repository
should answer by running the window again is a transient_error; one no new run can fix is a
config_error.
"""

from __future__ import annotations

from typing import Optional

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

from source_facebook_ads.components.graph_error_classifier import GraphError, GraphErrorKind
from source_facebook_ads.components.request_kind import RequestKind

_INSIGHTS_SETTINGS = (
    "insights_fields, insights_breakdowns, insights_action_breakdowns, insights_attribution_windows and the "
    "custom_insights entries"
)


def report_run_resolution(request: RequestKind, error: GraphError) -> Optional[ErrorResolution]:
    """Where a report run's error means something else than on a sync request; None: as usual.

    A failure the job repository should answer by running the window again (and then splitting it,
    components/report_window_splitting.py) is a transient_error; one no new run can fix is a
    config_error, which stops the CDK's job orchestrator at once.
    """
    kind = error.kind
    if request is RequestKind.REPORT_RUN_CREATE and kind is GraphErrorKind.TOO_MUCH_DATA:
        # No window to split at the HTTP level here: the job repository does it, given a transient failure.
        return ErrorResolution(ResponseAction.FAIL, FailureType.transient_error, error.message)
    if request is RequestKind.REPORT_RUN_CREATE and kind is GraphErrorKind.UNEXPECTED:
        # Code 100 and the like: the report's own parameters, which come from the config.
        message = f"{error.message} Check {_INSIGHTS_SETTINGS}."
        return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, message)
    if request in (RequestKind.REPORT_RUN_POLL, RequestKind.REPORT_RUN_ROWS) and kind is GraphErrorKind.UNKNOWN_ACCOUNT:
        # 100/33 on a report run: it expired (after 30 days) or is gone. Not the config's fault.
        message = f"Meta no longer knows this insights report run, so it is requested again. Details: {error.technical_detail}."
        return ErrorResolution(ResponseAction.FAIL, FailureType.transient_error, message)
    if request is RequestKind.REPORT_RUN_ROWS and kind is GraphErrorKind.TOO_MUCH_DATA:
        # The CDK cannot shrink the page of an AsyncRetriever's download: the user can.
        message = (
            f"Meta refuses to return a page of an insights report run this large: lower page_size. "
            f"Details: {error.technical_detail}."
        )
        return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, message)
    if request is RequestKind.REPORT_RUN_POLL and kind is GraphErrorKind.TOO_MUCH_DATA:
        return ErrorResolution(ResponseAction.FAIL, FailureType.transient_error, error.message)
    return None
