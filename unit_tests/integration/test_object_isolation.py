"""Reading around one object or one field Meta refuses, through `read` with a Graph answering by `fields`."""

from __future__ import annotations

import json
import re
from typing import Callable
from unittest import TestCase
from urllib.parse import parse_qs, urlsplit

import requests_mock
from airbyte_cdk.models import Level

from source_facebook_ads.components.object_isolation import FIELD_SEARCH_CALLS
from unit_tests.builders import API, ConfigBuilder, read_stream
from source_facebook_ads.stream_shaping import schema_fields

INCOMPLETE = {"message": "Invalid parameter", "type": "OAuthException", "code": 100, "error_subcode": 2446289,
              "error_user_title": "Ad Creative Is Incomplete", "fbtrace_id": "Atrace"}
DENIED = {"message": "(#10) Permission Denied.", "type": "OAuthException", "code": 10, "fbtrace_id": "Atrace"}


def graph(mocker: requests_mock.Mocker, path: str, answer: Callable[[list[str], dict], tuple[int, dict]]) -> list[list[str]]:
    """Mock GET {API}/{path}; `answer(fields, query)` gives status and body. Returns the fields of every call."""
    calls: list[list[str]] = []

    def respond(request, context):
        query = {key: values[0] for key, values in parse_qs(urlsplit(request.url).query).items()}
        fields = query.get("fields", "").split(",")
        calls.append(fields)
        context.status_code, body = answer(fields, query)
        return json.dumps(body)

    mocker.get(re.compile(re.escape(f"{API}/{path}") + r"(\?|$)"), text=respond)
    return calls


def warnings(output) -> list[str]:
    return [log.log.message for log in output.logs if log.log.level == Level.WARN and ": Meta " in log.log.message]


class TestAdAccountIsolation(TestCase):
    def test_an_ad_account_that_fails_on_one_field_is_emitted_without_it_and_one_warning_names_it(self) -> None:
        def answer(fields, query):
            if "business" in fields:
                return 400, {"error": INCOMPLETE}
            return 200, {name: f"{name}-value" for name in fields} | {"id": "act_111", "account_id": "111"}

        with requests_mock.Mocker() as mocker:
            graph(mocker, "act_111", answer)
            output = read_stream("ad_account", ConfigBuilder().build())

        assert not output.errors
        [record] = [r.record.data for r in output.records]
        assert set(record) == set(schema_fields("adaccounts")) - {"business"}
        [warning] = warnings(output)
        assert "act_111" in warning and "business" in warning and "Ad Creative Is Incomplete" in warning

    def test_a_search_that_would_cost_too_much_emits_the_id_and_account_only(self) -> None:
        def answer(fields, query):
            if set(fields) - {"id", "account_id"}:
                return 400, {"error": INCOMPLETE}
            return 200, {"id": "act_111", "account_id": "111"}

        with requests_mock.Mocker() as mocker:
            calls = graph(mocker, "act_111", answer)
            output = read_stream("ad_account", ConfigBuilder().build())

        assert not output.errors
        assert [r.record.data for r in output.records] == [{"id": "act_111", "account_id": "111"}]
        assert len(calls) <= FIELD_SEARCH_CALLS + 2


class TestRefusedFieldOnAnEdge(TestCase):
    def test_a_refused_field_is_found_once_and_left_out_of_every_page_of_that_account(self) -> None:
        pages = {None: (["1", "2"], "c1"), "c1": (["3"], None)}

        def answer(fields, query):
            if "url_tags" in fields:
                return 403, {"error": DENIED}
            ids, after = pages[query.get("after")]
            ids = ids[: int(query["limit"])]
            paging = {"cursors": {"after": after}, "next": f"{API}/next"} if after else {}
            return 200, {"data": [{name: f"{name}-{i}" for name in fields} | {"id": i} for i in ids], "paging": paging}

        with requests_mock.Mocker() as mocker:
            calls = graph(mocker, "act_111/adcreatives", answer)
            output = read_stream("adcreatives", ConfigBuilder().build())

        assert not output.errors
        assert [r.record.data["id"] for r in output.records] == ["1", "2", "3"]
        assert all("url_tags" not in r.record.data and "body" in r.record.data for r in output.records)
        [warning] = warnings(output)
        assert "url_tags" in warning and "act_111" in warning
        assert sum(1 for fields in calls if "url_tags" in fields) <= 8  # the search, not every page

    def test_an_account_refused_whatever_the_fields_fails_the_stream_with_a_config_error(self) -> None:
        with requests_mock.Mocker() as mocker:
            calls = graph(mocker, "act_111/adcreatives", lambda fields, query: (403, {"error": DENIED}))
            output = read_stream("adcreatives", ConfigBuilder().build(), expecting_exception=True)

        assert {e.trace.error.failure_type.value for e in output.errors} == {"config_error"}
        assert "act_111" in output.errors[0].trace.error.message
        assert len(calls) == 2  # the page, then the page with only id and account_id



class TestBrokenObjectOnAFilteredEdge(TestCase):
    def test_an_adset_failing_a_page_is_read_alone_and_every_other_adset_comes_whole_from_filtered_pages(self) -> None:
        adsets = ["1", "2", "3", "4", "5"]

        def answer(fields, query):
            start = int(query.get("after") or 0)
            page = adsets[start : start + int(query["limit"])]
            if "2" in page and "promoted_object" in fields:
                return 400, {"error": INCOMPLETE}
            end = start + len(page)
            paging = {"cursors": {"after": str(end)}, **({"next": f"{API}/next"} if end < len(adsets) else {})}
            return 200, {"data": [{name: f"{name}-{i}" for name in fields} | {"id": i} for i in page], "paging": paging}

        with requests_mock.Mocker() as mocker:
            calls = graph(mocker, "act_111/adsets", answer)
            output = read_stream("adsets", ConfigBuilder().with_page_size(4).build())
            queries = [parse_qs(urlsplit(request.url).query) for request in mocker.request_history]

        assert not output.errors
        records = {r.record.data["id"]: r.record.data for r in output.records}
        assert sorted(records) == adsets
        assert "promoted_object" not in records["2"] and records["2"]["name"] == "name-2"
        assert all("promoted_object" in records[i] for i in adsets if i != "2")
        assert all("filtering" in query for query in queries)
        [warning] = warnings(output)
        assert "object 2 " in warning and "promoted_object" in warning
        assert len(calls) < 30
