"""How often a read prints its per-account state, through `read` with mocked HTTP."""

from __future__ import annotations

import itertools
from unittest import mock

from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.builders import ConfigBuilder, fields_of, graph_page, graph_request, read_stream, updated_since_filter

START = "2026-01-01"
START_UNIX = 1767225600


def campaigns_of_accounts(http_mocker: HttpMocker, accounts: list[str]) -> None:
    for account in accounts:
        request = graph_request(
            f"act_{account}/campaigns", fields=fields_of("campaigns"), limit="500",
            filtering=updated_since_filter("campaign", START_UNIX),
        )
        http_mocker.get(request, graph_page([{"id": f"{account}0", "account_id": account, "updated_time": "2026-11-01T10:00:00+0000"}]))


def test_state_output_grows_linearly_with_accounts_and_the_last_state_names_every_account() -> None:
    """Each closed window (here an account of `campaigns`) once printed the whole state, one entry per
    account: 40 accounts printed 41 states and ~1,500 entries. Now at most 10 entries per closed window."""
    accounts = [str(1000 + number) for number in range(40)]
    with HttpMocker() as http_mocker:
        campaigns_of_accounts(http_mocker, accounts)

        output = read_stream("campaigns", ConfigBuilder().with_account_ids(*accounts).with_start_date(START).build(), SyncMode.incremental)

    assert not output.errors and len(output.records) == len(accounts)
    states = [message.state.stream.stream_state.__dict__["states"] for message in output.state_messages]
    entries = sum(len(state) for state in states)
    assert entries <= 10 * len(accounts) + len(accounts), f"{len(states)} states of {entries} entries for {len(accounts)} windows"
    assert len(states) <= 10 + 2, [len(state) for state in states]
    final = {entry["partition"]["account_id"]: entry["cursor"]["updated_time"] for entry in states[-1]}
    assert final == {account: "2026-11-01T10:00:00+0000" for account in accounts}


def test_a_read_of_few_accounts_prints_a_state_after_every_window() -> None:
    """Up to 10 accounts nothing is coalesced: a killed sync re-reads only what was in flight."""
    accounts = ["111", "222", "333"]
    with HttpMocker() as http_mocker:
        campaigns_of_accounts(http_mocker, accounts)

        output = read_stream("campaigns", ConfigBuilder().with_account_ids(*accounts).with_start_date(START).build(), SyncMode.incremental)

    # One per closed window, and the CDK's own at the stream's end.
    assert len(output.state_messages) == len(accounts) + 1


def test_a_minute_without_a_state_prints_one_at_the_next_closed_window() -> None:
    """Coalescing never holds back a state for longer than a minute of closed windows: with a clock
    that moves 61 s per window, 20 accounts (otherwise one state per 2 windows) print one per window."""
    accounts = [str(1000 + number) for number in range(20)]
    minutes = itertools.count(start=1_800_000_000, step=61)
    with HttpMocker() as http_mocker, mock.patch("source_facebook_ads.components.window_checkpoints.time") as clock:
        clock.time.side_effect = lambda: next(minutes)
        campaigns_of_accounts(http_mocker, accounts)

        output = read_stream("campaigns", ConfigBuilder().with_account_ids(*accounts).with_start_date(START).build(), SyncMode.incremental)

    assert not output.errors
    assert len(output.state_messages) == len(accounts) + 1
