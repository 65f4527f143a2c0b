"""The wheel as users get it: built, installed into a fresh venv, run from a directory outside the repo."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from integration_tests.conftest import Connector
from integration_tests.connector import configured_catalog, write_json
from integration_tests.emulator import Dataset

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(root / "dist"), str(REPO)],
        check=True, capture_output=True, text=True,
    )
    wheel = next((root / "dist").glob("source_facebook_ads-*.whl"))
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", str(wheel)], check=True)
    # Only our wheel is installed fresh; its dependencies (airbyte-cdk and friends) are borrowed
    # from the test environment through a .pth file, which keeps this test seconds long. The
    # venv's own site-packages comes first on sys.path, so `source_facebook_ads` is the wheel's.
    site_packages = next(venv.glob("lib/python*/site-packages"))
    (site_packages / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def run_installed(venv: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "source-facebook-ads"), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def messages(completed: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


class TestPackagedWheel:
    def test_the_wheel_carries_the_manifest_and_every_schema(self, fresh_venv: Path, tmp_path: Path) -> None:
        probe = subprocess.run(
            [str(fresh_venv / "bin" / "python"), "-c",
             "import source_facebook_ads, pathlib; p = pathlib.Path(source_facebook_ads.__file__).parent;"
             "print(p); print((p / 'manifest.yaml').is_file()); print(len(list((p / 'schemas').glob('*.json'))))"],
            cwd=tmp_path, capture_output=True, text=True, check=True,
        )
        package_dir, has_manifest, schema_count = probe.stdout.split()

        assert package_dir.startswith(str(fresh_venv))
        assert has_manifest == "True"
        assert int(schema_count) == len(list((REPO / "source_facebook_ads" / "schemas").glob("*.json")))

    def test_spec_and_read_work_from_a_directory_without_the_repo(
        self, fresh_venv: Path, connector: Connector, dataset: Dataset, tmp_path: Path
    ) -> None:
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        # A stray manifest where the command runs must not replace the packaged one.
        (elsewhere / "manifest.yaml").write_text("version: 0.0.0\nstreams: []\n")
        config = connector.config(requests_per_second=20)
        config_path = write_json(elsewhere / "config.json", config)

        spec = run_installed(fresh_venv, ["spec"], elsewhere)
        discovered = run_installed(fresh_venv, ["discover", "--config", config_path], elsewhere)
        catalog = configured_catalog(next(m for m in messages(discovered) if m["type"] == "CATALOG")["catalog"], ["me", "campaigns"])
        read = run_installed(
            fresh_venv, ["read", "--config", config_path, "--catalog", write_json(elsewhere / "catalog.json", catalog)], elsewhere
        )

        assert any(m["type"] == "SPEC" for m in messages(spec))
        records = [m["record"] for m in messages(read) if m["type"] == "RECORD"]
        assert {r["data"]["id"] for r in records if r["stream"] == "campaigns"} == dataset.expected_ids("campaigns")
        assert [r["data"]["id"] for r in records if r["stream"] == "me"] == [dataset.user.id]
