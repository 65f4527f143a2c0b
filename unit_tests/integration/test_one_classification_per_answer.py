"""Each error answer is classified once in a read: by the error handler, whose word the pacer and the
backoff strategy take (issue 13 item 1). Counted at the classifier's table of Meta codes, which every
classification of an answer carrying Meta's error envelope goes through."""

from __future__ import annotations

import json
from typing import Any, Iterator
from unittest import mock

import pytest
import requests_mock

from source_facebook_ads.components import graph_error_classifier
from unit_tests.builders import API, ConfigBuilder, no_retry_waits, read_stream

TEMPORARY = {"error": {"message": "An unexpected error has occurred.", "type": "OAuthException", "code": 2, "is_transient": True}}
UNKNOWN_ACCOUNT = {
    "error": {"message": "Unsupported get request.", "type": "GraphMethodException", "code": 100, "error_subcode": 33}
}


@pytest.fixture
def table_lookups() -> Iterator[list[Any]]:
    """The Meta errors looked up in the classifier's code table during the test."""
    lookups: list[Any] = []
    real = graph_error_classifier._classify_meta_error

    def counted(status: Any, error: Any, *args: Any) -> Any:
        lookups.append((status, error.get("code")))
        return real(status, error, *args)

    with mock.patch.object(graph_error_classifier, "_classify_meta_error", counted):
        yield lookups


def test_a_retried_error_answer_is_classified_once_for_the_handler_the_pacer_and_the_backoff(table_lookups: list[Any]) -> None:
    with requests_mock.Mocker() as mocker, no_retry_waits():
        mocker.get(
            f"{API}/act_111",
            [
                {"status_code": 500, "text": json.dumps(TEMPORARY)},
                {"status_code": 500, "text": json.dumps(TEMPORARY)},
                {"status_code": 200, "json": {"id": "act_111", "account_id": "111"}},
            ],
        )
        output = read_stream("ad_account", ConfigBuilder().build())

    assert [record.record.data["id"] for record in output.records] == ["act_111"]
    assert mocker.call_count == 3
    assert table_lookups == [(500, 2), (500, 2)]


def test_a_fatal_error_answer_is_classified_once_and_still_stops_the_account(table_lookups: list[Any]) -> None:
    with requests_mock.Mocker() as mocker:
        mocker.get(f"{API}/act_111", status_code=400, text=json.dumps(UNKNOWN_ACCOUNT))
        output = read_stream("ad_account", ConfigBuilder().build(), expecting_exception=True)

    assert output.errors[0].trace.error.failure_type.value == "config_error"
    assert "act_111" in output.errors[0].trace.error.message
    assert mocker.call_count == 1
    assert table_lookups == [(400, 100)]
