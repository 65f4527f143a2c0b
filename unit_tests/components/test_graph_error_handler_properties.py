"""Property: the error handler answers every Graph API answer with a decision, never an exception.

Many examples, fast (no CDK read): for each request kind the handler serves, any answer is a
success only when its body is usable for that request, and anything else is retried (with a
bounded backoff), shrunk, or failed with a failure type and a message. The same strategies drive
whole reads in unit_tests/integration/test_response_body_properties.py.
"""

from __future__ import annotations

from typing import Any

import requests
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from hypothesis import given, settings
from hypothesis import strategies as st

from source_facebook_ads.components.graph_error_handler import GraphBackoffStrategy, GraphErrorHandler
from source_facebook_ads.components.object_isolation import RefusedRead
from unit_tests.components import API, TOKEN, graph_response, manifest_floors
from unit_tests.response_bodies import Answer, answers, pages, records, usable_page_records

RUN = "836200000001"
URLS = {
    "edge": f"{API}/act_123/campaigns?fields=id&limit=500",
    "insights": f"{API}/act_123/insights?level=ad&limit=500",
    "object": f"{API}/act_123?fields=id",
    "create": f"{API}/act_123/insights?level=ad",
    "poll": f"{API}/{RUN}?fields=id,async_status",
}
SUCCESS_BODIES = {
    "edge": pages(records({})),
    "insights": pages(records({"date_start": "2026-11-01"})),
    "object": records({}),
    "create": st.fixed_dictionaries({"report_run_id": st.just(RUN)}),
    "poll": records({"async_status": "Job Completed"}),
}
# The request_kind the manifest gives the requester of each kind of request.
MANIFEST_KIND = {"edge": "edge", "insights": "insights", "object": "object", "create": "report_run_create", "poll": "report_run_poll"}
DECISIONS = {ResponseAction.SUCCESS, ResponseAction.RETRY, ResponseAction.FAIL, ResponseAction.REDUCE_PAGE_SIZE, ResponseAction.SPLIT_REQUEST_WINDOW, ResponseAction.RATE_LIMITED}


def response_for(kind: str, answer: Answer) -> requests.Response:
    status, body, raw = answer
    response = graph_response(status, body, url=URLS[kind], raw=raw)
    if kind == "create":
        response.request = requests.Request("POST", URLS[kind], headers={"Authorization": f"Bearer {TOKEN}"}).prepare()
    return response


def usable(kind: str, answer: Answer) -> bool:
    status, body, raw = answer
    if kind in ("edge", "insights"):
        return usable_page_records(answer) is not None
    is_object = status == 200 and raw is None and isinstance(body, dict) and "error" not in body
    return is_object and (kind != "create" or bool(body.get("report_run_id")))


@st.composite
def kinds_and_answers(draw: Any) -> tuple[str, Answer]:
    kind = draw(st.sampled_from(sorted(URLS)))
    return kind, draw(answers(SUCCESS_BODIES[kind]))


@settings(max_examples=200, deadline=None)
@given(kind_and_answer=kinds_and_answers())
def test_every_answer_gets_a_decision_and_only_a_usable_body_is_a_success(kind_and_answer: tuple[str, Answer]) -> None:
    kind, answer = kind_and_answer
    handler = GraphErrorHandler(
        **manifest_floors(MANIFEST_KIND[kind]), config={"access_token": TOKEN}, parameters={}, request_kind=MANIFEST_KIND[kind]
    )
    response = response_for(kind, answer)

    try:
        resolution = handler.interpret_response(response)
    except RefusedRead as refusal:  # the FAIL it stands for, raised so an object stream can read around it
        resolution = ErrorResolution(ResponseAction.FAIL, refusal.failure_type, refusal.message)

    assert resolution.response_action in DECISIONS
    assert (resolution.response_action is ResponseAction.SUCCESS) is usable(kind, answer)
    if resolution.response_action is not ResponseAction.SUCCESS:
        assert resolution.failure_type is not None and resolution.error_message
        assert TOKEN not in resolution.error_message
    if resolution.response_action is ResponseAction.RETRY:
        backoff = GraphBackoffStrategy(classify=handler.classify, random_fraction=lambda: 1.0)
        assert 0 < backoff.backoff_time(response, 1) <= 60
        try:
            for attempt in range(2, 8):
                backoff.backoff_time(response, attempt)
        except AirbyteTracedException as gave_up:
            assert "after 5 retries" in gave_up.message
        else:
            raise AssertionError("transient retries are bounded")
