"""How the source hands its components to the CDK (private hooks, so pinned by tests)."""

from __future__ import annotations

import yaml

from source_facebook_ads.components.aimd_pacer import AimdPacer
from source_facebook_ads.source import SourceFacebookAds, manifest_path
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
    assert all(requester._http_client._api_budget is pacer for requester in requesters)


def test_the_manifest_declares_no_api_budget_that_would_replace_the_pacer() -> None:
    assert "api_budget" not in yaml.safe_load(manifest_path().read_text())
