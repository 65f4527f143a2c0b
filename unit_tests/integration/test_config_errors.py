"""Bad config through the console entrypoint: one config_error trace message, no traceback, no secret."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from source_facebook_ads import run as entrypoint
from unit_tests.builders import TOKEN, ConfigBuilder
from unit_tests.config_strategies import configs, token_pieces


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


REFUSED_CONFIGS = [
    ({"base_url": "http://example.com"}, ["base_url", "https", "loopback"]),
    ({"base_url": "ftp://127.0.0.1"}, ["base_url"]),
    ({"base_url": "http://evil.example:80\\@127.0.0.1"}, ["base_url", "'@'"]),
    ({"base_url": "https://graph.facebook.com.example.org"}, ["base_url", "not allowed"]),
    ({"base_url": "http://127.0.0.1:abc"}, ["base_url", "port"]),
    ({"base_url": "http://127.0.0.1:99999"}, ["base_url", "port"]),
    ({"account_ids": ["act_12x"]}, ["account_ids", "act_12x"]),
    ({"account_ids": ["١٢٣"]}, ["account_ids", "is not an ad account id"]),
    ({"account_ids": [], "acount_ids": ["123"]}, ["acount_ids", "did you mean 'account_ids'"]),
    ({"start_date": "31/01/2026"}, ["start_date"]),
    ({"start_date": "2026-02-30"}, ["start_date"]),
    ({"start_date": "9999-01-01"}, ["start_date", "in the future"]),
    ({"start_date": "2026-03-01", "end_date": "2026-02-01"}, ["end_date", "before start_date"]),
    ({"page_size": 0}, ["page_size"]),
    # The pacer's settings: the spec validates them, so the pacer takes them as they come.
    ({"requests_per_second": 0}, ["requests_per_second"]),
    ({"requests_per_second": "fast"}, ["requests_per_second"]),
    ({"max_throttle_wait_minutes": -1}, ["max_throttle_wait_minutes"]),
    ({"api_version": "25"}, ["api_version"]),
    ({"access_token": ""}, ["access_token"]),
    ({"access_token": " \n "}, ["access_token", "whitespace"]),
    ({"access_token": TOKEN[:6] + "\n" + TOKEN[6:]}, ["access_token", "line break"]),
    ({"custom_insights": [{"name": "a", "level": "ad", "fields": ["spend"]}] * 2}, ["custom_insights", "'a'"]),
]


@pytest.mark.parametrize("override, expected_words", REFUSED_CONFIGS)
@pytest.mark.parametrize("command", ["discover", "read"])
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
    assert traces[0].get("stack_trace") is None
    assert all(word in traces[0]["message"] for word in expected_words), traces[0]["message"]
    assert "Traceback" not in everything
    assert TOKEN not in everything


@pytest.mark.parametrize("override, expected_words", REFUSED_CONFIGS)
def test_check_answers_a_refused_config_with_a_failed_status_and_exit_0(
    override: dict, expected_words: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["check", "--config", config_file(tmp_path, ConfigBuilder().with_values(**override).build())]

    exit_code, messages, everything = run_command(argv, capsys)

    statuses = [m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"]
    assert exit_code == 0
    assert [m["type"] for m in messages] == ["CONNECTION_STATUS"]
    assert statuses[0]["status"] == "FAILED"
    assert all(word in statuses[0]["message"] for word in expected_words), statuses[0]["message"]
    assert "Traceback" not in everything
    assert TOKEN not in everything


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "does not exist"),
        ("{not json", "is not valid JSON (line 1, column 2)"),
        ("", "is not valid JSON (line 1, column 1)"),
        (json.dumps([{"access_token": TOKEN}]), "holds a JSON list, not an object"),
        (json.dumps(TOKEN), "holds a JSON string, not an object"),
        ("42", "holds a JSON number, not an object"),
        ("null", "holds a JSON null, not an object"),
        ("[" * 100_000, "is nested too deeply to be a config"),
        ('{"account_ids": ["1"], "account_ids": ["2"]}', "sets 'account_ids' twice in one object"),
    ],
)
@pytest.mark.parametrize("command", ["check", "discover"])
def test_a_config_file_that_is_not_a_json_object_says_what_it_is(
    content: str | None, expected: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.json"
    if content is not None:
        path.write_text(content)

    exit_code, messages, everything = run_command([command, "--config", str(path)], capsys)

    answer = messages[-1]["connectionStatus"] if command == "check" else messages[-1]["trace"]["error"]
    assert f"The config file '{path}' {expected}" in answer["message"]
    assert exit_code == (0 if command == "check" else 1)
    assert "Traceback" not in everything
    assert TOKEN not in everything


def test_a_config_file_starting_with_a_utf8_bom_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(ConfigBuilder().build()).encode())  # as some Windows editors save it

    exit_code, messages, _ = run_command(["discover", "--config", str(path)], capsys)

    assert exit_code == 0 and messages[-1]["type"] == "CATALOG"


def test_an_unknown_key_is_a_warning_line_before_the_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = ConfigBuilder().with_values(page_sise=100).build()

    exit_code, messages, _ = run_command(["discover", "--config", config_file(tmp_path, config)], capsys)

    warnings = [m["log"]["message"] for m in messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"]
    assert exit_code == 0
    assert "Unknown config key 'page_sise' is ignored (did you mean 'page_size'?)." in warnings
    assert messages[-1]["type"] == "CATALOG"


def test_spec_needs_no_config_and_marks_the_token_secret(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, messages, _ = run_command(["spec"], capsys)

    spec = next(m["spec"] for m in messages if m["type"] == "SPEC")
    assert exit_code == 0
    assert spec["connectionSpecification"]["properties"]["access_token"]["airbyte_secret"] is True


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(config=configs())
def test_discover_with_any_config_gives_a_catalog_or_one_config_error_and_never_the_token(
    config: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code, messages, everything = run_command(["discover", "--config", config_file(tmp_path, config)], capsys)

    traces = [m["trace"]["error"] for m in messages if m["type"] == "TRACE"]
    if exit_code == 0:
        assert messages[-1]["type"] == "CATALOG" and not traces
    else:
        assert [trace["failure_type"] for trace in traces] == ["config_error"]
        assert traces[0].get("stack_trace") is None
    assert "Traceback" not in everything
    assert not any(piece in everything for piece in token_pieces())
