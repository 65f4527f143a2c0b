"""The connector: manifest.yaml, plus the three things a manifest cannot say by itself.

1. The user's config is normalised before any stream is built (config.py).
2. The parts of a stream that come from its schema or the config (requested fields, insights
   reports, keys and custom insights streams) are filled in when the manifest loads (stream_shaping.py).
3. `check` verifies every ad account, not only the first partition that CheckStream would read.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, List, Mapping, Optional

from airbyte_cdk.models import AirbyteConnectionStatus, AirbyteStateMessage, ConfiguredAirbyteCatalog, Status
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.components.aimd_pacer import AimdPacer
from source_facebook_ads.config import normalize_config
from source_facebook_ads.stream_shaping import shape_streams


def manifest_path() -> Path:
    """The wheel carries the manifest inside the package; a source checkout keeps it at the repo root."""
    packaged = Path(__file__).parent / "manifest.yaml"
    return packaged if packaged.exists() else Path(__file__).parent.parent / "manifest.yaml"


class SourceFacebookAds(YamlDeclarativeSource):
    def __init__(
        self,
        catalog: Optional[ConfiguredAirbyteCatalog] = None,
        config: Optional[Mapping[str, Any]] = None,
        state: Optional[List[AirbyteStateMessage]] = None,
    ) -> None:
        if config:
            config = normalize_config(config, self.spec_schema())
        self._shaping_config: Mapping[str, Any] = config or {}
        # An absolute path: a relative one would be looked up in the current directory first.
        super().__init__(path_to_yaml=str(manifest_path()), catalog=catalog, config=config, state=state)
        # One pacer per sync, shared by every requester the factory builds (it passes its
        # `_api_budget` to each HttpRequester; the manifest's `api_budget` key only takes the CDK's
        # own budget types, which cannot read Meta's usage headers).
        self._constructor._api_budget = AimdPacer.from_config(config or {})

    @classmethod
    def spec_schema(cls) -> Mapping[str, Any]:
        import yaml

        manifest = yaml.safe_load(manifest_path().read_text())
        return manifest["spec"]["connection_specification"]

    def _read_and_parse_yaml_file(self, path_to_yaml_file: str) -> Any:
        manifest = super()._read_and_parse_yaml_file(path_to_yaml_file)
        if not self._shaping_config:
            return manifest  # `spec` needs no streams
        return shape_streams(manifest, self._shaping_config)

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
