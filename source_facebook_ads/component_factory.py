"""The CDK's component factory, with the changes to what it builds that a manifest cannot ask for.

- Every requester's session bounds a whole answer by `request_timeout_seconds`
  (components/answer_deadline.py); the manifest's read timeout bounds each socket read only.
- Every requester's session keeps a connection to a host for each worker of the sync.
- Every requester's session reads the environment's proxies and CA bundle once per host
  (components/session_environment.py).
- Every SimpleRetriever's read is a partition read, whose large answers are read only while it
  holds a page slot (components/pages_in_flight.py: every requester's session waits for one).
- Per-account cursors write their state as windows close, coalesced past 10 accounts (components/window_checkpoints.py).
- Per-account insights cursors end each account's windows at its today (components/account_today.py).
- Datetime cursors parse each distinct cursor value once (components/remembered_datetimes.py).
- Each account's cursor is a copy of one built from the manifest (components/account_cursor_copies.py).
- Every requester renders its URL, token and request options once per distinct value of what they
  read (components/remembered_renders.py).
- Per-account cursors skip a record repeating the last one's window and cursor value (components/repeated_observations.py).

The declarative source builds its factory inside its own __init__ and takes none from outside, so
the source gives the one it built this class (`adopt`): same object and settings, four methods overridden.
The private CDK names this relies on are listed, each with the test that pins it, in
unit_tests/test_source_wiring.py.
"""

from __future__ import annotations

from typing import Any, Optional

from airbyte_cdk.sources.declarative.incremental.concurrent_partition_cursor import ConcurrentPerPartitionCursor
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.declarative.requesters.http_requester import HttpRequester
from airbyte_cdk.sources.declarative.retrievers.simple_retriever import SimpleRetriever
from airbyte_cdk.sources.streams.concurrent.cursor import ConcurrentCursor
from requests.adapters import HTTPAdapter

from source_facebook_ads.components.account_cursor_copies import CopyingCursorFactory
from source_facebook_ads.components.account_today import AccountToday, TodayBoundedCursor
from source_facebook_ads.components.answer_deadline import AnswerDeadline
from source_facebook_ads.components.pages_in_flight import PAGES_IN_FLIGHT, PartitionReadingRetriever
from source_facebook_ads.components.remembered_renders import remember_renders
from source_facebook_ads.components.remembered_datetimes import remember_parsed_datetimes
from source_facebook_ads.components.session_environment import remember_environment
from source_facebook_ads.components.window_checkpoints import WindowCheckpointCursor


# The cursor field of every insights stream (the manifest's insights_cursor).
INSIGHTS_CURSOR_FIELD = "date_start"


class ConnectorComponentFactory(ModelToComponentFactory):
    # Set by the source once it has built the time zone requester (with this factory).
    account_today: Optional[AccountToday] = None
    # Set by the source from the manifest's concurrency_level: the workers that may call at once.
    workers: Optional[int] = None

    # `name` stays keyword-only as in the CDK: the factory reads the keyword-only arguments to pass a
    # requester nested in a custom component (the object streams' ObjectIsolatingRequester) its name.
    def create_http_requester(self, *args: Any, name: str, **kwargs: Any) -> HttpRequester:
        requester = super().create_http_requester(*args, name=name, **kwargs)
        # The CDK keeps the requester's session private; this is the one place that reaches it.
        session = requester._http_client._session
        # The CDK's pool keeps 40 connections a host. Past that, with more workers waiting on Meta at
        # once, each answer dropped its connection with a WARN line ("Connection pool is full") and
        # a later call opened a new one (on Meta's host, a TLS handshake).
        if self.workers is not None:
            pool = HTTPAdapter(pool_maxsize=self.workers)
            session.mount("https://", pool)
            session.mount("http://", pool)
        remember_environment(session)
        PAGES_IN_FLIGHT.install(session)
        if requester.read_timeout_in_seconds:
            AnswerDeadline(requester.read_timeout_in_seconds).install(session)
        remember_renders(requester)
        return requester

    def create_simple_retriever(self, *args: Any, **kwargs: Any) -> SimpleRetriever:
        retriever = super().create_simple_retriever(*args, **kwargs)
        if type(retriever) is SimpleRetriever:  # same object and fields; only read_records differs
            retriever.__class__ = PartitionReadingRetriever
        return retriever

    # Also builds each account's own cursor inside a per-account cursor (the CDK passes this method).
    def create_concurrent_cursor_from_datetime_based_cursor(self, *args: Any, **kwargs: Any) -> ConcurrentCursor:
        cursor = super().create_concurrent_cursor_from_datetime_based_cursor(*args, **kwargs)
        remember_parsed_datetimes(cursor)
        return cursor

    def create_concurrent_cursor_from_perpartition_cursor(self, *args: Any, **kwargs: Any) -> ConcurrentPerPartitionCursor:
        cursor = super().create_concurrent_cursor_from_perpartition_cursor(*args, **kwargs)
        remember_parsed_datetimes(cursor)
        cursor._cursor_factory = CopyingCursorFactory(cursor._cursor_factory)
        # Same object and fields; only the overridden methods differ.
        if self.account_today is not None and cursor.cursor_field.cursor_field_key == INSIGHTS_CURSOR_FIELD:
            cursor.__class__ = TodayBoundedCursor
            cursor.bound_to_today(self.account_today)
        else:
            cursor.__class__ = WindowCheckpointCursor
        return cursor


def adopt(factory: ModelToComponentFactory) -> None:
    factory.__class__ = ConnectorComponentFactory
    # The factory dispatches on a table of bound methods made in its __init__: bind them again.
    factory._init_mappings()
