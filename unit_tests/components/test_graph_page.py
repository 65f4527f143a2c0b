"""Graph pages: parsed once for every component that reads them (issue 10)."""

from __future__ import annotations

import json
from typing import Any

from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.declarative.decoders.composite_raw_decoder import JsonParser
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.builders import ConfigBuilder, fields_of, graph_page, graph_request, insights_status_filter, read_stream


def insights_request(account: str, since: str, until: str, **params: str) -> Any:
    return graph_request(
        f"act_{account}/insights", fields=fields_of("ad_insights"), level="ad", time_increment="1",
        time_range=json.dumps({"since": since, "until": until}, sort_keys=True),
        action_breakdowns="action_type", **insights_status_filter("ad"), limit="500", **params,
    )


def test_a_read_of_large_pages_over_many_accounts_and_windows_gives_every_row() -> None:
    accounts = ["111", "222", "333"]
    windows = [("2026-11-01", "2026-11-07"), ("2026-11-08", "2026-11-14")]
    config = (
        ConfigBuilder().with_start_date("2026-11-01").with_values(end_date="2026-11-14", insights_window_days=7)
        .with_account_ids(*accounts).build()
    )

    def rows(account: str, day: str, page: int) -> list[dict[str, Any]]:
        return [
            {"account_id": account, "ad_id": f"{page}-{i}", "ad_name": "n" * 300, "date_start": day, "date_stop": day}
            for i in range(250)
        ]

    with HttpMocker() as http_mocker:
        for account in accounts:
            for since, until in windows:
                http_mocker.get(insights_request(account, since, until), graph_page(rows(account, since, 1), after="p2"))
                http_mocker.get(insights_request(account, since, until, after="p2"), graph_page(rows(account, since, 2)))
        output = read_stream("ad_insights", config, SyncMode.incremental)

    assert not output.errors
    assert len(output.records) == len(accounts) * len(windows) * 2 * 250
    read = {(r.record.data["account_id"], r.record.data["date_start"], r.record.data["ad_id"]) for r in output.records}
    assert len(read) == len(output.records)


def test_a_page_is_parsed_once_for_the_error_handler_paginator_and_extractor(monkeypatch) -> None:
    parses = []
    cdk_parse = JsonParser.parse
    monkeypatch.setattr(JsonParser, "parse", lambda self, data: parses.append(1) or cdk_parse(self, data))
    config = ConfigBuilder().with_start_date("2026-11-01").with_values(end_date="2026-11-01").build()
    row = {"account_id": "111", "date_start": "2026-11-01", "date_stop": "2026-11-01"}
    with HttpMocker() as http_mocker:
        first_page = insights_request("111", "2026-11-01", "2026-11-01")
        http_mocker.get(first_page, graph_page([{**row, "ad_id": "1"}], after="p2"))
        http_mocker.get(insights_request("111", "2026-11-01", "2026-11-01", after="p2"), graph_page([{**row, "ad_id": "2"}]))
        output = read_stream("ad_insights", config)

    assert sorted(r.record.data["ad_id"] for r in output.records) == ["1", "2"]
    assert parses == []  # the CDK's JSON parser (the paginator's own decoder) never ran
