"""A source built with no arguments, as Airbyte's `airbyte-cdk connector test` builds it.

That harness finds the class on the package (`source_facebook_ads.SourceFacebookAds`), builds it
with no config and passes the scenario's config to each command.
"""

from __future__ import annotations

import logging
from unittest import TestCase

from airbyte_cdk.models import Status
from airbyte_cdk.test.entrypoint_wrapper import discover, read
from airbyte_cdk.test.mock_http import HttpMocker

import source_facebook_ads
from unit_tests.builders import ConfigBuilder, catalog, fields_of, graph_object, graph_request


class TestSourceBuiltWithoutConfig(TestCase):
    def test_the_package_exports_the_source_class(self) -> None:
        assert source_facebook_ads.SourceFacebookAds.__name__ == "SourceFacebookAds"

    def test_check_reads_me_at_the_configured_api(self) -> None:
        config = ConfigBuilder().with_account_ids("111").build()
        with HttpMocker() as http_mocker:
            http_mocker.get(graph_request("me", fields=fields_of("me")), graph_object({"id": "1", "name": "bot"}))
            http_mocker.get(
                graph_request("act_111", fields=fields_of("ad_account")),
                graph_object({"id": "act_111", "account_id": "111"}),
            )

            status = source_facebook_ads.SourceFacebookAds().check(logging.getLogger("test"), config)

        assert status.status == Status.SUCCEEDED, status.message

    def test_discover_lists_the_streams_of_the_config(self) -> None:
        config = ConfigBuilder().with_values(custom_insights=[{"name": "by_age", "level": "ad", "fields": ["spend"], "breakdowns": ["age"]}]).build()

        output = discover(source_facebook_ads.SourceFacebookAds(), config)

        names = {stream.name for stream in output.catalog.catalog.streams}
        assert {"campaigns", "ad_insights", "custom_insights_by_age"} <= names

    def test_read_requests_the_schema_fields(self) -> None:
        config = ConfigBuilder().build()
        with HttpMocker() as http_mocker:
            http_mocker.get(graph_request("me", fields=fields_of("me")), graph_object({"id": "42", "name": "Sync Bot"}))

            output = read(source_facebook_ads.SourceFacebookAds(), config, catalog("me"))

        assert [r.record.data for r in output.records] == [{"id": "42", "name": "Sync Bot"}]

    def test_check_answers_a_refused_config_with_a_failed_status(self) -> None:
        config = ConfigBuilder().with_account_ids("123-456").build()

        status = source_facebook_ads.SourceFacebookAds().check(logging.getLogger("test"), config)

        assert status.status == Status.FAILED
        assert status.message.startswith("account_ids: '123-456' is not an ad account id")

    def test_discover_logs_the_config_warnings(self) -> None:
        output = discover(source_facebook_ads.SourceFacebookAds(), ConfigBuilder().with_values(page_sise=100).build())

        warnings = [log.log.message for log in output.logs if log.log.level.value == "WARN"]
        assert "Unknown config key 'page_sise' is ignored (did you mean 'page_size'?)." in warnings
