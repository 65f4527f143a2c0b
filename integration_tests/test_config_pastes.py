"""Configs as careless users paste them, through the installed command against the emulator.

A pasted token keeps working when only surrounding whitespace is extra, and is refused before any
request, without being printed, when a break sits inside it; a base_url that would send the token
elsewhere is refused before any request (issue 9).
"""

from __future__ import annotations

import pytest

from integration_tests.conftest import TOKEN, Connector

pytestmark = pytest.mark.slow


def printed(run) -> str:
    return run.stdout + run.stderr


class TestPastedToken:
    def test_a_token_pasted_with_a_trailing_newline_checks_fine_and_is_never_printed(self, connector: Connector) -> None:
        run = connector.run("check", connector.config(access_token=f" {TOKEN}\r\n"))

        assert [status["connectionStatus"]["status"] for status in run.of_type("CONNECTION_STATUS")] == ["SUCCEEDED"]
        assert connector.emulator.requests
        assert TOKEN not in printed(run)

    def test_a_token_split_by_a_line_break_fails_check_before_any_request_and_is_never_printed(self, connector: Connector) -> None:
        split = f"{TOKEN[:12]}\n{TOKEN[12:]}"
        run = connector.run("check", connector.config(access_token=split))

        status = run.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
        assert status["status"] == "FAILED" and status["message"].startswith("access_token contains a line break")
        assert run.returncode == 0
        assert connector.emulator.requests == []
        assert TOKEN[:12] not in printed(run) and TOKEN[12:] not in printed(run)


class TestBaseUrl:
    def test_a_base_url_that_urllib3_reads_as_another_host_is_refused_before_any_request(self, connector: Connector) -> None:
        loopback = connector.emulator.base_url.removeprefix("http://")
        # urllib.parse reads the host after the `@`; urllib3, which sends the request, reads attacker.invalid.
        run = connector.run("check", connector.config(base_url=f"http://attacker.invalid:80\\@{loopback}"))

        status = run.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
        assert status["status"] == "FAILED" and status["message"].startswith("base_url '")
        assert run.returncode == 0
        assert connector.emulator.requests == []
        assert TOKEN not in printed(run)
