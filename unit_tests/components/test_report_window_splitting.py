"""WindowSplittingJobRepository: which report runs a window takes, for each way Meta answers.

A fake stands in for the CDK's AsyncHttpJobRepository: each window's successive runs end as
scripted (a status, or an exception at creation or at polling). The end-to-end flow through the
CDK (HTTP, orchestrator, state) is in unit_tests/integration/test_insights_async.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Iterable, Mapping, Optional, Set, Union

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.async_job.job import AsyncJob
from airbyte_cdk.sources.declarative.async_job.repository import AsyncJobRepository
from airbyte_cdk.sources.declarative.async_job.status import AsyncJobStatus
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.components.report_window_splitting import (
    FIRST_POLL_SECONDS,
    MAX_POLL_SECONDS,
    POLL_BACKOFF_FACTOR,
    ReportWindowJob,
    WindowSplittingJobRepository,
    split_window,
)

COMPLETED, FAILED, SKIPPED, RUNNING = (
    AsyncJobStatus.COMPLETED,
    AsyncJobStatus.FAILED,
    AsyncJobStatus.SKIPPED,
    AsyncJobStatus.RUNNING,
)
TIMED_OUT = "timed out"  # a run whose timer has run out
TRANSIENT = AirbyteTracedException(message="Meta had a temporary problem", failure_type=FailureType.transient_error)
CONFIG = AirbyteTracedException(message="The access token may not read act_111", failure_type=FailureType.config_error)
Outcome = Union[AsyncJobStatus, str, tuple[str, AirbyteTracedException]]  # ("create" | "poll", error)


def window(since: str, until: str) -> StreamSlice:
    return StreamSlice(partition={"account_id": "111"}, cursor_slice={"start_time": since, "end_time": until})


def span(stream_slice: StreamSlice) -> str:
    return f"{stream_slice.cursor_slice['start_time'][5:]}..{stream_slice.cursor_slice['end_time'][5:]}"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ScriptedReportRuns(AsyncJobRepository):
    """Each run of a window ends as the next outcome scripted for that window; unscripted runs complete."""

    creation_requester = "the creation requester"

    def __init__(self, script: Mapping[str, list[Outcome]]) -> None:
        self._script = {key: list(outcomes) for key, outcomes in script.items()}
        self.started: list[str] = []
        self.polled: list[str] = []
        self._outcomes: dict[str, Outcome] = {}

    def start(self, stream_slice: StreamSlice) -> AsyncJob:
        key = span(stream_slice)
        self.started.append(key)
        outcomes = self._script.get(key) or []
        outcome: Outcome = outcomes.pop(0) if outcomes else COMPLETED
        if isinstance(outcome, tuple) and outcome[0] == "create":
            raise outcome[1]
        timeout = timedelta(seconds=-1) if outcome == TIMED_OUT else timedelta(minutes=60)
        run = AsyncJob(f"run {len(self.started)}", stream_slice, timeout)
        self._outcomes[run.api_job_id()] = outcome
        return run

    def update_jobs_status(self, jobs: Set[AsyncJob]) -> None:
        for run in jobs:
            self.polled.append(span(run.job_parameters()))
            outcome = self._outcomes[run.api_job_id()]
            if isinstance(outcome, tuple):
                raise outcome[1]
            if isinstance(outcome, AsyncJobStatus):
                run.update_status(outcome)

    def fetch_records(self, job: AsyncJob) -> Iterable[Mapping[str, Any]]:
        yield {"read": span(job.job_parameters())}

    def abort(self, job: AsyncJob) -> None:
        pass

    def delete(self, job: AsyncJob) -> None:
        pass


def run_window(script: Mapping[str, list[Outcome]], stream_slice: Optional[StreamSlice] = None) -> tuple[ScriptedReportRuns, ReportWindowJob]:
    runs, clock = ScriptedReportRuns(script), Clock()
    repository = WindowSplittingJobRepository(runs, clock=clock)
    job = repository.start(stream_slice or window("2026-11-01", "2026-11-14"))
    for _ in range(50):
        clock.now += MAX_POLL_SECONDS
        repository.update_jobs_status({job})
        if job.status() is not RUNNING:
            break
    assert isinstance(job, ReportWindowJob)
    return runs, job


def records(runs: ScriptedReportRuns, job: ReportWindowJob) -> list[str]:
    return [record["read"] for record in WindowSplittingJobRepository(runs).fetch_records(job)]


# (case, scripted outcomes per window, runs started in order, windows read)
CASES = [
    ("completes at once", {}, ["11-01..11-14"], ["11-01..11-14"]),
    ("fails once, then completes", {"11-01..11-14": [FAILED]}, ["11-01..11-14"] * 2, ["11-01..11-14"]),
    ("skipped once, then completes", {"11-01..11-14": [SKIPPED]}, ["11-01..11-14"] * 2, ["11-01..11-14"]),
    (
        "fails twice: split in halves, read in order",
        {"11-01..11-14": [FAILED, FAILED]},
        ["11-01..11-14", "11-01..11-14", "11-01..11-07", "11-08..11-14"],
        ["11-01..11-07", "11-08..11-14"],
    ),
    (
        "a half that fails twice is split again",
        {"11-01..11-14": [FAILED, FAILED], "11-01..11-07": [FAILED, SKIPPED]},
        ["11-01..11-14"] * 2 + ["11-01..11-07"] * 2 + ["11-01..11-04", "11-05..11-07", "11-08..11-14"],
        ["11-01..11-04", "11-05..11-07", "11-08..11-14"],
    ),
    ("timed out: split at once", {"11-01..11-14": [TIMED_OUT]}, ["11-01..11-14", "11-01..11-07", "11-08..11-14"], ["11-01..11-07", "11-08..11-14"]),
    ("creation fails transiently: run again", {"11-01..11-14": [("create", TRANSIENT)]}, ["11-01..11-14"] * 2, ["11-01..11-14"]),
    ("polling fails transiently: run again", {"11-01..11-14": [("poll", TRANSIENT)]}, ["11-01..11-14"] * 2, ["11-01..11-14"]),
]


@pytest.mark.parametrize("script, started, read", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_runs_started_and_windows_read(script: Mapping[str, list[Outcome]], started: list[str], read: list[str]) -> None:
    runs, job = run_window(script)

    assert job.status() is COMPLETED
    assert runs.started == started
    assert records(runs, job) == read


@pytest.mark.parametrize("last_outcome", [FAILED, TIMED_OUT, ("create", TRANSIENT)], ids=["failed", "timed out", "not created"])
def test_a_one_day_window_that_fails_twice_is_a_config_error_naming_account_and_day(last_outcome: Outcome) -> None:
    with pytest.raises(AirbyteTracedException) as raised:
        run_window({"11-05..11-05": [FAILED, last_outcome]}, window("2026-11-05", "2026-11-05"))

    assert raised.value.failure_type is FailureType.config_error
    assert "act_111" in raised.value.message and "2026-11-05" in raised.value.message and "2 runs failed" in raised.value.message


@pytest.mark.parametrize("step", ["create", "poll"])
def test_a_config_error_from_meta_stops_at_once(step: str) -> None:
    runs, clock = ScriptedReportRuns({"11-01..11-14": [(step, CONFIG)]}), Clock()
    repository = WindowSplittingJobRepository(runs, clock=clock)

    with pytest.raises(AirbyteTracedException) as raised:
        job = repository.start(window("2026-11-01", "2026-11-14"))
        clock.now += FIRST_POLL_SECONDS
        repository.update_jobs_status({job})

    assert raised.value is CONFIG
    assert runs.started == ["11-01..11-14"]


def test_a_run_is_polled_with_growing_waits() -> None:
    runs, clock = ScriptedReportRuns({"11-01..11-14": [RUNNING]}), Clock()
    repository = WindowSplittingJobRepository(runs, clock=clock)
    job = repository.start(window("2026-11-01", "2026-11-14"))
    started_at, poll_times = clock.now, []
    for _ in range(200):  # the orchestrator looks every 5 s; polls happen only when due
        repository.update_jobs_status({job})
        if len(runs.polled) > len(poll_times):
            poll_times.append(clock.now - started_at)
        clock.now += 0.5

    waits = [later - earlier for earlier, later in zip([0.0, *poll_times], poll_times)]
    assert waits[0] == pytest.approx(FIRST_POLL_SECONDS, abs=0.5)
    assert waits[1] == pytest.approx(FIRST_POLL_SECONDS * POLL_BACKOFF_FACTOR, abs=0.5)
    assert all(later >= earlier for earlier, later in zip(waits, waits[1:]))
    assert max(waits) <= MAX_POLL_SECONDS + 0.5


def test_the_cdk_reaches_the_creation_requester_through_the_repository() -> None:
    assert WindowSplittingJobRepository(ScriptedReportRuns({})).creation_requester == "the creation requester"


@pytest.mark.parametrize(
    "since, until, halves",
    [
        ("2026-11-01", "2026-11-14", [("2026-11-01", "2026-11-07"), ("2026-11-08", "2026-11-14")]),
        ("2026-11-01", "2026-11-07", [("2026-11-01", "2026-11-04"), ("2026-11-05", "2026-11-07")]),
        ("2026-11-30", "2026-12-01", [("2026-11-30", "2026-11-30"), ("2026-12-01", "2026-12-01")]),
        ("2026-11-05", "2026-11-05", None),
    ],
)
def test_split_window_halves_inclusive_days_and_keeps_the_partition(
    since: str, until: str, halves: Optional[list[tuple[str, str]]]
) -> None:
    result = split_window(window(since, until))

    if halves is None:
        assert result is None
    else:
        assert result is not None
        assert [(half.cursor_slice["start_time"], half.cursor_slice["end_time"]) for half in result] == halves
        assert all(half.partition == {"account_id": "111"} for half in result)
