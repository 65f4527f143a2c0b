"""A Graph answer's JSON body, parsed once per response however many components read it.

Every page is read by three components: the error handler (is this a Graph error?), the
paginator (`paging.cursors.after`) and the record extractor (`data`). The CDK's JsonDecoder
parses the body again for each, and its DpathExtractor walks the whole body to find `data`; on a
page of 500 insights rows that is ~15% of a row's CPU. Here the parsed body is kept on the
response object (one response is handled by one thread) and `data` is a dict lookup.

Memory (issue 10): a large page is parsed only while its partition read holds a page slot
(components/pages_in_flight.py). Its rows leave the page as they are handed on, and once the last
is, the slot is given back and the raw body dropped: only `paging` stays, for the paginator.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass
from typing import Any, Iterable, Mapping, MutableMapping

import requests
from airbyte_cdk.sources.declarative.decoders.json_decoder import JsonDecoder
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor

from source_facebook_ads.components.graph_body import Body, read_body
from source_facebook_ads.components.pages_in_flight import PAGES_IN_FLIGHT

_PARSED_BODY = "_graph_parsed_body"


def parsed_body(response: requests.Response) -> Body:
    """The body as graph_body.read_body parses it, parsed on the first call for this response."""
    body = getattr(response, _PARSED_BODY, None)
    if body is None:
        content = response.content or b""
        PAGES_IN_FLIGHT.take_for_answer(len(content))  # an answer without Content-Length
        body = read_body(content)
        setattr(response, _PARSED_BODY, body)
    return body


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
        handed_on = PAGES_IN_FLIGHT.page_handed_on()
        try:
            for page in body if isinstance(body, list) else [body]:
                data = page.pop("data", None) if isinstance(page, dict) else None
                if isinstance(data, list):
                    data.reverse()  # popped from the end: the page keeps only the rows still to come
                    while data:
                        yield data.pop()
                elif data:
                    yield data
            # requests keeps the raw body in a private field (no public way to drop it); every reader
            # has the parsed one, and a waiting next page must not keep this one alive.
            response._content = b""
        finally:
            handed_on()
