"""The object streams' per-record path does no per-record work a page, a schema or a template could do (issue 10).

Each test reads `campaigns` through `read` with mocked HTTP and counts the CDK calls that used to run
once per record; the records and the state are what they were.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.declarative.datetime.datetime_parser import DatetimeParser
from airbyte_cdk.sources.declarative.interpolation.jinja import JinjaInterpolation
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.builders import ConfigBuilder, fields_of, graph_page, graph_request, read_stream, updated_since_filter

START = datetime(2026, 11, 1, tzinfo=timezone.utc)
CONFIG = ConfigBuilder().with_start_date("2026-11-01").build()


def campaigns(count: int) -> list[dict]:
    """`count` campaigns of account 111, updated a minute apart after the start date."""
    return [
        {"id": str(i), "account_id": "111", "name": f"c{i}", "daily_budget": "5000",
         "updated_time": (START + timedelta(minutes=i + 1)).strftime("%Y-%m-%dT%H:%M:%S+0000")}
        for i in range(count)
    ]


def read_campaigns(records: list[dict]):
    request = graph_request(
        "act_111/campaigns", fields=fields_of("campaigns"), limit="500",
        filtering=updated_since_filter("campaign", int(START.timestamp())),
    )
    with HttpMocker() as http_mocker:
        http_mocker.get(request, graph_page(records))
        return read_stream("campaigns", CONFIG, SyncMode.incremental)


def test_updated_time_in_metas_shape_is_parsed_without_strptime(monkeypatch) -> None:
    parsed = []
    cdk_parse = DatetimeParser.parse
    monkeypatch.setattr(DatetimeParser, "parse", lambda self, date, format: parsed.append(date) or cdk_parse(self, date, format))
    records = campaigns(200)

    output = read_campaigns(records)

    assert [r.record.data["id"] for r in output.records] == [r["id"] for r in records]
    final_state = output.most_recent_state.stream_state.__dict__["states"]
    assert [entry["cursor"]["updated_time"] for entry in final_state] == [records[-1]["updated_time"]]
    # The CDK's parser (strptime) sees only the config's start date, never a record's timestamp.
    assert not {record["updated_time"] for record in records} & set(parsed)


def test_no_template_is_rendered_per_record(monkeypatch) -> None:
    def renders(count: int) -> int:
        rendered = []
        cdk_eval = JinjaInterpolation.eval
        monkeypatch.setattr(JinjaInterpolation, "eval", lambda self, *args, **kwargs: rendered.append(args[0]) or cdk_eval(self, *args, **kwargs))
        output = read_campaigns(campaigns(count))
        monkeypatch.setattr(JinjaInterpolation, "eval", cdk_eval)
        assert len(output.records) == count
        return len(rendered)

    assert renders(200) == renders(1)
