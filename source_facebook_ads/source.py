"""The connector: manifest.yaml, plus the three things a manifest cannot say by itself.

1. Every stream requests exactly the fields its schema declares (`$parameters.fields` is filled
   from `schemas/<stream>.json` when the manifest is loaded), so request and schema cannot drift.
2. The user's config is normalised before any stream is built (see config.py).
3. `check` verifies every ad account, not only the first partition that CheckStream would read.
"""

from __future__ import annotations

import json
import logging
from importlib import resources
from pathlib import Path
from typing import Any, List, Mapping, Optional

from airbyte_cdk.models import AirbyteConnectionStatus, AirbyteStateMessage, ConfiguredAirbyteCatalog, Status
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.config import normalize_config

PACKAGE = "source_facebook_ads"


def manifest_path() -> Path:
    """The wheel carries the manifest inside the package; a source checkout keeps it at the repo root."""
    packaged = Path(__file__).parent / "manifest.yaml"
    return packaged if packaged.exists() else Path(__file__).parent.parent / "manifest.yaml"


def schema_fields(stream_name: str) -> list[str]:
    """The Graph `fields` a stream requests: its schema's top-level properties, in schema order."""
    schema_file = resources.files(PACKAGE) / "schemas" / f"{stream_name}.json"
    return list(json.loads(schema_file.read_text())["properties"])


class SourceFacebookAds(YamlDeclarativeSource):
    def __init__(
        self,
        catalog: Optional[ConfiguredAirbyteCatalog] = None,
        config: Optional[Mapping[str, Any]] = None,
        state: Optional[List[AirbyteStateMessage]] = None,
    ) -> None:
        if config:
            config = normalize_config(config, self.spec_schema())
        # An absolute path: a relative one would be looked up in the current directory first.
        super().__init__(path_to_yaml=str(manifest_path()), catalog=catalog, config=config, state=state)

    @classmethod
    def spec_schema(cls) -> Mapping[str, Any]:
        import yaml

        manifest = yaml.safe_load(manifest_path().read_text())
        return manifest["spec"]["connection_specification"]

    def _read_and_parse_yaml_file(self, path_to_yaml_file: str) -> Any:
        manifest = super()._read_and_parse_yaml_file(path_to_yaml_file)
        for name, stream in manifest.get("definitions", {}).get("streams", {}).items():
            parameters = stream.setdefault("$parameters", {})
            parameters.setdefault("fields", ",".join(schema_fields(name)))
        return manifest

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        status = super().check(logger, config)
        if status.status != Status.SUCCEEDED:
            return status
        problems = self._unusable_accounts()
        if problems:
            return AirbyteConnectionStatus(status=Status.FAILED, message=" ".join(problems))
        return status

    def _unusable_accounts(self) -> list[str]:
        """Read `ad_account` for every account; collect one sentence per account that fails."""
        streams = {stream.name: stream for stream in self.streams(self._config)}
        problems: list[str] = []
        for partition in streams["ad_account"].generate_partitions():
            try:
                for _ in partition.read():
                    pass
            except AirbyteTracedException as error:
                problems.append(error.message or str(error))
        return problems
