"""Print the manifest as the connector runs it for a config: every stream with its references
resolved and its config-dependent parts (fields, insights reports, keys, custom insights streams)
filled in, so a reader sees each stream without running stream_shaping.py in their head.

    python -m source_facebook_ads.resolved_manifest --config config.json [--stream ad_insights]

The config's values are not printed: templates such as `{{ config['access_token'] }}` stay as
written, so the output is safe to share.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

import yaml


def resolved(config: dict[str, Any], stream: Optional[str] = None) -> dict[str, Any]:
    """The shaped manifest with its `$ref`s resolved; `$parameters` stay where they are written
    (the CDK copies them into every component when it builds them, which would only repeat them)."""
    from airbyte_cdk.sources.declarative.parsers.manifest_reference_resolver import ManifestReferenceResolver

    from source_facebook_ads.source import SourceFacebookAds, shaped_manifest

    normalized = SourceFacebookAds(config=config).normalized_config
    manifest = ManifestReferenceResolver().preprocess_manifest(shaped_manifest(normalized))
    if stream is None:
        return manifest
    matching = [entry for entry in manifest.get("streams", []) if entry.get("name") == stream]
    if not matching:
        names = ", ".join(entry.get("name", "?") for entry in manifest.get("streams", []))
        raise SystemExit(f"No stream '{stream}' for this config. Streams: {names}")
    return matching[0]


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, type=Path, help="a connector config (JSON)")
    parser.add_argument("--stream", help="print only this stream")
    args = parser.parse_args(argv)
    config = json.loads(args.config.read_text())
    yaml.safe_dump(resolved(config, args.stream), sys.stdout, sort_keys=False, default_flow_style=False, width=120)


if __name__ == "__main__":
    main()
