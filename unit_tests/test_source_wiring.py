"""How the source hands its components to the CDK.

The manifest goes in through the CDK's public `source_config` argument. The private CDK hooks that
remain, each pinned by a test that fails loudly when the CDK moves:
- `ModelToComponentFactory._api_budget`: the one AimdPacer of a sync reaches every requester
  (test_every_requester_shares_the_one_pacer_of_the_sync, below);
- `AsyncJobOrchestrator._job_repository`: report runs that fail are re-run as half windows
  (components/report_window_splitting.py raises at build time without it; unit_tests/integration/
  test_insights_async.py reads through it).
The source's `message_repository` (which AirbyteEntrypoint drains around each command) carries the
config's warnings: unit_tests/integration/test_config_errors.py::test_an_unknown_key_is_a_warning_line_before_the_answer.
Two CDK behaviours the object streams rely on, proven by their read tests:
- the factory hands a custom component that declares `api_budget` the same pacer, which the ad account
  routers use as the key of their one account list per sync (unit_tests/integration/test_account_list.py);
- an exception raised by the error handler's `interpret_response` reaches the requester's caller
  (components/object_isolation.py catches RefusedRead; unit_tests/integration/test_object_isolation.py).
"""

from __future__ import annotations

import json
import subprocess
import sys

import yaml

from source_facebook_ads.components.aimd_pacer import AimdPacer
from source_facebook_ads.source import RECORD_QUEUE_SIZE, SourceFacebookAds, manifest_path
from unit_tests.builders import ConfigBuilder


def test_every_requester_shares_the_one_pacer_of_the_sync() -> None:
    source = SourceFacebookAds(config=ConfigBuilder().build())

    streams = source.streams(source._config)

    pacer = source._constructor._api_budget
    assert isinstance(pacer, AimdPacer)
    requesters = [
        stream._stream_partition_generator._partition_factory._retriever.requester
        for stream in streams
        if hasattr(stream, "_stream_partition_generator")
    ]
    assert requesters, "no requester found: the CDK's stream layout changed, revisit this test"
    # An object stream's requester wraps the HttpRequester (components/object_isolation.py).
    http_requesters = [getattr(requester, "requester", requester) for requester in requesters]
    assert all(requester._http_client._api_budget is pacer for requester in http_requesters)


def test_the_manifest_declares_no_api_budget_that_would_replace_the_pacer() -> None:
    assert "api_budget" not in yaml.safe_load(manifest_path().read_text())


class TestResolvedManifestCommand:
    """`python -m source_facebook_ads.resolved_manifest --config C` shows each stream as it runs."""

    def run(self, tmp_path, config: dict, *args: str) -> subprocess.CompletedProcess:
        config_file = tmp_path / "config.json"
        config_file.write_text(json.dumps(config))
        return subprocess.run(
            [sys.executable, "-m", "source_facebook_ads.resolved_manifest", "--config", str(config_file), *args],
            capture_output=True, text=True, timeout=120,
        )

    def test_prints_a_custom_insights_stream_with_its_report_and_key_and_never_the_token(self, tmp_path) -> None:
        config = ConfigBuilder().with_values(custom_insights=[{"name": "by_age", "level": "ad", "fields": ["spend"], "breakdowns": ["age"]}]).build()

        completed = self.run(tmp_path, config)

        assert completed.returncode == 0, completed.stderr
        manifest = yaml.safe_load(completed.stdout)
        streams = {stream["name"]: stream for stream in manifest["streams"]}
        custom = streams["custom_insights_by_age"]
        assert custom["primary_key"] == ["ad_id", "date_start", "age"]
        assert custom["$parameters"]["breakdowns"] == "age"
        assert "$ref" not in completed.stdout
        assert config["access_token"] not in completed.stdout + completed.stderr

    def test_stream_option_prints_one_stream(self, tmp_path) -> None:
        completed = self.run(tmp_path, ConfigBuilder().build(), "--stream", "campaigns")

        assert completed.returncode == 0, completed.stderr
        assert yaml.safe_load(completed.stdout)["name"] == "campaigns"


def test_the_record_queue_between_workers_and_the_main_thread_is_short() -> None:
    source = SourceFacebookAds(config=ConfigBuilder().build())

    # One queue object carries records (ConcurrentSource) and messages (the message repository).
    assert source._concurrent_source._queue.maxsize == RECORD_QUEUE_SIZE
    assert source._message_repository._queue is source._concurrent_source._queue
