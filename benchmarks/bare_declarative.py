"""The bare declarative baseline as a command: `python -m benchmarks.bare_declarative read --config ... --catalog ...`."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource

from source_facebook_ads.stream_shaping import level_schema


def main() -> None:
    args = sys.argv[1:]
    manifest = yaml.safe_load((Path(__file__).parent / "bare_declarative.yaml").read_text())
    schema = level_schema("ad")
    stream = manifest["streams"][0]
    stream["schema_loader"]["schema"] = schema
    stream["$parameters"] = {"fields": ",".join(schema["properties"])}
    config_path, catalog_path = AirbyteEntrypoint.extract_config(args), AirbyteEntrypoint.extract_catalog(args)
    source = ConcurrentDeclarativeSource(
        source_config=manifest,
        config=ConcurrentDeclarativeSource.read_config(config_path) if config_path else None,
        catalog=ConcurrentDeclarativeSource.read_catalog(catalog_path) if catalog_path else None,
    )
    launch(source, args)


if __name__ == "__main__":
    main()
