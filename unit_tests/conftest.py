"""In-process builds of the source: the CDK's work on a manifest done once per distinct manifest.

Each SourceFacebookAds a test builds costs ~0.7 CPU-s, nearly all of it the CDK loading its component
schema, resolving and typing the shaped manifest, and validating the result: pure functions of the
manifest, which hundreds of tests repeat on the same few manifests. Here each distinct manifest still
goes through the CDK's own code, once per test process; every later build with an equal manifest gets
a copy of its own of that result, so no build sees what another changed. A manifest that fails
validation is never remembered: it fails again on every build.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, Iterator

import orjson
import pytest
from airbyte_cdk.sources.declarative import concurrent_declarative_source as cdk_source
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource


def _as_json(value: Any) -> bytes | None:
    """The manifest as JSON, keys in their order (it shows in schemas and requests); None unless JSON
    gives it back equal (a date, a tuple...): then nothing is cached."""
    try:
        dumped = orjson.dumps(value)
    except TypeError:
        return None
    return dumped if orjson.loads(dumped) == value else None


def _processed_once(process: Callable[[Any, Dict[str, Any]], Dict[str, Any]]) -> Callable[[Any, Dict[str, Any]], Dict[str, Any]]:
    processed: dict[bytes, bytes] = {}

    @functools.wraps(process)
    def pre_process_manifest(source: Any, manifest: Dict[str, Any]) -> Dict[str, Any]:
        key = _as_json(manifest)
        if key is not None and key in processed:
            return orjson.loads(processed[key])
        result = process(source, manifest)
        copy = _as_json(result)
        if key is not None and copy is not None:
            processed[key] = copy
        return result

    return pre_process_manifest


def _validated_once(validate: Callable[[Any], None]) -> Callable[[Any], None]:
    valid: set[bytes] = set()

    @functools.wraps(validate)
    def validate_source(source: Any) -> None:
        key = _as_json(source._source_config)
        if key is not None and key in valid:
            return
        validate(source)  # raises on an invalid manifest, which is then never remembered
        if key is not None:
            valid.add(key)

    return validate_source


@pytest.fixture(autouse=True, scope="session")
def manifests_processed_once_per_test_process() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cdk_source, "get_declarative_component_schema", functools.cache(cdk_source.get_declarative_component_schema))
        patch.setattr(ConcurrentDeclarativeSource, "_pre_process_manifest", _processed_once(ConcurrentDeclarativeSource._pre_process_manifest))
        patch.setattr(ConcurrentDeclarativeSource, "_validate_source", _validated_once(ConcurrentDeclarativeSource._validate_source))
        yield
