"""Large pages in flight: at most PAGE_SLOTS parsed and not yet handed on, and no wait that cannot end (issue 10)."""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any, Callable

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.types import Record
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse

from source_facebook_ads.components import graph_page
from source_facebook_ads.components.pages_in_flight import LARGE_BODY_BYTES, PAGE_SLOTS, PAGES_IN_FLIGHT
from unit_tests.builders import ConfigBuilder, no_retry_waits, read_stream
from unit_tests.components import graph_response
from unit_tests.components.test_graph_error_handler import handler
from unit_tests.components.test_graph_page import insights_request

ROWS_PER_PAGE = 250
WINDOWS = [("2026-11-01", "2026-11-07"), ("2026-11-08", "2026-11-14")]


def config_of(*accounts: str, end_date: str = WINDOWS[-1][1]) -> dict[str, Any]:
    return (
        ConfigBuilder().with_start_date("2026-11-01")
        .with_values(end_date=end_date, insights_window_days=7, requests_per_second=50)
        .with_account_ids(*accounts).build()
    )


def large_page(account: str, day: str, page: int, after: str = "") -> str:
    rows = [
        {"account_id": account, "ad_id": f"{page}-{i}", "ad_name": "n" * 300, "date_start": day, "date_stop": day}
        for i in range(ROWS_PER_PAGE)
    ]
    paging: dict[str, Any] = {"cursors": {"before": "b", **({"after": after} if after else {})}}
    if after:
        paging["next"] = f"https://graph.facebook.com/v25.0/next-page?after={after}"
    body = json.dumps({"data": rows, "paging": paging})
    assert len(body) > LARGE_BODY_BYTES
    return body


def answer(body: str, content_length: bool) -> HttpResponse:
    return HttpResponse(body=body, status_code=200, headers={"Content-Length": str(len(body))} if content_length else {})


def in_a_thread(read: Callable[[], Any], seconds: float = 30) -> Any:
    """The read's result, or a failure if it is still waiting after `seconds` (a wait that never ends)."""
    result: list[Any] = []
    reader = threading.Thread(target=lambda: result.append(read()), daemon=True)
    reader.start()
    reader.join(seconds)
    assert not reader.is_alive(), f"the read was still waiting after {seconds} s"
    return result[0]


@pytest.mark.parametrize("content_length", [True, False], ids=["slot taken after the headers", "slot taken before the parse"])
def test_no_more_large_pages_are_parsed_and_not_handed_on_than_the_slots(monkeypatch, content_length: bool) -> None:
    accounts = ["111", "222"]
    lock = threading.Lock()
    waiting, most_waiting = 0, 0  # rows of large pages parsed and not yet in the record queue

    read_body = graph_page.read_body

    def counting_parse(content: bytes) -> Any:
        nonlocal waiting, most_waiting
        body = read_body(content)
        if len(content) >= LARGE_BODY_BYTES:
            with lock:
                waiting += len(body.value["data"])
                most_waiting = max(most_waiting, waiting)
        return body

    queue_put = queue.Queue.put

    def slow_put(self: queue.Queue, item: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal waiting
        if isinstance(item, Record) and item.data.get("ad_name") == "n" * 300:
            time.sleep(0.0005)  # a main thread slower than the workers, as with real records
            queue_put(self, item, *args, **kwargs)
            with lock:
                waiting -= 1
        else:
            queue_put(self, item, *args, **kwargs)

    monkeypatch.setattr(graph_page, "read_body", counting_parse)
    monkeypatch.setattr(queue.Queue, "put", slow_put)
    with HttpMocker() as http_mocker:
        for account in accounts:
            for since, until in WINDOWS:
                first = large_page(account, since, 1, after="p2")
                http_mocker.get(insights_request(account, since, until), answer(first, content_length))
                last = large_page(account, since, 2)
                http_mocker.get(insights_request(account, since, until, after="p2"), answer(last, content_length))
        output = read_stream("ad_insights", config_of(*accounts), SyncMode.incremental)

    assert not output.errors
    assert len(output.records) == len(accounts) * len(WINDOWS) * 2 * ROWS_PER_PAGE
    assert waiting == 0
    assert ROWS_PER_PAGE <= most_waiting <= PAGE_SLOTS * ROWS_PER_PAGE
    assert PAGES_IN_FLIGHT.held == 0


def test_a_partition_retrying_a_large_answer_more_often_than_there_are_slots_never_waits_on_itself() -> None:
    # The withdrawn page slots lived as long as their answers: the error handler keeps a thread's
    # last error answer, so a thread retrying a large cut-off page waited for its own slots.
    since, until = WINDOWS[0]
    page = large_page("111", since, 1)
    retries = PAGE_SLOTS + 2
    with HttpMocker() as http_mocker, no_retry_waits():
        http_mocker.get(
            insights_request("111", since, since),
            [answer(page[:-100], content_length=True)] * retries + [answer(page, content_length=True)],
        )
        config = ConfigBuilder().with_start_date(since).with_values(end_date=since).with_account_ids("111").build()
        output = in_a_thread(lambda: read_stream("ad_insights", config, SyncMode.incremental))

    assert not output.errors
    assert len(output.records) == ROWS_PER_PAGE
    assert PAGES_IN_FLIGHT.held == 0


def test_partitions_that_fail_holding_a_slot_give_it_back() -> None:
    failing, read = "111", "222"
    since, until = WINDOWS[0]
    # No Content-Length: the slot is taken before the parse, outside requests_mock's send, which runs
    # one request at a time (under a real session, the answers that wait for a slot hold no lock).
    with HttpMocker() as http_mocker, no_retry_waits():
        # A large page cut off on every try: the partition fails holding a slot.
        http_mocker.get(insights_request(failing, since, until), answer(large_page(failing, since, 1)[:-100], False))
        http_mocker.get(insights_request(read, since, until), answer(large_page(read, since, 1), False))
        output = in_a_thread(lambda: read_stream("ad_insights", config_of(failing, read, end_date=until), SyncMode.incremental))

    assert output.errors
    assert {r.record.data["account_id"] for r in output.records} == {read}
    assert PAGES_IN_FLIGHT.held == 0
    # Every slot is free for the next read of this process.
    with HttpMocker() as http_mocker:
        http_mocker.get(insights_request(read, since, until), answer(large_page(read, since, 1), False))
        again = in_a_thread(lambda: read_stream("ad_insights", config_of(read, end_date=until), SyncMode.incremental))
    assert len(again.records) == ROWS_PER_PAGE


def test_large_answers_classified_outside_a_partition_read_take_no_slot() -> None:
    # The handler's property test classifies generated large bodies on one thread, outside any read.
    classify = handler().interpret_response
    body = {"data": [{"id": str(i), "name": "n" * 300} for i in range(300)]}
    for _ in range(PAGE_SLOTS + 3):
        classify(graph_response(200, body, headers={"Content-Length": str(len(json.dumps(body)))}))
    assert PAGES_IN_FLIGHT.held == 0
