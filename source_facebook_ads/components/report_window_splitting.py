"""Async insights: a report run that fails is run again, then its window is split in halves.

The CDK's AsyncRetriever (7.39.1) runs Meta's report runs end to end, but its AsyncJobOrchestrator
can only start a failed job again as it was, up to three times (`AsyncPartition.should_split` is a
stub that always answers no). For Meta that is not enough: a run that is "too large" (-3/1504045)
or keeps failing must become smaller runs, the async twin of the sync row-ceiling rule.

So one cursor window is one `ReportWindowJob` for the orchestrator (it holds one slot of
`max_concurrent_async_job_count` and is yielded with the window's own slice, so state and cursor
work as in sync mode), and `WindowSplittingJobRepository` runs it as one or more report runs, one
at a time, through the CDK's own AsyncHttpJobRepository:

- a run that Meta reports Job Failed or Job Skipped, or that cannot be created or polled (anything
  but a config_error), is run again; after `RUNS_PER_WINDOW` failed runs the window is split in
  halves, each run in turn. A run that timed out (`insights_job_timeout_minutes`) is split at once:
  the same window would likely take as long again.
- a one-day window that still fails ends the stream with a config_error naming the account, the
  day and Meta's last answer. (The orchestrator stops only on config_error; any other failure type
  would make it run the whole window again, splits included, three times over.)
- each run is polled with backoff: first after `FIRST_POLL_SECONDS`, then each wait grows by
  `POLL_BACKOFF_FACTOR` up to `MAX_POLL_SECONDS`. The orchestrator looks every 5 s; a run that is
  not due is left alone.

    retriever:
      type: CustomRetriever
      class_name: source_facebook_ads.components.report_window_splitting.WindowSplittingAsyncRetriever
      partition_router: ...            # read by the CDK to build the per-account cursor
      report_runs: {type: AsyncRetriever, ...}
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import deque
from dataclasses import InitVar, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Deque, Iterable, List, Mapping, Optional, Set, Tuple

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.async_job.job import AsyncJob
from airbyte_cdk.sources.declarative.async_job.job_orchestrator import AsyncJobOrchestrator
from airbyte_cdk.sources.declarative.async_job.repository import AsyncJobRepository
from airbyte_cdk.sources.declarative.async_job.status import AsyncJobStatus
from airbyte_cdk.sources.declarative.extractors.record_selector import RecordSelector
from airbyte_cdk.sources.declarative.partition_routers.async_job_partition_router import AsyncJobPartitionRouter
from airbyte_cdk.sources.declarative.retrievers.async_retriever import AsyncRetriever
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.components.pages_in_flight import PAGES_IN_FLIGHT

logger = logging.getLogger("airbyte")

# Failed runs of one window before it is split: the first run and one more, since Meta's own advice
# for its commonest failure (-2/2490547) is "try again later".
RUNS_PER_WINDOW = 2
# Meta rarely finishes a report within seconds of its creation; the first poll waits this long.
FIRST_POLL_SECONDS = 5.0
# Each later wait grows by this factor, up to MAX_POLL_SECONDS: a run can take up to an hour, and
# every poll is a call against the app's budget.
POLL_BACKOFF_FACTOR = 1.5
MAX_POLL_SECONDS = 60.0
# The cursor slice of insights_cursor (manifest.yaml): `start_time` / `end_time` as YYYY-MM-DD, both
# inclusive, one day being the smallest window.
WINDOW_START, WINDOW_END, DAY_FORMAT = "start_time", "end_time", "%Y-%m-%d"
# A ReportWindowJob never times out as a whole: each of its runs has the configured timeout.
_NEVER = timedelta.max
_FAILED_RUN = (AsyncJobStatus.FAILED, AsyncJobStatus.SKIPPED)


def split_window(window: StreamSlice) -> Optional[Tuple[StreamSlice, StreamSlice]]:
    """The two halves of a window of two days or more (the earlier half gets the odd day); None for one day."""
    start, end = _day(window, WINDOW_START), _day(window, WINDOW_END)
    days = (end - start).days + 1
    if days <= 1:
        return None
    first_end = start + timedelta(days=(days + 1) // 2 - 1)
    return _window(window, start, first_end), _window(window, first_end + timedelta(days=1), end)


def describe_window(window: StreamSlice) -> str:
    account = window.partition.get("account_id")
    start, end = window.cursor_slice.get(WINDOW_START), window.cursor_slice.get(WINDOW_END)
    days = start if start == end else f"{start} to {end}"
    return f"ad account act_{account}, {days}" if account else str(days)


@dataclass
class _Window:
    """One window still to read, and the report run reading it now."""

    stream_slice: StreamSlice
    failed_runs: int = 0
    run: Optional[AsyncJob] = None
    polls: int = 0
    next_poll_at: float = 0.0
    problem: str = ""  # why its last run failed


class ReportWindowJob(AsyncJob):
    """A cursor window as the orchestrator sees it: one job, read by one or more report runs in turn."""

    _ids = itertools.count(1)

    def __init__(self, stream_slice: StreamSlice) -> None:
        super().__init__(f"report window {next(self._ids)} ({describe_window(stream_slice)})", stream_slice, _NEVER)
        self.to_read: Deque[_Window] = deque([_Window(stream_slice)])
        self.completed_runs: List[AsyncJob] = []


class WindowSplittingJobRepository(AsyncJobRepository):
    """Runs each window through `report_runs` (the CDK's repository), running again and splitting on failure."""

    def __init__(
        self,
        report_runs: AsyncJobRepository,
        clock: Callable[[], float] = time.monotonic,
        runs_per_window: int = RUNS_PER_WINDOW,
    ) -> None:
        self._report_runs = report_runs
        self._clock = clock
        self._runs_per_window = runs_per_window

    @property
    def creation_requester(self) -> Any:
        # AsyncRetriever.exit_on_rate_limit reaches through the orchestrator's repository to this.
        return getattr(self._report_runs, "creation_requester", None)

    def start(self, stream_slice: StreamSlice) -> AsyncJob:
        job = ReportWindowJob(stream_slice)
        self._start_run(job.to_read[0])
        return job

    def update_jobs_status(self, jobs: Set[AsyncJob]) -> None:
        for job in jobs:
            if isinstance(job, ReportWindowJob):
                self._advance(job)

    def fetch_records(self, job: AsyncJob) -> Iterable[Mapping[str, Any]]:
        for run in self._runs_of(job):
            yield from self._report_runs.fetch_records(run)

    def abort(self, job: AsyncJob) -> None:
        if isinstance(job, ReportWindowJob) and job.to_read and job.to_read[0].run is not None:
            self._report_runs.abort(job.to_read[0].run)

    def delete(self, job: AsyncJob) -> None:
        for run in self._runs_of(job):
            self._report_runs.delete(run)

    def _advance(self, job: ReportWindowJob) -> None:
        window = job.to_read[0]
        if window.run is not None and window.run.status() is AsyncJobStatus.RUNNING:
            if self._clock() < window.next_poll_at:
                return
            self._poll(window)
        run = window.run
        status = run.status() if run is not None else AsyncJobStatus.FAILED
        if status is AsyncJobStatus.RUNNING:
            return
        if status is AsyncJobStatus.COMPLETED and run is not None:
            job.completed_runs.append(run)
            job.to_read.popleft()
            if job.to_read:
                self._start_run(job.to_read[0])
            else:
                job.update_status(AsyncJobStatus.COMPLETED)
            return
        if status is AsyncJobStatus.TIMED_OUT:
            window.problem = "it was still not finished after insights_job_timeout_minutes"
        elif status in _FAILED_RUN and not window.problem:
            # status_mapping maps both to FAILED; the status extractor has logged which, and why.
            window.problem = "Meta reported it as Job Failed or Job Skipped"
        self._on_failed_run(job, window, timed_out=status is AsyncJobStatus.TIMED_OUT)

    def _on_failed_run(self, job: ReportWindowJob, window: _Window, timed_out: bool) -> None:
        window.failed_runs += 1
        halves = split_window(window.stream_slice) if timed_out or window.failed_runs >= self._runs_per_window else None
        if halves is not None:
            logger.warning(
                f"Insights report run for {describe_window(window.stream_slice)} failed ({window.problem}): "
                f"reading it as {describe_window(halves[0])} and {describe_window(halves[1])}."
            )
            job.to_read.popleft()
            job.to_read.extendleft(reversed([_Window(half) for half in halves]))
            self._start_run(job.to_read[0])
        elif window.failed_runs < self._runs_per_window:
            logger.warning(
                f"Insights report run for {describe_window(window.stream_slice)} failed ({window.problem}): "
                f"running it again (run {window.failed_runs + 1} of {self._runs_per_window})."
            )
            self._start_run(window)
        else:
            message = (
                f"Meta could not produce the insights report for {describe_window(window.stream_slice)}, "
                f"even as a one-day report run: {window.failed_runs} runs failed, the last because {window.problem} "
                f"(Meta's reason for each failed run is logged as a warning). "
                f"Run the sync again later; if this day keeps failing, request fewer insights fields or breakdowns "
                f"for this stream, or set insights_job_mode to sync."
            )
            raise AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)

    def _start_run(self, window: _Window) -> None:
        window.run, window.polls, window.problem = None, 0, ""
        try:
            window.run = self._report_runs.start(window.stream_slice)
        except AirbyteTracedException as error:
            if error.failure_type is FailureType.config_error:
                raise
            window.problem = f"it could not be created: {error.message or error.internal_message}"
        except Exception as error:  # noqa: BLE001 - any other failure to create a run is a failed run
            window.problem = f"it could not be created: {error}"
        window.next_poll_at = self._clock() + FIRST_POLL_SECONDS

    def _poll(self, window: _Window) -> None:
        assert window.run is not None
        try:
            self._report_runs.update_jobs_status({window.run})
        except AirbyteTracedException as error:
            if error.failure_type is FailureType.config_error:
                raise
            window.problem = f"polling it failed: {error.message or error.internal_message}"
            window.run.update_status(AsyncJobStatus.FAILED)
        except Exception as error:  # noqa: BLE001 - a poll that fails abandons that run, not the sync
            window.problem = f"polling it failed: {error}"
            window.run.update_status(AsyncJobStatus.FAILED)
        window.polls += 1
        wait = min(MAX_POLL_SECONDS, FIRST_POLL_SECONDS * POLL_BACKOFF_FACTOR**window.polls)
        window.next_poll_at = self._clock() + wait

    @staticmethod
    def _runs_of(job: AsyncJob) -> List[AsyncJob]:
        return job.completed_runs if isinstance(job, ReportWindowJob) else []


