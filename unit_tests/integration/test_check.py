"""`check`: the token works for /me and for every configured ad account; a failure names the account."""

from __future__ import annotations

import json
import logging
from datetime import date
from unittest import TestCase

from airbyte_cdk.models import Status
from airbyte_cdk.test.mock_http import HttpMocker

from source_facebook_ads.run import _build_source
from source_facebook_ads.source import SourceFacebookAds
from unit_tests.builders import TOKEN, ConfigBuilder, fields_of, graph_error, graph_object, graph_request


def check(config: dict):
    return SourceFacebookAds(config=config).check(logging.getLogger("test"), config)


class TestCheck(TestCase):
    def test_check_succeeds_when_me_and_every_account_answer(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(graph_request("me", fields=fields_of("me")), graph_object({"id": "1", "name": "bot"}))
            for account_id in ("111", "222"):
                http_mocker.get(
                    graph_request(f"act_{account_id}", fields=fields_of("ad_account")),
                    graph_object({"id": f"act_{account_id}", "account_id": account_id}),
                )

            status = check(ConfigBuilder().with_account_ids("111", "222").build())

        assert status.status == Status.SUCCEEDED

    def test_check_names_the_account_the_token_cannot_see(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(graph_request("me", fields=fields_of("me")), graph_object({"id": "1", "name": "bot"}))
            http_mocker.get(
                graph_request("act_111", fields=fields_of("ad_account")),
                graph_object({"id": "act_111", "account_id": "111"}),
            )
            http_mocker.get(
                graph_request("act_222", fields=fields_of("ad_account")),
                graph_error(400, 100, 33, "Unsupported get request. Object with ID 'act_222' does not exist"),
            )

            status = check(ConfigBuilder().with_account_ids("111", "222").build())

        assert status.status == Status.FAILED
        assert "act_222" in status.message
        assert "act_111" not in status.message
        assert TOKEN not in status.message

    def test_check_with_a_bad_token_says_to_generate_a_new_one(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(
                graph_request("me", fields=fields_of("me")),
                graph_error(400, 190, 463, "Error validating access token: Session has expired"),
            )

            status = check(ConfigBuilder().build())

        assert status.status == Status.FAILED
        assert "token" in status.message.lower()
        assert TOKEN not in status.message


def test_the_check_command_builds_only_the_streams_check_reads(tmp_path) -> None:
    # The CDK resolves, copies and validates every stream of the manifest it is given (issue 10: start-up).
    config = ConfigBuilder().with_account_ids("111").build()
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))

    source = _build_source(["check", "--config", str(config_path)])
    with HttpMocker() as http_mocker:
        http_mocker.get(graph_request("me", fields=fields_of("me")), graph_object({"id": "1", "name": "bot"}))
        http_mocker.get(graph_request("act_111", fields=fields_of("ad_account")), graph_object({"id": "act_111", "account_id": "111"}))
        status = source.check(logging.getLogger("test"), config)

    assert [stream["name"] for stream in source.resolved_manifest["streams"]] == ["me", "ad_account"]
    assert status.status == Status.SUCCEEDED
    discovered = _build_source(["discover", "--config", str(config_path)]).resolved_manifest["streams"]
    assert {"campaigns", "ad_account", "ad_insights"} <= {stream["name"] for stream in discovered}


class TestCheckApiVersion(TestCase):
    """api_version v25.0 (the default), which Meta retires on 2027-02-23; `today` is injected."""

    def check_on(self, today: date):
        config = ConfigBuilder().build()
        with HttpMocker() as http_mocker:
            http_mocker.get(graph_request("me", fields=fields_of("me")), graph_object({"id": "1", "name": "bot"}))
            http_mocker.get(
                graph_request("act_111", fields=fields_of("ad_account")), graph_object({"id": "act_111", "account_id": "111"})
            )
            logger = logging.getLogger("test.check")
            with self.assertLogs(logger, level="INFO") as logs:
                logger.info("check starts")
                status = SourceFacebookAds(config=config, today=lambda: today).check(logger, config)
        return status, [line for line in logs.output if line.startswith("WARNING")]

    def test_check_warns_when_the_api_version_expires_within_60_days(self) -> None:
        status, warnings = self.check_on(date(2027, 1, 10))
        assert status.status == Status.SUCCEEDED
        assert len(warnings) == 1 and "v25.0" in warnings[0] and "2027-02-23" in warnings[0]

    def test_check_does_not_warn_earlier(self) -> None:
        status, warnings = self.check_on(date(2026, 12, 1))
        assert status.status == Status.SUCCEEDED
        assert warnings == []
