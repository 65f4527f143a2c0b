"""Meta's app-level limit is one for every account of the app: the installed command backs off
for all of them together, on the X-App-Usage every answer carries and on the app limit's code 4.

Meta: X-App-Usage is the app's usage, shared by every account, user and connection of the app;
once the app reaches its limit every further call of the app fails (code 4) until the window
lets calls out again.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from integration_tests.conftest import Connector
from integration_tests.emulator import Dataset, GraphEmulator

STREAMS = ["campaigns", "adsets", "ads"]


@pytest.fixture
def dataset() -> Dataset:
    return Dataset.generate(accounts=4, campaigns_per_account=10, seed=23)


def config(connector: Connector, dataset: Dataset, **overrides: object) -> dict:
    # Pages of 10: about ten calls per account, enough for a pace to show.
    return connector.config(account_ids=dataset.accounts, page_size=10, include_deleted=True, **overrides)


def requests_per_second_by_account(emulator: GraphEmulator) -> dict[str, float]:
    """Each account's calls over the time it spent sending them."""
    times = defaultdict(list)
    for request in emulator.requests:
        if request.account_id:
            times[request.account_id].append(request.at)
    return {account: (len(at) - 1) / (max(at) - min(at)) for account, at in times.items() if len(at) > 2}


def test_high_app_usage_slows_every_account_not_only_its_own(connector: Connector, dataset: Dataset) -> None:
    emulator = connector.emulator
    emulator.set_app_budget(calls=10_000, window_seconds=600)
    catalog = connector.catalog(config(connector, dataset), STREAMS)

    # The app idle: every account ramps up from 2 requests/s, as its own usage shows headroom.
    emulator.reset_log()
    idle = connector.run("read", config(connector, dataset), catalog)
    assert idle.returncode == 0, idle.stdout[-3000:]
    ramped = requests_per_second_by_account(emulator)

    # Other connections of the same app have used 92% of it: every answer, of every account, says so.
    emulator.clear_budgets()
    emulator.set_app_budget(calls=10_000, window_seconds=600)
    emulator.spend_app_calls(9_200)
    emulator.reset_log()
    busy = connector.run("read", config(connector, dataset), catalog)

    assert busy.returncode == 0, busy.stdout[-3000:]
    assert not any(request.throttled for request in emulator.requests)
    assert set(busy.record_ids("ads")) == dataset.expected_ids("ads", include_deleted=True)
    paced = requests_per_second_by_account(emulator)
    assert set(paced) == set(dataset.accounts)
    assert min(ramped.values()) > 3.0, ramped
    # No account grows past the 2 requests/s it starts at: the shared figure holds all of them.
    assert max(paced.values()) < 2.2, paced


def test_the_app_limit_stops_every_account_at_once(connector: Connector, dataset: Dataset) -> None:
    emulator = connector.emulator
    # 20 calls for the app, each call 5% of it: no ramp; the limit is reached mid-read. With no throttle
    # wait allowed, the read ends at the first code 4 instead of waiting (Meta states no wait for it).
    emulator.set_app_budget(calls=20, window_seconds=600)
    read_config = config(connector, dataset, max_throttle_wait_minutes=0)
    catalog = connector.catalog(read_config, STREAMS)
    emulator.clear_budgets()
    emulator.set_app_budget(calls=20, window_seconds=600)
    emulator.reset_log()

    result = connector.run("read", read_config, catalog)

    refused = [request for request in emulator.requests if request.throttled]
    throttle_errors = [error for error in result.errors if error["message"].startswith("Meta kept throttling")]
    assert throttle_errors and all(error["failure_type"] == "transient_error" for error in throttle_errors)
    assert all("every request of this Meta app" in error["message"] for error in throttle_errors), throttle_errors
    assert refused, "the app limit was never reached"
    # Only what was already on the wire when the first code 4 came back meets the limit: the other
    # accounts do not each spend a call to learn what one answer already said.
    assert len(refused) <= 2, [(request.account_id, request.path) for request in refused]
    assert len({request.account_id for request in refused}) < len(dataset.accounts)