@dataclass
class WindowSplittingAsyncRetriever(AsyncRetriever):
    """The AsyncRetriever of `report_runs` (built by the CDK from the manifest), its failed windows split.

    The orchestrator is built by the CDK's factory around its own AsyncHttpJobRepository, with no
    way to hand it another: each new orchestrator gets that repository wrapped here. The CDK itself
    reaches the same attribute (AsyncRetriever.exit_on_rate_limit); if a CDK release renames it,
    building the stream fails with this class's name rather than silently losing the splitting.
    """

    record_selector: Optional[RecordSelector] = None  # type: ignore[assignment]  # taken from report_runs
    stream_slicer: Optional[AsyncJobPartitionRouter] = None  # type: ignore[assignment]  # built here
    report_runs: Optional[AsyncRetriever] = None
    runs_per_window: int = RUNS_PER_WINDOW

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        super().__post_init__(parameters)
        if not isinstance(self.report_runs, AsyncRetriever):
            raise ValueError(f"{type(self).__name__} needs `report_runs`: an AsyncRetriever.")
        runs_router = self.report_runs.stream_slicer
        make_orchestrator = runs_router.job_orchestrator_factory
        self.record_selector = self.report_runs.record_selector
        self.stream_slicer = AsyncJobPartitionRouter(
            job_orchestrator_factory=lambda slices: self._split_failed_windows(make_orchestrator(slices)),
            stream_slicer=runs_router.stream_slicer,
            config=self.config,
            parameters={},
        )

    def read_records(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice] = None) -> Iterable[Any]:
        with PAGES_IN_FLIGHT.partition_read():  # its result pages take page slots (pages_in_flight.py)
            yield from super().read_records(records_schema, stream_slice)

    def _split_failed_windows(self, orchestrator: AsyncJobOrchestrator) -> AsyncJobOrchestrator:
        report_runs = getattr(orchestrator, "_job_repository", None)
        if not isinstance(report_runs, AsyncJobRepository):
            raise RuntimeError(
                f"{type(self).__name__}: this airbyte-cdk's AsyncJobOrchestrator has no _job_repository to wrap; "
                "window splitting of failed report runs needs updating for it."
            )
        orchestrator._job_repository = WindowSplittingJobRepository(report_runs, runs_per_window=self.runs_per_window)
        return orchestrator


def _day(window: StreamSlice, key: str) -> date:
    return datetime.strptime(str(window.cursor_slice[key]), DAY_FORMAT).date()


def _window(template: StreamSlice, start: date, end: date) -> StreamSlice:
    cursor_slice = {**template.cursor_slice, WINDOW_START: start.strftime(DAY_FORMAT), WINDOW_END: end.strftime(DAY_FORMAT)}
    return StreamSlice(partition=template.partition, cursor_slice=cursor_slice, extra_fields=template.extra_fields)
