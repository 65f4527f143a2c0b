"""The ad account list behind every per-account stream when `account_ids` is empty."""

from __future__ import annotations

from unittest import TestCase

from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.mock_http import HttpMocker

from source_facebook_ads.source import SourceFacebookAds
from unit_tests.builders import ConfigBuilder, fields_of, graph_object, graph_page, graph_request

PER_ACCOUNT_STREAMS = ["ad_account", "adcreatives", "custom_audiences"]


def account_list_request(**params: str):
    return graph_request("me/adaccounts", fields="account_id", limit="500", **params)


class TestAccountList(TestCase):
    def test_one_sync_lists_the_accounts_once_with_only_account_id_for_every_per_account_stream(self) -> None:
        config = ConfigBuilder().with_account_ids().build()
        catalog = CatalogBuilder()
        for stream in PER_ACCOUNT_STREAMS:
            catalog.with_stream(stream, SyncMode.full_refresh)
        configured = catalog.build()
        with HttpMocker() as http_mocker:
            first_page, second_page = account_list_request(), account_list_request(after="p2")
            http_mocker.get(first_page, graph_page([{"account_id": "111", "id": "act_111"}], after="p2"))
            http_mocker.get(second_page, graph_page([{"account_id": "222", "id": "act_222"}]))
            for account_id in ("111", "222"):
                http_mocker.get(
                    graph_request(f"act_{account_id}", fields=fields_of("ad_account")),
                    graph_object({"id": f"act_{account_id}", "account_id": account_id}),
                )
                for stream, edge in (("adcreatives", "adcreatives"), ("custom_audiences", "customaudiences")):
                    http_mocker.get(
                        graph_request(f"act_{account_id}/{edge}", fields=fields_of(stream), limit="500"),
                        graph_page([{"id": f"{stream}-{account_id}"}]),
                    )

            source = SourceFacebookAds(catalog=configured, config=config)
            output = read(source, config, configured)

            assert not output.errors
            assert len(output.records) == 6
            http_mocker.assert_number_of_calls(first_page, 1)
            http_mocker.assert_number_of_calls(second_page, 1)

    def test_the_adaccounts_stream_keeps_its_full_read(self) -> None:
        config = ConfigBuilder().with_account_ids().build()
        with HttpMocker() as http_mocker:
            http_mocker.get(
                graph_request("me/adaccounts", fields=fields_of("adaccounts"), limit="500"),
                graph_page([{"id": "act_111", "account_id": "111", "name": "Acme"}]),
            )
            configured = CatalogBuilder().with_stream("adaccounts", SyncMode.full_refresh).build()
            output = read(SourceFacebookAds(catalog=configured, config=config), config, configured)

        assert [r.record.data["name"] for r in output.records] == ["Acme"]
