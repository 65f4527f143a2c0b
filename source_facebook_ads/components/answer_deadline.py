"""`request_timeout_seconds` bounds a whole answer, not each socket read.

The read timeout that requests passes to the socket restarts with every byte: a body dribbled one
byte every 3 s kept one request alive for minutes. This deadline counts from the moment the request
is sent (requests' `Response.elapsed` is the wait for the headers) to the last byte of the body. A
body still arriving at the deadline is cut off and the request fails with `AnswerDeadlineExceeded`,
a `requests` Timeout, which the error handler retries as transient like any other timeout.

It is a requests "response" hook: requests calls it after the headers and before it reads the body,
which the hook then reads itself under a watchdog that shuts the socket at the deadline (a blocked
read returns at once). Streamed answers are left to their reader. One thread watches every answer of
the process (`_Watchdogs`): a timer thread started and stopped per request cost ~0.1 ms of CPU a call.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
from typing import Any, Optional

import requests


class AnswerDeadlineExceeded(requests.exceptions.ReadTimeout):
    """Meta's answer was still arriving when request_timeout_seconds ran out."""


class AnswerDeadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def install(self, session: requests.Session) -> None:
        session.hooks["response"].append(self)

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("stream") or response.raw is None:
            return response
        remaining = self.seconds - response.elapsed.total_seconds()
        cut = _WATCHDOGS.watch(response, max(remaining, 0.0))
        try:
            response.content  # noqa: B018 - reads the body now, under the watchdog
        except requests.RequestException:
            if not cut.fired():
                raise
        finally:
            cut.stop()
        if cut.fired():
            response.close()
            raise AnswerDeadlineExceeded(
                f"Meta's answer was still arriving after {self.seconds:g} s (request_timeout_seconds); "
                "it was cut off and will be asked again.",
                request=response.request,
            )
        return response


class _Watchdog:
    """Shuts one answer's socket at its deadline, unless stopped first."""

    def __init__(self, response: requests.Response, deadline: float) -> None:
        self.deadline = deadline
        self._response: Optional[requests.Response] = response
        self._lock = threading.Lock()
        self._stopped = False
        self._fired = False

    def cut(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._fired = True
            response = self._response
        shutdown = getattr(response.raw, "shutdown", None)  # urllib3 >= 2.3
        try:
            shutdown() if shutdown is not None else response.raw.close()
        except (OSError, ValueError):
            pass  # the socket is already gone: the read has ended either way

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            # The watch waits in the heap until its deadline: it must not keep the answer (a page of rows).
            self._response = None

    @property
    def stopped(self) -> bool:
        return self._stopped

    def fired(self) -> bool:
        with self._lock:
            return self._fired


class _Watchdogs:
    """The thread that cuts the answers whose deadline has passed, in deadline order."""

    def __init__(self) -> None:
        self._starting = threading.Lock()
        self._running: Optional[_Running] = None

    def watch(self, response: requests.Response, seconds: float) -> _Watchdog:
        watchdog = _Watchdog(response, time.monotonic() + seconds)
        running = self._running
        if running is None or running.pid != os.getpid():  # first use, or a forked child (no copy of the thread)
            running = self._start()
        with running.changed:
            heapq.heappush(running.due, (watchdog.deadline, next(running.order), watchdog))
            if running.due[0][2] is watchdog:
                running.changed.notify()
        return watchdog

    def _start(self) -> _Running:
        with self._starting:
            if self._running is None or self._running.pid != os.getpid():
                running = _Running()
                threading.Thread(target=running.cut_when_due, name="answer-deadlines", daemon=True).start()
                self._running = running
            return self._running


class _Running:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self.changed = threading.Condition(threading.Lock())
        self.due: list[tuple[float, int, _Watchdog]] = []
        self.order = itertools.count()

    def cut_when_due(self) -> None:
        while True:
            with self.changed:
                while self.due and self.due[0][2].stopped:
                    heapq.heappop(self.due)
                if not self.due:
                    self.changed.wait()
                    continue
                wait = self.due[0][0] - time.monotonic()
                if wait > 0:
                    self.changed.wait(wait)
                    continue
                watchdog = heapq.heappop(self.due)[2]
            watchdog.cut()


_WATCHDOGS = _Watchdogs()
