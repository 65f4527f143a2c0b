"""`request_timeout_seconds` bounds a whole answer, not each socket read.

The read timeout that requests passes to the socket restarts with every byte: a body dribbled one
byte every 3 s kept one request alive for minutes. This deadline counts from the moment the request
is sent (requests' `Response.elapsed` is the wait for the headers) to the last byte of the body. A
body still arriving at the deadline is cut off and the request fails with `AnswerDeadlineExceeded`,
a `requests` Timeout, which the error handler retries as transient like any other timeout.

It is a requests "response" hook: requests calls it after the headers and before it reads the body,
which the hook then reads itself under a watchdog that shuts the socket at the deadline (a blocked
read returns at once). Streamed answers are left to their reader.
"""

from __future__ import annotations

import threading
from typing import Any

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
        cut = _Watchdog(response, max(remaining, 0.0))
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
    """Shuts the answer's socket after `seconds`, unless stopped first."""

    def __init__(self, response: requests.Response, seconds: float) -> None:
        self._response = response
        self._lock = threading.Lock()
        self._stopped = False
        self._fired = False
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def _cut(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._fired = True
        shutdown = getattr(self._response.raw, "shutdown", None)  # urllib3 >= 2.3
        try:
            shutdown() if shutdown is not None else self._response.raw.close()
        except (OSError, ValueError):
            pass  # the socket is already gone: the read has ended either way

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
        self._timer.cancel()
        # The timer's function is this watchdog's `_cut`: without letting go of the timer, the two
        # form a cycle that holds the answer (a page of rows) until the cycle collector runs.
        self._timer = None  # type: ignore[assignment]

    def fired(self) -> bool:
        with self._lock:
            return self._fired
