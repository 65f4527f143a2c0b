"""A bound on the large pages a sync holds parsed while their records wait to be handed on (issue 10).

A page of 500 insights rows is ~2 MB of JSON and ~10 MB of Python objects once parsed, and each
worker used to parse its page as soon as it arrived and keep it while its records waited
for the record queue: peak RSS grew with the workers. Here a partition read parses a large page
only while it holds one of PAGE_SLOTS slots:

- taken after the answer's headers, before its body is read (`Content-Length`), or, without one,
  before the parse; only inside a partition read (`partition_read`), so a check, a test or the
  partition router never takes one;
- held by the thread reading the partition, at most one per thread: a thread that holds a slot
  (an answer retried before its records were read) never waits for another, so it cannot wait on
  itself;
- given back once the page's last record is handed on (`page_handed_on`, from the extractor), and
  in any case when the partition read ends or fails. Never tied to a response's lifetime: whatever
  still references an answer (the error handler's last error, a traceback) holds no slot.

A slot holder waits only for the record queue (drained by the main thread, which reads no
partition) or for its pace, so every wait for a slot ends.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional

import requests
from airbyte_cdk.sources.declarative.retrievers.simple_retriever import SimpleRetriever
from airbyte_cdk.sources.types import StreamSlice

from source_facebook_ads.malloc_arenas import give_back_free_memory

# One page parsed and being handed on: the record queue (source.py) holds what the main thread
# writes next, and the next page is read and parsed once this one's rows are queued; a second
# parsed page would only wait in memory.
PAGE_SLOTS = 1
# Answers below this (an account list, a report run's status, an error) need no slot.
LARGE_BODY_BYTES = 64 * 1024


class _ThreadReads:
    """The partition reads running on one thread (nested reads share one slot) and its slot."""

    def __init__(self) -> None:
        self.depth = 0
        self.holds_slot = False


class PagesInFlight:
    def __init__(self, slots: int = PAGE_SLOTS) -> None:
        self.slots = slots
        self._free = threading.BoundedSemaphore(slots)
        self._local = threading.local()
        self._count_lock = threading.Lock()
        self.held = 0  # slots taken now (the tests read it)

    @contextmanager
    def partition_read(self) -> Iterator[None]:
        reads = self._reads()  # this thread's, even if a collector ends the read from another
        reads.depth += 1
        try:
            yield
        finally:
            reads.depth -= 1
            if reads.depth == 0:
                self._give_back(reads)

    def take_for_answer(self, size: int) -> None:
        """Wait for a slot before a large answer is read, in a partition read that holds none."""
        reads = self._reads()
        if size < LARGE_BODY_BYTES or reads.depth == 0 or reads.holds_slot:
            return
        self._free.acquire()
        reads.holds_slot = True
        with self._count_lock:
            self.held += 1

    def page_handed_on(self) -> Callable[[], None]:
        """To call once a page's last record is handed on: its slot may then parse the next page of
        any partition. Bound to the thread reading the page now, wherever it is called from."""
        reads = self._reads()
        return lambda: self._give_back(reads)

    def _reads(self) -> _ThreadReads:
        reads = getattr(self._local, "reads", None)
        if reads is None:
            reads = self._local.reads = _ThreadReads()
        return reads

    def _give_back(self, reads: _ThreadReads) -> None:
        with self._count_lock:
            if not reads.holds_slot:
                return
            reads.holds_slot = False
            self.held -= 1
        self._free.release()
        give_back_free_memory()  # what the pages before this one freed

    def take_before_body(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        """A requests response hook: runs after the headers, before the body is read."""
        length = response.headers.get("Content-Length", "")
        if not kwargs.get("stream") and length.isdigit():
            self.take_for_answer(int(length))
        return response

    def install(self, session: requests.Session) -> None:
        # First: before answer_deadline's hook reads the body.
        session.hooks["response"].insert(0, self.take_before_body)


PAGES_IN_FLIGHT = PagesInFlight()


class PartitionReadingRetriever(SimpleRetriever):
    """The CDK's SimpleRetriever, its reads scoped as partition reads (the factory sets this class)."""

    def read_records(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice] = None) -> Iterable[Any]:
        with PAGES_IN_FLIGHT.partition_read():
            yield from super().read_records(records_schema, stream_slice)
