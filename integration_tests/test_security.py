"""The access token goes only to Meta: never into output, never onto disk, not even when a sync is stopped.

The autouse fixture in conftest.py scans every byte each run prints; these tests make the runs
where a leak would happen (issue 9, items 2, 3, 4 and 10).
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from integration_tests.conftest import TOKEN, Connector
from integration_tests.emulator import Fault
from integration_tests.token_leaks import token_leaks

# Each /ads page takes this long: a sync is surely still running when it is signalled.
SLOW_PAGE_SECONDS = 30


def files_holding_the_token(directory: Path) -> list[str]:
    holding = []
    for path in directory.rglob("*"):
        if path.is_file() and token_leaks(path.read_bytes().decode("utf-8", "replace"), TOKEN):
            holding.append(str(path.relative_to(directory)))
    return holding


class TestTokenQuotedByMeta:
    def test_meta_error_text_quoting_a_url_with_the_token_leaves_it_out_of_the_trace(self, connector: Connector) -> None:
        config = connector.config()
        catalog = connector.catalog(config, ["campaigns"])
        connector.emulator.inject(Fault("error_quotes_token", path_pattern=r"/campaigns$", times=None))

        result = connector.run("read", config, catalog)

        assert result.returncode != 0
        internal = [error["internal_message"] or "" for error in result.errors]
        assert any("could not be processed" in text for text in internal), "Meta's words should reach the trace"
        for error in result.errors:
            for key in ("message", "internal_message", "stack_trace"):
                leaks = token_leaks(error.get(key) or "", TOKEN)
                assert leaks == [], key


# A token copied with its line ending, or with a space in front (issue 9, item 2).
MALFORMED_PASTES = {"trailing newline": TOKEN + "\n", "trailing CRLF": TOKEN + "\r\n", "leading space": " " + TOKEN}


class TestTokenPastedBadly:
    @pytest.mark.parametrize("paste", MALFORMED_PASTES.values(), ids=MALFORMED_PASTES.keys())
    def test_check_prints_no_form_of_the_token(self, connector: Connector, paste: str) -> None:
        result = connector.run("check", connector.config(access_token=paste))

        assert result.messages, "the command answered nothing"
        leaks = token_leaks(result.stdout + result.stderr, TOKEN)
        assert leaks == []

    def test_read_with_a_trailing_newline_prints_no_form_of_the_token(self, connector: Connector) -> None:
        catalog = connector.catalog(connector.config(), ["campaigns"])

        result = connector.run("read", connector.config(access_token=TOKEN + "\n"), catalog)

        assert result.messages, "the command answered nothing"
        leaks = token_leaks(result.stdout + result.stderr, TOKEN)
        assert leaks == []


class TestStoppedSync:
    def slow_read(self, connector: Connector, tmpdir: Path):
        config = connector.config()
        catalog = connector.catalog(config, ["campaigns", "ads"])
        connector.emulator.inject(Fault("slow", path_pattern=r"/ads$", seconds=SLOW_PAGE_SECONDS, times=None))
        read = connector.read_until_first_record(config, catalog, tmpdir)
        assert read.process.poll() is None, "the read ended before it could be stopped"
        return read

    def test_killed_sync_leaves_no_copy_of_the_token_on_disk(self, connector: Connector, tmp_path: Path) -> None:
        tmpdir = tmp_path / "tmp"
        tmpdir.mkdir()
        read = self.slow_read(connector, tmpdir)

        read.stop(signal.SIGKILL)

        assert files_holding_the_token(tmpdir) == []

    def test_sigterm_ends_the_sync_within_10_seconds_leaving_nothing_on_disk(self, connector: Connector, tmp_path: Path) -> None:
        tmpdir = tmp_path / "tmp"
        tmpdir.mkdir()
        read = self.slow_read(connector, tmpdir)

        started = time.monotonic()
        result = read.stop(signal.SIGTERM)
        elapsed = time.monotonic() - started

        assert elapsed < 10
        assert result.returncode == 143  # 128 + SIGTERM
        assert result.stdout.endswith("\n"), "the last message printed must be whole"
        assert result.records("campaigns")
        assert list(tmpdir.iterdir()) == []
