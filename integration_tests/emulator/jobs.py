"""Async insights report runs: POST .../insights creates one, GET /{id} polls it."""

import dataclasses
import itertools
import threading
import time

NOT_STARTED, RUNNING, COMPLETED = "Job Not Started", "Job Running", "Job Completed"
FAILED, SKIPPED = "Job Failed", "Job Skipped"
# Meta's failure report for a failed run: -2/2490547 means "failed, retry later".
DEFAULT_FAILURE = {"error_code": -2, "error_subcode": 2490547,
                   "error_message": "The report run failed. Please try again later.",
                   "error_user_title": "Report Failed",
                   "error_user_msg": "Something went wrong while generating this report. Please try again later."}


@dataclasses.dataclass
class ReportRun:
    id: str
    account_id: str
    numeric_account_id: str
    query: object              # insights.InsightsQuery, evaluated page by page when read
    outcome: str               # what the run ends as: COMPLETED, FAILED or SKIPPED
    failure: dict | None
    created: int
    polls: int = 0

    def state(self, pending_polls: int):
        """(async_status, async_percent_completion) after the polls seen so far.

        The first `pending_polls` polls see the run unfinished (Not Started, then Running);
        the next one sees how it ended.
        """
        if self.polls > pending_polls:
            return self.outcome, 100 if self.outcome == COMPLETED else 0
        if self.polls <= 1:
            return NOT_STARTED, 0
        return RUNNING, 100 * (self.polls - 1) // pending_polls

    def status_body(self, pending_polls: int) -> dict:
        status, percent = self.state(pending_polls)
        finished = status in (COMPLETED, FAILED, SKIPPED)
        body = {
            "id": self.id, "account_id": self.numeric_account_id, "time_ref": self.created,
            "async_status": status, "async_percent_completion": percent,
            "date_start": self.query.since.isoformat(), "date_stop": self.query.until.isoformat(),
            "emails": [], "friendly_name": "Untitled Report", "is_bookmarked": False,
            "is_running": not finished, "schedule_id": "0",
        }
        if finished:
            body["time_completed"] = self.created + self.polls
        if status == FAILED:
            body.update(self.failure)
        return body


class ReportRuns:
    def __init__(self):
        self._runs = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def create(self, account_id, numeric_account_id, query, fault=None) -> ReportRun:
        outcome, failure = COMPLETED, None
        if fault is not None and fault.kind == "job_skipped":
            outcome = SKIPPED
        elif fault is not None:
            outcome = FAILED
            failure = dict(DEFAULT_FAILURE)
            if fault.error_code is not None:
                failure["error_code"] = fault.error_code
            if fault.error_subcode is not None:
                failure["error_subcode"] = fault.error_subcode
        with self._lock:
            run_id = f"8362{next(self._ids):012d}"
            run = ReportRun(run_id, account_id, numeric_account_id, query, outcome, failure, int(time.time()))
            self._runs[run_id] = run
        return run

    def get(self, run_id):
        return self._runs.get(run_id)

    def poll(self, run: ReportRun, pending_polls: int) -> dict:
        with self._lock:
            run.polls += 1
            return run.status_body(pending_polls)

    def is_completed(self, run: ReportRun, pending_polls: int) -> bool:
        return run.state(pending_polls)[0] == COMPLETED
