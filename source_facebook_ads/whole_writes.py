"""Output that reaches its file descriptor whole, even when a signal interrupts a write.

A write to a pipe that a signal interrupts after part of it went through returns that part's
length. CPython 3.11's buffered writer can drop the rest of a large write then: with SIGSTOP and
SIGCONT every 20 ms (what py-spy or a debugger attached to a slow sync does, or a paused job), a
read lost 2 to 30% of its records without an error, and a bare `sys.stdout.buffer.write` of 700 KB
chunks lost 0.2%. The CDK's PrintBuffer hands on up to 0.1 s of records in one write. Here the
bytes go to the descriptor with `os.write` until every one is taken, which loses nothing.
"""

from __future__ import annotations

import os
import select
from typing import Any, TextIO


class WholeWrites:
    """A text stream writing straight to the descriptor behind `stream`, every byte of every write."""

    def __init__(self, stream: TextIO, descriptor: int) -> None:
        self.stream = stream
        self._descriptor = descriptor
        self._encoding = getattr(stream, "encoding", None) or "utf-8"
        self._errors = getattr(stream, "errors", None) or "strict"

    def write(self, text: str) -> int:
        self.stream.flush()  # whatever was written to the stream itself goes first
        data = memoryview(text.encode(self._encoding, self._errors))
        while data:
            try:
                written = os.write(self._descriptor, data)  # retried by Python when nothing went through
            except BlockingIOError:  # a descriptor a parent made non-blocking: wait until it takes more
                select.select([], [self._descriptor], [])
                continue
            data = data[written:]
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)  # encoding, fileno, isatty, ...


def whole_writes(stream: TextIO) -> TextIO:
    """`stream` written whole to its descriptor; `stream` itself when it has none (captured output)."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return stream
    stream.flush()
    return WholeWrites(stream, descriptor)  # type: ignore[return-value]
