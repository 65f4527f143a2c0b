"""Pacing and error handling end to end: the installed command against a throttling, failing emulator."""

from __future__ import annotations

from collections import Counter

import pytest

from integration_tests.conftest import Connector
from integration_tests.emulator import Dataset, Fault

PAGED_STREAMS = ["campaigns", "adsets", "ads"]


def paged_config(connector: Connector, **overrides: object) -> dict:
    # Small pages and deleted objects included: every stream spans several pages, so a fault can
    # land in the middle of one.
    return connector.config(**{"page_size": 5, "include_deleted": True, "requests_per_second": 20, **overrides})


def assert_equals_ground_truth(result, dataset: Dataset) -> None:
    assert result.returncode == 0, result.stdout[-3000:]
    assert not result.errors
    for stream in PAGED_STREAMS:
        ids = result.record_ids(stream)
        assert len(ids) == len(set(ids)), f"{stream} has duplicates"
        assert set(ids) == dataset.expected_ids(stream, include_deleted=True), stream


class TestThrottledSync:
    def test_sync_under_a_tight_per_account_budget_completes_with_every_record(self, connector: Connector, dataset: Dataset) -> None:
        emulator = connector.emulator
        emulator.set_budget(calls=4, window_seconds=2)  # 2 calls/s per account; we start at 4/s
        config = paged_config(connector, requests_per_second=4, account_ids=dataset.accounts)
        catalog = connector.catalog(config, PAGED_STREAMS)
        emulator.reset_log()

        result = connector.run("read", config, catalog)

        assert_equals_ground_truth(result, dataset)
        calls = len(emulator.requests)
        throttled = sum(1 for request in emulator.requests if request.throttled)
        print(f"tight budget: {calls} calls, {throttled} throttled")
        assert 0 < throttled < calls / 4
        assert any("Pacing act_" in line for line in result.stdout.splitlines())


FAULTS = [
    Fault("http_500", path_pattern=r"/ads$", after=1),
    Fault("code_1", path_pattern=r"/ads$", after=1),
    Fault("code_2", path_pattern=r"/adsets$", after=1),
    Fault("buc_80004", path_pattern=r"/ads$", after=1, seconds=1),
    Fault("http_429", path_pattern=r"/campaigns$", after=1, seconds=1),
    Fault("truncated_json", path_pattern=r"/ads$", after=1),
    Fault("html_502", path_pattern=r"/adsets$", after=1),
    Fault("connection_reset", path_pattern=r"/ads$", after=1),
    Fault("slow", path_pattern=r"/ads$", after=1, seconds=7),
    Fault("error_in_200", path_pattern=r"/campaigns$", after=1),
    Fault("reduce_data_code_1", path_pattern=r"/ads$", after=1),
    Fault("empty_page_with_next", path_pattern=r"/ads$", after=1),
]


class TestFaultsMidStream:
    @pytest.mark.parametrize("fault", FAULTS, ids=[fault.kind for fault in FAULTS])
    def test_sync_with_a_fault_mid_stream_still_equals_ground_truth(self, connector: Connector, dataset: Dataset, fault: Fault) -> None:
        # "Reduce the amount of data" halves the page down to 25: start above it so there is room.
        page_size = 50 if fault.kind == "reduce_data_code_1" else 5
        config = paged_config(connector, request_timeout_seconds=5, page_size=page_size)
        catalog = connector.catalog(config, PAGED_STREAMS)
        connector.emulator.inject(fault)

        result = connector.run("read", config, catalog)

        assert fault.fired >= 1, f"{fault.kind} never fired"
        assert_equals_ground_truth(result, dataset)


class TestFatalErrors:
    """A fault the user must fix ends the sync with a config_error, and nothing is retried."""

    def run_with(self, connector: Connector, config: dict):
        catalog = connector.catalog(connector.config())
        connector.emulator.reset_log()
        result = connector.run("read", config, catalog)
        attempts = Counter((r.method, r.path, tuple(sorted(r.query.items()))) for r in connector.emulator.requests)
        return result, attempts

    def test_bad_token_stops_the_sync_after_the_first_answers(self, connector: Connector) -> None:
        result, attempts = self.run_with(connector, connector.config(access_token="EAAG-revoked", requests_per_second=20))

        assert result.returncode != 0
        assert result.errors and {e["failure_type"] for e in result.errors} == {"config_error"}
        assert "token" in result.errors[0]["message"]
        # Concurrent workers may each have one request in flight when the first 190 arrives (two
        # streams can be asking /me/adaccounts at that moment); after it, nothing more is sent.
        assert sum(attempts.values()) <= 8

    def test_permission_error_names_the_account_and_is_not_retried(self, connector: Connector, dataset: Dataset) -> None:
        account = dataset.accounts[0]
        dataset.no_permission_accounts.add(account)

        result, attempts = self.run_with(connector, connector.config(account_ids=[account], requests_per_second=20))

        assert result.returncode != 0
        assert {e["failure_type"] for e in result.errors} == {"config_error"}
        assert any(account in e["message"] for e in result.errors)
        assert max(attempts.values()) == 1

    def test_unknown_account_is_named_and_asked_about_once(self, connector: Connector) -> None:
        result, attempts = self.run_with(connector, connector.config(account_ids=["act_424242"], requests_per_second=20))

        assert result.returncode != 0
        # Every error is the account's config_error: a system_error beside it was CPython's AST race
        # (interpreter_guards.py), about once in six runs under load before the guard.
        assert {e["failure_type"] for e in result.errors} == {"config_error"}, [(e["failure_type"], e["message"]) for e in result.errors]
        assert any("act_424242" in e["message"] for e in result.errors)
        assert sum(1 for (_, path, _) in attempts if "act_424242" in path) <= 4
        assert max(attempts.values()) == 1
