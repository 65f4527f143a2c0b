"""A whole answer is bounded by request_timeout_seconds, watched by one thread for every answer."""

from __future__ import annotations

import threading
import time
import weakref

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse

from source_facebook_ads.components.answer_deadline import AnswerDeadline, AnswerDeadlineExceeded


class _Body:
    """A socket's body: `chunks` arrive `every` seconds apart; a shutdown ends the read at once."""

    def __init__(self, chunks: list[bytes], every: float) -> None:
        self._chunks, self._every = list(chunks), every
        self._shut = threading.Event()
        self.closed = False

    def read(self, amount: int = -1) -> bytes:
        if not self._chunks or self._shut.wait(self._every):
            return b""
        return self._chunks.pop(0)

    def shutdown(self) -> None:
        self._shut.set()

    def close(self) -> None:
        self.closed = True


class _Answers(HTTPAdapter):
    def __init__(self, chunks: list[bytes], every: float) -> None:
        super().__init__()
        self.chunks, self.every = chunks, every

    def send(self, request, **kwargs):
        body = _Body(self.chunks, self.every)
        raw = HTTPResponse(body=body, headers={"Content-Type": "application/json"}, status=200, preload_content=False)
        raw.shutdown = body.shutdown
        return self.build_response(request, raw)


def session_answering(chunks: list[bytes], every: float, seconds: float) -> requests.Session:
    session = requests.Session()
    session.mount("http://", _Answers(chunks, every))
    AnswerDeadline(seconds).install(session)
    return session


class TestAnswerDeadline:
    def test_a_body_still_arriving_at_the_deadline_is_cut_off(self) -> None:
        session = session_answering([b"{"] * 1000, every=0.05, seconds=0.3)
        started = time.monotonic()
        with pytest.raises(AnswerDeadlineExceeded):
            session.get("http://graph.test/v25.0/me")
        assert time.monotonic() - started < 5

    def test_a_body_read_in_time_is_the_answer(self) -> None:
        session = session_answering([b'{"id": ', b'"1"}'], every=0.01, seconds=5)
        assert session.get("http://graph.test/v25.0/me").json() == {"id": "1"}

    def test_every_answer_is_watched_by_one_thread_not_a_thread_each(self, monkeypatch) -> None:
        session = session_answering([b"{}"], every=0, seconds=60)
        session.get("http://graph.test/v25.0/me")  # the watching thread starts with the first answer
        started = []
        start = threading.Thread.start
        monkeypatch.setattr(threading.Thread, "start", lambda thread: (started.append(thread), start(thread)))
        answers = [session.get("http://graph.test/v25.0/me") for _ in range(50)]
        assert started == []
        assert all(answer.json() == {} for answer in answers)

    def test_an_answer_read_in_time_is_not_kept_until_its_deadline(self) -> None:
        session = session_answering([b"{}"], every=0, seconds=600)
        answer = session.get("http://graph.test/v25.0/me")
        kept = weakref.ref(answer)
        del answer
        assert kept() is None
