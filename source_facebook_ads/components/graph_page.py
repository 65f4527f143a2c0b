"""A Graph answer's JSON body, parsed once per response however many components read it.

Every page is read by three components: the error handler (is this a Graph error?), the
paginator (`paging.cursors.after`) and the record extractor (`data`). The CDK's JsonDecoder
parses the body again for each, and its DpathExtractor walks the whole body to find `data`; on a
page of 500 insights rows that is ~15% of a row's CPU. Here the parsed body is kept on the
response object (one response is handled by one thread) and `data` is a dict lookup.

Memory (issue 10): a parsed page of 500 insights rows is ~15 MB of Python objects, and each of the
32 workers can hold one while its records wait for the record queue. So a large answer is read and
parsed only while it holds one of a few page slots: taken after its headers (`Content-Length`) or,
without one, before the parse; given back once its records are handed over (or, for an answer that
never reaches the extractor, when the response is dropped). Handed-over rows leave the page.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import InitVar, dataclass
from typing import Any, Iterable, Mapping, MutableMapping

import requests
from airbyte_cdk.sources.declarative.decoders.json_decoder import JsonDecoder
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor

from source_facebook_ads.components.graph_body import Body, read_body

_PARSED_BODY = "_graph_parsed_body"
_PAGE_SLOT = "_graph_page_slot"

# One page being drained into the record queue and one parsed, ready to follow: the main thread,
# which serialises every record, is the pace of a read, so more parsed pages only wait in memory.
PAGE_SLOTS = 2
# Bodies below this (an account list, a report run's status, an error) are parsed without a slot.
LARGE_BODY_BYTES = 64 * 1024
# A safety valve, never reached while slots are given back: a page parses without a slot rather
# than wait forever for one held by a response something still references.
_SLOT_WAIT_SECONDS = 30.0
_page_slots = threading.BoundedSemaphore(PAGE_SLOTS)


def parsed_body(response: requests.Response) -> Body:
    """The body as graph_body.read_body parses it, parsed on the first call for this response."""
    body = getattr(response, _PARSED_BODY, None)
    if body is None:
        if not hasattr(response, _PAGE_SLOT) and len(response.content or b"") >= LARGE_BODY_BYTES:
            _take_page_slot(response)
        body = read_body(response.content)
        setattr(response, _PARSED_BODY, body)
    return body


def install_page_slots(session: requests.Session) -> None:
    """Large answers wait for a page slot with only their headers read (before answer_deadline reads the body)."""
    session.hooks["response"].insert(0, _take_page_slot_before_body)


def _take_page_slot_before_body(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    length = response.headers.get("Content-Length", "")
    if not kwargs.get("stream") and length.isdigit() and int(length) >= LARGE_BODY_BYTES:
        _take_page_slot(response)
    return response


def _take_page_slot(response: requests.Response) -> None:
    if _page_slots.acquire(timeout=_SLOT_WAIT_SECONDS):
        setattr(response, _PAGE_SLOT, weakref.finalize(response, _page_slots.release))


def _give_back_page_slot(response: requests.Response) -> None:
    slot = getattr(response, _PAGE_SLOT, None)
    if slot is not None:
        slot()  # a finalizer runs once: dropping the response later releases nothing more


def graph_body(response: requests.Response) -> Any:
    """The parsed JSON, or None when the body is empty or does not parse."""
    return parsed_body(response).value


class GraphJsonDecoder(JsonDecoder):
    """The CDK's JsonDecoder (a list body yields its elements; nothing usable yields {}), parsed once.

    A JsonDecoder subclass: the CDK's paginator accepts only its own JSON decoders.
    """

    parameters: Mapping[str, Any]  # the CDK hands a custom component the fields its annotations name

    def __init__(self, parameters: Mapping[str, Any]) -> None:
        super().__init__(parameters)

    def is_stream_response(self) -> bool:
        return False

    def decode(self, response: requests.Response) -> Iterable[MutableMapping[str, Any]]:
        body = graph_body(response)
        bodies = body if isinstance(body, list) else [body] if body is not None else []
        yield from bodies or [{}]


@dataclass
class GraphDataExtractor(RecordExtractor):
    """The records of a Graph page: its `data` list (a lone object counts as one record)."""

    parameters: InitVar[Mapping[str, Any]]

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[Any, Any]]:
        body = graph_body(response)
        try:
            for page in body if isinstance(body, list) else [body]:
                # Taken out of the page (the paginator reads only `paging`), and each row dropped
                # from the list as it is handed on, so the page holds only the rows still to come.
                data = page.pop("data", None) if isinstance(page, dict) else None
                if isinstance(data, list):
                    data.reverse()
                    while data:
                        yield data.pop()
                elif data:
                    yield data
        finally:
            _give_back_page_slot(response)
