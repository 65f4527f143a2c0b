"""Property: whatever body Meta (or a proxy) sends, a read either emits every record or fails clearly.

For each edge kind (paged edge, single object, insights, report run create and poll), hypothesis
generates bodies (Meta's shapes, the same with parts of the wrong type, error envelopes, raw bytes)
and statuses, served on every attempt through `read`. The read must end with exactly the records of
the body (nothing silently skipped), or with an error trace of our own making: a message for a
person, never the CDK's "Something went wrong" wrapper of a raw TypeError or RecursionError.
Retries take no time (no_retry_waits), and the examples are few: each read builds a source (~1 s).
The many-example version of the same property, on the error handler alone, is in
unit_tests/components/test_graph_error_handler_properties.py.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional
from unittest import mock
from urllib.parse import parse_qs, urlparse

import requests_mock
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.declarative.async_job.job_orchestrator import AsyncJobOrchestrator
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from source_facebook_ads.components import report_window_splitting
from unit_tests.builders import API, TOKEN, ConfigBuilder, no_retry_waits, read_stream
from unit_tests.response_bodies import Answer, answers, pages, records, usable_page_records

DAY = "2026-11-01"
CDK_CRASH_WORDS = ("Something went wrong in the connector",)
PROPERTY_SETTINGS = settings(
    max_examples=4, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

def respond(answer: Answer):
    status, body, raw = answer

    def callback(request: Any, context: Any) -> bytes:
        if "after" in parse_qs(urlparse(request.url).query):
            context.status_code = 200  # the next page of a page that had one: the last, empty
            return b'{"data": []}'
        context.status_code = status
        return raw if raw is not None else json.dumps(body).encode()

    return callback


def assert_every_record_or_a_clear_failure(output: Any, expected_records: Optional[int]) -> None:
    text = "\n".join(str(message) for message in output._messages)
    assert TOKEN not in text
    if not output.errors:
        # A read that ends well must not have skipped what Meta sent: the body was a usable answer.
        assert expected_records is not None, "a body the connector cannot use was accepted"
        assert len(output.records) == expected_records
        return
    for error in output.errors:
        trace = error.trace.error
        assert trace.message and not any(words in trace.message for words in CDK_CRASH_WORDS), trace.internal_message


@PROPERTY_SETTINGS
@given(answer=answers(pages(records({}))))
def test_paged_edge_answers(answer: Answer) -> None:
    with requests_mock.Mocker() as http, no_retry_waits():
        http.get(re.compile(rf"^{re.escape(API)}/act_111/adimages"), content=respond(answer))
        output = read_stream("adimages", ConfigBuilder().build(), expecting_exception=True)
    assert_every_record_or_a_clear_failure(output, usable_page_records(answer))


@PROPERTY_SETTINGS
@given(answer=answers(records({"account_id": "111"})))
def test_single_object_answers(answer: Answer) -> None:
    status, body, raw = answer
    usable = status == 200 and raw is None and isinstance(body, dict) and "error" not in body
    with requests_mock.Mocker() as http, no_retry_waits():
        http.get(re.compile(rf"^{re.escape(API)}/act_111(\?|$)"), content=respond(answer))
        output = read_stream("ad_account", ConfigBuilder().build(), expecting_exception=True)
    assert_every_record_or_a_clear_failure(output, 1 if usable else None)


INSIGHTS_CONFIG = ConfigBuilder().with_start_date(DAY).with_values(end_date=DAY, insights_window_days=1)


@PROPERTY_SETTINGS
@given(answer=answers(pages(records({"account_id": "111", "ad_id": "9", "date_start": DAY, "date_stop": DAY}))))
def test_insights_answers(answer: Answer) -> None:
    with requests_mock.Mocker() as http, no_retry_waits():
        http.get(re.compile(rf"^{re.escape(API)}/act_111/insights"), content=respond(answer))
        output = read_stream("ad_insights", INSIGHTS_CONFIG.build(), SyncMode.incremental, expecting_exception=True)
    assert_every_record_or_a_clear_failure(output, usable_page_records(answer))


RUN_ID = "836200000001"
CREATED = (200, {"report_run_id": RUN_ID}, None)
COMPLETED = (200, {"id": RUN_ID, "account_id": "111", "async_status": "Job Completed", "async_percent_completion": 100}, None)
ROW = {"account_id": "111", "date_start": DAY, "date_stop": DAY, "impressions": "5"}


@PROPERTY_SETTINGS
@example(step="poll", answer=(200, {"async_status": "Job Completed"}, None))  # no percentage: read, not polled forever
@given(
    step=st.sampled_from(["create", "poll"]),
    answer=answers(st.one_of(st.just(CREATED[1]), st.just(COMPLETED[1]), st.fixed_dictionaries({"async_status": st.sampled_from(["Job Failed", "Job Skipped", "Job Completed", "Nope"])}))),
)
def test_report_run_create_and_poll_answers(step: str, answer: Answer) -> None:
    create, poll = (answer, COMPLETED) if step == "create" else (CREATED, answer)
    with requests_mock.Mocker() as http, no_retry_waits(), mock.patch.object(
        AsyncJobOrchestrator, "_WAIT_TIME_BETWEEN_STATUS_UPDATE_IN_SECONDS", 0
    ), mock.patch.object(report_window_splitting, "FIRST_POLL_SECONDS", 0), mock.patch.object(
        report_window_splitting, "MAX_POLL_SECONDS", 0
    ):
        http.post(re.compile(rf"^{re.escape(API)}/act_111/insights"), content=respond(create))
        http.get(re.compile(rf"^{re.escape(API)}/{RUN_ID}(\?|$)"), content=respond(poll))
        http.get(re.compile(rf"^{re.escape(API)}/{RUN_ID}/insights"), json={"data": [ROW]})
        output = read_stream("account_insights", INSIGHTS_CONFIG.with_values(insights_job_mode="async").build(), SyncMode.incremental, expecting_exception=True)
    status, body, raw = poll
    polled_completed = status == 200 and raw is None and isinstance(body, dict) and body.get("async_status") == "Job Completed"
    assert_every_record_or_a_clear_failure(output, 1 if create == CREATED and polled_completed else None)
