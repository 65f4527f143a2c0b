"""Many accounts waiting on Meta at once: each keeps its connection, and the read says nothing of it.

Meta takes time to answer (~0.4 s on average, seconds for a large page:
facebook/facebook-python-business-sdk#337), so a sync over many accounts has many calls in flight
together.
"""

from __future__ import annotations

import pytest

from integration_tests.conftest import Connector
from integration_tests.emulator import Dataset, GraphEmulator

ACCOUNTS = 48  # more than the 40 connections a host that the CDK's own pool keeps
ANSWER_SECONDS = 0.5


@pytest.fixture
def dataset() -> Dataset:
    return Dataset.generate(accounts=ACCOUNTS, campaigns_per_account=1, seed=31)


def most_answers_in_flight_together(emulator: GraphEmulator) -> int:
    """The most calls that were all in flight at one moment: calls answered within ANSWER_SECONDS of
    each other were all waiting for their answer just before the first of them got it."""
    answered = sorted(request.at for request in emulator.requests)
    return max(sum(1 for later in answered[index:] if later - first <= ANSWER_SECONDS) for index, first in enumerate(answered))


def test_calls_in_flight_together_keep_their_connections_and_print_no_warning(connector: Connector, dataset: Dataset) -> None:
    config = connector.config(account_ids=dataset.accounts, include_deleted=True)
    catalog = connector.catalog(config, ["campaigns"])
    connector.emulator.answer_seconds = ANSWER_SECONDS
    connector.emulator.reset_log()

    result = connector.run("read", config, catalog)

    assert result.returncode == 0, result.stdout[-3000:]
    assert set(result.record_ids("campaigns")) == dataset.expected_ids("campaigns", include_deleted=True)
    assert most_answers_in_flight_together(connector.emulator) > 40
    warnings = [log["log"]["message"] for log in result.of_type("LOG") if log["log"]["level"] in ("WARN", "ERROR")]
    assert not [warning for warning in warnings if "pool" in warning.lower()], warnings
