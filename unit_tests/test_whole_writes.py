"""Output written whole to its descriptor (source_facebook_ads/whole_writes.py)."""

from __future__ import annotations

import io
import os
import threading
import time

from source_facebook_ads.whole_writes import WholeWrites, whole_writes


def test_a_descriptor_made_non_blocking_still_takes_every_byte_of_a_large_write() -> None:
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)  # as a parent sharing the pipe may leave it
    stream = os.fdopen(write_end, "w", encoding="utf-8")
    received: list[bytes] = []

    def read_slowly() -> None:
        while chunk := os.read(read_end, 1 << 14):
            received.append(chunk)
            time.sleep(0.001)

    reader = threading.Thread(target=read_slowly)
    reader.start()
    text = "".join(f'{{"line": {number}, "pad": "{"x" * 200}"}}\n' for number in range(5000))  # ~1 MB, a full pipe many times
    written = whole_writes(stream).write(text)
    stream.close()
    reader.join(timeout=30)
    os.close(read_end)

    assert written == len(text)
    assert b"".join(received).decode() == text


def test_what_was_written_to_the_stream_itself_goes_out_first() -> None:
    read_end, write_end = os.pipe()
    stream = os.fdopen(write_end, "w", encoding="utf-8")
    stream.write("first\n")  # still in the stream's buffer
    whole = whole_writes(stream)
    whole.write("second\n")
    stream.close()

    assert os.read(read_end, 100) == b"first\nsecond\n"
    os.close(read_end)


def test_a_stream_without_a_descriptor_is_written_as_it_is() -> None:
    captured = io.StringIO()
    assert whole_writes(captured) is captured
    assert not isinstance(whole_writes(captured), WholeWrites)
