"""Bad config through the console entrypoint: one config_error trace message, no traceback, no secret."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from source_facebook_ads import run as entrypoint
from unit_tests.builders import TOKEN, ConfigBuilder


def run_command(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict], str]:
    exit_code = 0
    old_argv = sys.argv
    sys.argv = ["source-facebook-ads", *argv]
    try:
        entrypoint.run()
    except SystemExit as stop:
        exit_code = int(stop.code or 0)
    finally:
        sys.argv = old_argv
    captured = capsys.readouterr()
    messages = [json.loads(line) for line in captured.out.splitlines() if line.startswith("{")]
    return exit_code, messages, captured.out + captured.err


def config_file(tmp_path: Path, config: dict) -> str:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return str(path)


@pytest.mark.parametrize(
    "override, expected_words",
    [
        ({"base_url": "http://example.com"}, ["base_url", "https", "loopback"]),
        ({"base_url": "ftp://127.0.0.1"}, ["base_url"]),
        ({"account_ids": ["act_12x"]}, ["account_ids", "act_12x"]),
        ({"start_date": "31/01/2026"}, ["start_date"]),
        ({"start_date": "2026-02-30"}, ["start_date"]),
        ({"start_date": "2026-03-01", "end_date": "2026-02-01"}, ["end_date", "before start_date"]),
        ({"page_size": 0}, ["page_size"]),
        ({"api_version": "25"}, ["api_version"]),
        ({"access_token": ""}, ["access_token"]),
    ],
)
@pytest.mark.parametrize("command", ["check", "discover", "read"])
def test_bad_config_ends_with_one_config_error_trace_and_no_traceback(
    override: dict, expected_words: list[str], command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command, "--config", config_file(tmp_path, ConfigBuilder().with_values(**override).build())]
    if command == "read":
        catalog = {"streams": []}
        (tmp_path / "catalog.json").write_text(json.dumps(catalog))
        argv += ["--catalog", str(tmp_path / "catalog.json")]

    exit_code, messages, everything = run_command(argv, capsys)

    traces = [m["trace"]["error"] for m in messages if m["type"] == "TRACE"]
    assert exit_code != 0
    assert len(traces) == 1
    assert traces[0]["failure_type"] == "config_error"
    assert all(word in traces[0]["message"] for word in expected_words), traces[0]["message"]
    assert "Traceback" not in everything
    assert TOKEN not in everything


def test_config_that_is_not_json_is_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.json"
    path.write_text("{not json")

    exit_code, messages, everything = run_command(["check", "--config", str(path)], capsys)

    assert exit_code != 0
    assert messages[-1]["trace"]["error"]["failure_type"] == "config_error"
    assert "Traceback" not in everything


def test_spec_needs_no_config_and_marks_the_token_secret(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, messages, _ = run_command(["spec"], capsys)

    spec = next(m["spec"] for m in messages if m["type"] == "SPEC")
    assert exit_code == 0
    assert spec["connectionSpecification"]["properties"]["access_token"]["airbyte_secret"] is True
