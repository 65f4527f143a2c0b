"""Airbyte's own entry point for connector tests, `airbyte-cdk connector test`, on a checkout.

The command finds the connector by its folder name (`source-facebook-ads`) and runs the CDK's
standard suite over acceptance-test-config.yml. Here the checkout is a copy of the tracked files
in such a folder, with the scenario configs pointed at an emulator on a free port (the committed
configs name the port of a hand-started emulator, as README.md says). The Docker image tests are
deselected: they need a Docker engine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from integration_tests.emulator import Dataset, GraphEmulator

REPO = Path(__file__).resolve().parent.parent
AIRBYTE_CDK = Path(sys.executable).with_name("airbyte-cdk")


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    return listed.stdout.splitlines()


@pytest.mark.slow
def test_airbyte_cdk_connector_test_passes_on_a_checkout(tmp_path: Path) -> None:
    checkout = tmp_path / "source-facebook-ads"
    for name in tracked_files():
        if (REPO / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, checkout / name)
    scenarios = checkout / "integration_tests" / "standard"
    token = json.loads((scenarios / "config.json").read_text())["access_token"]

    # Two campaigns per account, as in test_standard_suite.py: the suite reads every stream and
    # validates every record; the presets multiply the insights rows, and every stream still has records.
    with GraphEmulator(Dataset.generate(seed=11, campaigns_per_account=2), token=token) as emulator:
        for scenario in scenarios.glob("*.json"):
            config = json.loads(scenario.read_text())
            scenario.write_text(json.dumps({**config, "base_url": emulator.base_url}))
        completed = subprocess.run(
            [str(AIRBYTE_CDK), "connector", "test", "--pytest-arg=-m", "--pytest-arg=not image_tests",
             "--pytest-arg=-p", "--pytest-arg=no:cacheprovider"],
            cwd=checkout, capture_output=True, text=True, timeout=300,
        )

    summary = completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else ""
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert " passed" in summary and "failed" not in summary, summary
