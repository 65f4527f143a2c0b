"""The bare declarative baseline as a command: `python -m benchmarks.bare_declarative read --config ... --catalog ...`.

Each stream of benchmarks/bare_declarative.yaml gets the schema of the connector's stream of the same
name and requests the same `fields`, so both read the same data.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource

from source_facebook_ads.stream_shaping import level_schema, load_schema, requested_fields


def bare_manifest() -> dict:
    manifest = yaml.safe_load((Path(__file__).parent / "bare_declarative.yaml").read_text())
    for stream in manifest["streams"]:
        name = stream["name"]
        schema = level_schema("ad") if name == "ad_insights" else load_schema(name)
        stream["schema_loader"] = {"type": "InlineSchemaLoader", "schema": schema}
        stream["$parameters"] = {**stream.get("$parameters", {}), "fields": ",".join(requested_fields(schema))}
    return manifest


def main() -> None:
    args = sys.argv[1:]
    config_path, catalog_path = AirbyteEntrypoint.extract_config(args), AirbyteEntrypoint.extract_catalog(args)
    source = ConcurrentDeclarativeSource(
        source_config=bare_manifest(),
        config=ConcurrentDeclarativeSource.read_config(config_path) if config_path else None,
        catalog=ConcurrentDeclarativeSource.read_catalog(catalog_path) if catalog_path else None,
    )
    launch(source, args)


if __name__ == "__main__":
    main()
