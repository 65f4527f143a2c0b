"""The airbyte-cdk standard tests over acceptance-test-config.yml, against the Graph API emulator.

The scenario configs (integration_tests/standard/) name a fixed port for a hand-started emulator.
Here one emulator serves the whole module on a free port, and each scenario test receives its
scenario with `base_url` replaced by that emulator's address (`on_emulator`). The Docker image
tests of the suite need a Docker engine: the test command deselects them with
`-m 'not image_tests'`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest
from airbyte_cdk.test.standard_tests import ConnectorTestScenario, SourceTestSuiteBase

from integration_tests.emulator import Dataset, GraphEmulator
from source_facebook_ads.source import SourceFacebookAds

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]

SCENARIO_CONFIG = Path(__file__).parent / "standard" / "config.json"


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    """One emulator for every scenario; it accepts only the token of the succeeding config."""
    token = json.loads(SCENARIO_CONFIG.read_text())["access_token"]
    # Two campaigns per account: basic_read validates every record of every stream, and the breakdown
    # presets multiply the insights rows; every stream still has records.
    with GraphEmulator(Dataset.generate(seed=11, campaigns_per_account=2), token=token) as emulator:
        yield emulator.base_url


def on_emulator(scenario: ConnectorTestScenario, emulator_url: str) -> ConnectorTestScenario:
    """The scenario with its config read from its file and pointed at the running emulator."""
    config = scenario.get_config_dict(
        connector_root=TestStandardSuite.get_connector_root_dir(), empty_if_missing=False
    )
    return scenario.model_copy(update={"config_dict": {**config, "base_url": emulator_url}})


class TestStandardSuite(SourceTestSuiteBase):
    @classmethod
    def create_connector(cls, scenario: ConnectorTestScenario | None) -> SourceFacebookAds:
        # Streams are built from the constructor's config (the suite's default passes none).
        config = (
            scenario.get_config_dict(connector_root=cls.get_connector_root_dir(), empty_if_missing=True)
            if scenario is not None
            else None
        )
        return SourceFacebookAds(config=config or None)

    def test_config_matches_spec(self, scenario: ConnectorTestScenario, emulator_url: str) -> None:
        super().test_config_matches_spec(on_emulator(scenario, emulator_url))

    def test_check(self, scenario: ConnectorTestScenario, emulator_url: str) -> None:
        super().test_check(on_emulator(scenario, emulator_url))

    def test_discover(self, scenario: ConnectorTestScenario, emulator_url: str) -> None:
        super().test_discover(on_emulator(scenario, emulator_url))

    def test_basic_read(self, scenario: ConnectorTestScenario, emulator_url: str) -> None:
        super().test_basic_read(on_emulator(scenario, emulator_url))

    def test_fail_read_with_bad_catalog(self, scenario: ConnectorTestScenario, emulator_url: str) -> None:
        super().test_fail_read_with_bad_catalog(on_emulator(scenario, emulator_url))
