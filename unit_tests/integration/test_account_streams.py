"""me, adaccounts, businesses and ad_account: the token's own view of its accounts."""

from __future__ import annotations

from unittest import TestCase

from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.builders import ConfigBuilder, fields_of, graph_object, graph_page, graph_request, read_stream


class TestMeStream(TestCase):
    def test_read_returns_the_system_user_as_one_record(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(graph_request("me", fields=fields_of("me")), graph_object({"id": "42", "name": "Sync Bot"}))

            output = read_stream("me", ConfigBuilder().build())

        assert [r.record.data for r in output.records] == [{"id": "42", "name": "Sync Bot"}]


class TestAdaccountsStream(TestCase):
    def test_read_pages_me_adaccounts_until_next_is_absent(self) -> None:
        request = lambda **p: graph_request("me/adaccounts", fields=fields_of("adaccounts"), limit="500", **p)
        with HttpMocker() as http_mocker:
            http_mocker.get(request(), graph_page([{"id": "act_1", "account_id": "1"}], after="p2"))
            http_mocker.get(request(after="p2"), graph_page([{"id": "act_2", "account_id": "2"}], after="p3"))
            http_mocker.get(request(after="p3"), graph_page([{"id": "act_3", "account_id": "3"}]))

            output = read_stream("adaccounts", ConfigBuilder().build())

        assert [r.record.data["id"] for r in output.records] == ["act_1", "act_2", "act_3"]


class TestBusinessesStream(TestCase):
    def test_read_uses_the_configured_page_size_as_limit(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(
                graph_request("me/businesses", fields=fields_of("businesses"), limit="50"),
                graph_page([{"id": "9", "name": "Acme"}]),
            )

            output = read_stream("businesses", ConfigBuilder().with_page_size(50).build())

        assert [r.record.data["name"] for r in output.records] == ["Acme"]


class TestAdAccountStream(TestCase):
    def test_read_fetches_each_configured_account_object(self) -> None:
        with HttpMocker() as http_mocker:
            for account_id in ("111", "222"):
                http_mocker.get(
                    graph_request(f"act_{account_id}", fields=fields_of("ad_account")),
                    graph_object({"id": f"act_{account_id}", "account_id": account_id, "currency": "EUR"}),
                )

            output = read_stream("ad_account", ConfigBuilder().with_account_ids("111", "act_222").build())

        assert sorted(r.record.data["id"] for r in output.records) == ["act_111", "act_222"]
