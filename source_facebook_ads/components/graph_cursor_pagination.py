"""Meta's cursor paging, stopped with an error when the server's cursors go round in circles.

A broken or overloaded server can answer every `after` with the same cursor (each page then
repeats the last one: hundreds of duplicate records a minute), or send empty pages that still
link to a next one, forever. Neither ends by itself, so a walk fails when:

- a page with records names a cursor this walk has already sent (a repeated cursor or a cycle);
- more than MAX_EMPTY_PAGES_IN_A_ROW pages in a row are empty but still have `paging.next`.

An empty page that repeats the cursor it was asked with is not a loop: re-asking it emits nothing
twice, so it only counts as one more empty page.

The CDK uses one strategy instance for every partition of a stream at once, so the walk's history
travels with its page token (`PageCursor`), not on the instance.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass
from typing import Any, Mapping, Optional

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.decoders.pagination_decoder_decorator import PaginationDecoderDecorator
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.cursor_pagination_strategy import (
    CursorPaginationStrategy,
)
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.pagination_strategy import PaginationStrategy
from airbyte_cdk.sources.types import Config, Record, StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.components.graph_page import GraphJsonDecoder
from source_facebook_ads.components.graph_urls import ad_account_id

# Meta documents pages shorter than `limit` because of privacy filtering done after paging
# (https://developers.facebook.com/docs/graph-api/results): an empty page now and then is
# normal, ten fully filtered pages in a row is not, and ten wasted calls cost nothing.
MAX_EMPTY_PAGES_IN_A_ROW = 10
# Cursors are opaque and can be long; enough of one to recognise it in a report to Meta.
CURSOR_SHOWN_CHARS = 80

class _Walk:
    """One partition's walk through an edge: the cursors it has sent so far (shared by its tokens)."""

    def __init__(self) -> None:
        self.sent: set[str] = set()


class PageCursor(str):
    """An `after` cursor as sent to Meta, carrying the walk it belongs to."""

    walk: _Walk
    empty_pages_in_a_row: int

    def __new__(cls, value: str, walk: _Walk, empty_pages_in_a_row: int) -> "PageCursor":
        cursor = super().__new__(cls, value)
        cursor.walk = walk
        cursor.empty_pages_in_a_row = empty_pages_in_a_row
        return cursor

    def __reduce__(self) -> Any:  # copies keep the walk (the CDK deep-copies request options)
        return (PageCursor, (str(self), self.walk, self.empty_pages_in_a_row))


@dataclass
class GraphCursorPagination(PaginationStrategy):
    # The manifest's CursorPagination (`after` until `paging.next` is gone), which this guards.
    cursor_pagination: CursorPaginationStrategy
    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._stream_name = parameters.get("name") or "this stream"
        # Nested under a custom component, the CDK gives the strategy a JsonDecoder of its own, which
        # parsed every page a second time: read the body the error handler parsed instead.
        self.cursor_pagination.decoder = PaginationDecoderDecorator(decoder=GraphJsonDecoder(parameters={}))

    @property
    def initial_token(self) -> Optional[Any]:
        return self.cursor_pagination.initial_token

    def get_page_size(self) -> Optional[int]:
        return self.cursor_pagination.get_page_size()

    def next_page_token(
        self,
        response: requests.Response,
        last_page_size: int,
        last_record: Optional[Record],
        last_page_token_value: Optional[Any] = None,
        page_size_override: Optional[int] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> Optional[Any]:
        cursor = self.cursor_pagination.next_page_token(
            response,
            last_page_size,
            last_record,
            last_page_token_value,
            page_size_override=page_size_override,
            stream_slice=stream_slice,
        )
        if cursor is None:
            return None
        cursor = str(cursor)
        if isinstance(last_page_token_value, PageCursor):
            walk, empty_before = last_page_token_value.walk, last_page_token_value.empty_pages_in_a_row
        else:
            walk, empty_before = _Walk(), 0
        if last_page_token_value is not None:
            walk.sent.add(str(last_page_token_value))
        if last_page_size > 0:
            if cursor in walk.sent:
                self._fail(
                    response,
                    stream_slice,
                    cursor,
                    "Meta answered with a paging cursor this read had already followed, so the next pages "
                    "would repeat records without end",
                )
            return PageCursor(cursor, walk, 0)
        empty_pages = empty_before + 1
        if empty_pages > MAX_EMPTY_PAGES_IN_A_ROW:
            self._fail(
                response,
                stream_slice,
                cursor,
                f"Meta sent {empty_pages} empty pages in a row that each still linked to a next page",
            )
        return PageCursor(cursor, walk, empty_pages)

    def _fail(self, response: requests.Response, stream_slice: Optional[StreamSlice], cursor: str, what: str) -> None:
        shown = cursor if len(cursor) <= CURSOR_SHOWN_CHARS else cursor[:CURSOR_SHOWN_CHARS] + "..."
        message = (
            f"Stopped reading {self._stream_name}{_account_phrase(response, stream_slice)}: {what} "
            f"(after cursor '{shown}'). The saved state is kept, so the next sync resumes from it; if this "
            "keeps happening, report it to Meta with this cursor."
        )
        raise AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.transient_error)


def _account_phrase(response: requests.Response, stream_slice: Optional[StreamSlice]) -> str:
    account_id = None
    if stream_slice is not None:
        account_id = stream_slice.partition.get("account_id")
    if account_id is None and response.request is not None:
        account_id = ad_account_id(response.request.url or "")
    return f" for ad account act_{account_id}" if account_id else ""
