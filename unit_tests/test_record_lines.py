"""RECORD lines: the CDK's bytes, written by the connector itself; every other message the CDK's way."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import orjson
import pytest
from airbyte_cdk import entrypoint as cdk_entrypoint
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import (
    AirbyteLogMessage,
    AirbyteMessage,
    AirbyteRecordMessage,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStreamState,
    ConfiguredAirbyteCatalogSerializer,
    Level,
    StreamDescriptor,
    Type,
)
from airbyte_cdk.test.mock_http import HttpMocker
from hypothesis import given, settings
from hypothesis import strategies as st

from source_facebook_ads import record_lines
from source_facebook_ads import run as entrypoint
from unit_tests.builders import ConfigBuilder, catalog, fields_of, graph_page, graph_request

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=15,
)


def record_message(data: dict, stream: str = "ad_insights", emitted_at: int = 1764700000000, **more) -> AirbyteMessage:
    return AirbyteMessage(type=Type.RECORD, record=AirbyteRecordMessage(stream=stream, data=data, emitted_at=emitted_at, **more))


class TestRecordLine:
    @settings(max_examples=300, deadline=None)
    @given(data=st.dictionaries(st.text(max_size=10), json_values, max_size=8), stream=st.text(min_size=1, max_size=12),
           emitted_at=st.integers(0, 2**62))
    def test_a_record_line_is_byte_for_byte_the_cdks(self, data, stream, emitted_at) -> None:
        message = record_message(data, stream, emitted_at)
        assert record_lines.record_line(message) == AirbyteEntrypoint.airbyte_message_to_string(message)

    def test_a_record_with_a_namespace_or_meta_and_every_other_message_is_left_to_the_cdk(self) -> None:
        state = AirbyteStateMessage(
            type=AirbyteStateType.STREAM,
            stream=AirbyteStreamState(stream_descriptor=StreamDescriptor(name="ads")),
        )
        others = [
            record_message({"id": "1"}, namespace="meta_ads"),
            AirbyteMessage(type=Type.STATE, state=state),
            AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=Level.INFO, message="hello")),
        ]
        assert [record_lines.record_line(message) for message in others] == [None, None, None]

    def test_a_record_orjson_cannot_write_is_left_to_the_cdk(self) -> None:
        too_large = 2**64  # orjson writes integers of up to 64 bits
        assert record_lines.record_line(record_message({"reach": too_large})) is None


def read_through_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    """Every message the console command prints for a read of adcreatives over two mocked pages."""
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(ConfigBuilder().build()))
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(catalog("adcreatives"))))
    request = graph_request("act_111/adcreatives", fields=fields_of("adcreatives"), limit="500")
    with HttpMocker() as http_mocker:
        http_mocker.get(request, graph_page([{"id": "1", "name": "é \u2028 \"quoted\""}, {"id": "2"}], after="c1"))
        http_mocker.get(graph_request("act_111/adcreatives", fields=fields_of("adcreatives"), limit="500", after="c1"),
                        graph_page([{"id": "3", "spend": 1.5}]))
        old_argv = sys.argv
        sys.argv = ["source-facebook-ads", "read", "--config", str(config_path), "--catalog", str(catalog_path)]
        try:
            entrypoint.run()
        finally:
            sys.argv = old_argv
    return [orjson.loads(line) for line in capsys.readouterr().out.split("\n") if line.startswith("{")]


def comparable(messages: list[dict]) -> list[dict]:
    """The messages without what differs between two reads: emission times and log and debug lines, whose
    place among the records depends on thread timing."""
    kept = []
    for message in messages:
        if message["type"] in ("LOG", "DEBUG"):
            continue
        message = json.loads(json.dumps(message))
        message.get("record", {}).pop("emitted_at", None)
        message.get("trace", {}).pop("emitted_at", None)
        kept.append(message)
    return kept


class TestReadCommand:
    def test_a_read_writes_its_record_lines_itself_and_the_rest_through_the_cdk(self, tmp_path, capsys, monkeypatch) -> None:
        through_the_cdk = []
        cdk_line = AirbyteEntrypoint.airbyte_message_to_string

        def counted(message: AirbyteMessage) -> str:
            through_the_cdk.append(message.type)
            return cdk_line(message)

        monkeypatch.setattr(AirbyteEntrypoint, "airbyte_message_to_string", staticmethod(counted))
        messages = read_through_the_command(tmp_path, capsys)

        assert [m["record"]["data"]["id"] for m in messages if m["type"] == "RECORD"] == ["1", "2", "3"]
        assert Type.RECORD not in through_the_cdk
        assert Type.STATE in through_the_cdk  # the CDK still writes, and counts, the rest
        final_state = [m for m in messages if m["type"] == "STATE"][-1]
        assert final_state["state"]["sourceStats"]["recordCount"] == 3.0

    def test_a_read_prints_what_the_cdks_launch_prints_in_the_same_order(self, tmp_path, capsys, monkeypatch) -> None:
        ours = read_through_the_command(tmp_path, capsys)
        monkeypatch.setattr(entrypoint, "launch", cdk_entrypoint.launch)
        cdks = read_through_the_command(tmp_path, capsys)

        assert comparable(ours) == comparable(cdks)
        assert [m["type"] for m in comparable(ours)].count("RECORD") == 3
