"""What kind of request an error handler serves, as the manifest says (`request_kind` of GraphErrorHandler).

The kind decides what a successful body must look like and what "too much data" or an unknown
object means for the request; no component reads it back out of the URL.
"""

from __future__ import annotations

from enum import Enum

from source_facebook_ads.components.graph_body import Expected


class RequestKind(Enum):
    EDGE = "edge"  # a paged list of objects (`limit`): a smaller page when Meta finds it too big
    OBJECT = "object"  # one object read by id (/me, /act_<id>): retried as it is
    INSIGHTS = "insights"  # a synchronous insights page: a smaller window, then a smaller page
    REPORT_RUN_CREATE = "report_run_create"  # POST /act_{id}/insights -> report_run_id
    REPORT_RUN_POLL = "report_run_poll"  # GET /{report_run_id}
    REPORT_RUN_ROWS = "report_run_rows"  # GET /{report_run_id}/insights, paged

    @property
    def expected_body(self) -> Expected:
        """The body a success must have."""
        if self is RequestKind.REPORT_RUN_CREATE:
            return Expected.REPORT_RUN
        if self in (RequestKind.OBJECT, RequestKind.REPORT_RUN_POLL):
            return Expected.OBJECT
        return Expected.PAGE
