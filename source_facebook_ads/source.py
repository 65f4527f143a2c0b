"""The connector: manifest.yaml, plus what a manifest cannot say by itself.

1. The user's config is normalised before any stream is built (config.py).
2. The parts of a stream that come from its schema or the config (requested fields, insights
   reports, keys and custom insights streams) are filled in before the CDK reads the manifest
   (stream_shaping.py); `python -m source_facebook_ads.resolved_manifest --config C` shows the result.
3. `check` verifies every ad account, not only the first partition that CheckStream would read,
   and has Meta validate the configured insights reports (breakdowns, fields) with one-day reads
   (check_reads.py); its sources are built with only the streams it reads (`only_streams`).
4. `read` logs a line per stream when it finishes: records per ad account and elapsed time; a source
   built with a catalog builds only the catalog's streams.
5. `check` and `read` warn about insights settings Meta answers with nulls or no rows (silent_nulls.py).
6. Changes to what the CDK builds (component_factory.py): a whole answer is bounded by
   request_timeout_seconds, per-account state is written after every closed window, and each
   account's insights windows end at its today (its time zone is read once per sync).
"""

from __future__ import annotations

import copy
import functools
import logging
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Collection, Iterator, List, Mapping, Optional

from airbyte_cdk.models import (
    AirbyteCatalog,
    AirbyteConnectionStatus,
    AirbyteLogMessage,
    AirbyteMessage,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    FailureType,
    Level,
    Status,
    Type,
)
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource
from airbyte_cdk.sources.declarative.models.declarative_component_schema import HttpRequester as HttpRequesterModel
from airbyte_cdk.sources.message import InMemoryMessageRepository
from airbyte_cdk.utils.yaml_loader import safe_load_yaml
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads import component_factory
from source_facebook_ads import log_filters
from source_facebook_ads.api_versions import expiry_warning
from source_facebook_ads.components.account_today import AccountToday
from source_facebook_ads.components.aimd_pacer import AimdPacer
from source_facebook_ads.config_file import read_config_file
from source_facebook_ads.insights_progress import InsightsProgress, account_cursors, insights_plans, state_dict
from source_facebook_ads.progress import SyncProgress
from source_facebook_ads.silent_nulls import silent_null_warnings
from source_facebook_ads.stream_shaping import shape_streams


log_filters.install()

# Records waiting for the main thread, which only serialises them: enough that it never waits while
# the page slot's holder hands its rows on (components/pages_in_flight.py). More only wait in memory:
# a queue of a whole page (500) peaked 7 MB higher over 175k insights rows, at the same CPU.
RECORD_QUEUE_SIZE = 150


def manifest_path() -> Path:
    """The wheel carries the manifest inside the package; a source checkout keeps it at the repo root."""
    packaged = Path(__file__).parent / "manifest.yaml"
    return packaged if packaged.exists() else Path(__file__).parent.parent / "manifest.yaml"


@functools.cache
def _packaged_manifest() -> Mapping[str, Any]:
    """manifest.yaml as written, parsed once per process (check builds several sources)."""
    return safe_load_yaml(manifest_path().read_text())


def shaped_manifest(config: Optional[Mapping[str, Any]], only_streams: Optional[Collection[str]] = None) -> dict[str, Any]:
    """The manifest a source runs for a normalised config (none: for `spec`, which needs no streams).

    With `only_streams`, the other streams are left out: the CDK resolves, copies and validates the
    whole manifest when a source is built and builds every stream of it for `read`, and the insights
    streams carry their schemas inline: about 0.3 CPU-s that `check` (two streams) and a `read` of a
    few streams do not use (issue 10). Parent streams live in `definitions` (`account_list`): they stay.
    `python -m source_facebook_ads.resolved_manifest --config C` prints it with every reference resolved.
    """
    manifest = copy.deepcopy(dict(_packaged_manifest()))  # the CDK resolves references in place
    if config:
        shape_streams(manifest, config)
    if only_streams is not None:
        definitions = manifest["definitions"]
        definitions["streams"] = {name: stream for name, stream in definitions["streams"].items() if name in only_streams}
        manifest["streams"] = [ref for ref in manifest["streams"] if ref["$ref"].rsplit("/", 1)[-1] in only_streams]
    return manifest


def check_streams() -> list[str]:
    """The streams `check` reads: the manifest's CheckStream's, then `ad_account` of every account (check_reads.py)."""
    return [*_packaged_manifest()["check"]["stream_names"], "ad_account"]


class SourceFacebookAds(ConcurrentDeclarativeSource):
    def __init__(
        self,
        catalog: Optional[ConfiguredAirbyteCatalog] = None,
        config: Optional[Mapping[str, Any]] = None,
        state: Optional[List[AirbyteStateMessage]] = None,
        today: Callable[[], date] = lambda: datetime.now(timezone.utc).date(),
        only_streams: Optional[Collection[str]] = None,
    ) -> None:
        self._today = today
        warnings: list[str] = []
        if config:
            # Imported here: `spec` needs no config, and the config model's pydantic costs it 0.15 s.
            from source_facebook_ads.config import normalize_config

            config, warnings = normalize_config(config, today=today())
        self._shaping_config: Mapping[str, Any] = config or {}
        if only_streams is None and catalog is not None and catalog.streams:
            # A source built for `read` builds the catalog's streams only; a catalog stream the manifest
            # lacks is reported by the CDK's read as before (its status INCOMPLETE). Other states untouched.
            only_streams = [configured.stream.name for configured in catalog.streams]
        # The shaped manifest goes in through the CDK's public `source_config` argument.
        super().__init__(
            catalog=catalog or ConfiguredAirbyteCatalog(streams=[]),
            config=config or {},
            state=state or [],
            source_config=shaped_manifest(config, only_streams),
        )
        self._config_warnings = InMemoryMessageRepository()
        for warning in warnings:
            self._config_warnings.emit_message(
                AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=Level.WARN, message=warning))
            )
        # One pacer per sync, shared by every requester the factory builds (it passes its
        # `_api_budget` to each HttpRequester; the manifest's `api_budget` key only takes the CDK's
        # own budget types, which cannot read Meta's usage headers). A private hook, as is the queue
        # below: unit_tests/test_source_wiring.py lists and pins them.
        self._constructor._api_budget = AimdPacer.from_config(config or {})
        component_factory.adopt(self._constructor)
        self._constructor.workers = self.resolved_manifest["concurrency_level"]["max_concurrency"]
        if config:  # built by the adopted factory, so its answers are bounded like every other
            self._constructor.account_today = self._account_today(config)
        # The CDK's record queue holds up to 10,000 records between the workers and the main thread:
        # with insights rows (~77 fields, ~30 arrays each) that alone is ~150 MB. The main thread only
        # serialises, so a short queue costs no throughput (issue 10: peak RSS).
        self._concurrent_source._queue.maxsize = RECORD_QUEUE_SIZE

    def _account_today(self, config: Mapping[str, Any]) -> AccountToday:
        definition = self.resolved_manifest["definitions"]["account_time_zone_requester"]
        requester = self._constructor.create_component(HttpRequesterModel, definition, config, name="account_time_zone")
        return AccountToday(requester)

    @property
    def normalized_config(self) -> Mapping[str, Any]:
        """The config the streams were built from: defaults filled in, ids and dates made canonical."""
        return self._shaping_config

    @property
    def message_repository(self) -> InMemoryMessageRepository:
        """The config's warnings: the entrypoint emits this queue as LOG lines around a command's output."""
        return self._config_warnings

    @staticmethod
    def read_config(config_path: str) -> dict[str, Any]:
        """Used by run.py and again by the CDK's entrypoint: both read the file the same way."""
        return read_config_file(config_path)

    @classmethod
    def spec_schema(cls) -> Mapping[str, Any]:
        """The spec's JSON schema."""
        return _packaged_manifest()["spec"]["connection_specification"]

    def configure(self, config: Mapping[str, Any], temp_dir: str) -> Mapping[str, Any]:
        # The CDK's configure returns this and also writes it, token included, to temp_dir, which a
        # killed sync leaves behind (issue 9, item 4). Nothing reads that copy: keep it in memory only.
        return self._shaping_config or config

    def _built_for(
        self,
        config: Mapping[str, Any],
        catalog: Optional[ConfiguredAirbyteCatalog] = None,
        state: Optional[list] = None,
        only_streams: Optional[Collection[str]] = None,
    ) -> Optional["SourceFacebookAds"]:
        """A source built for `config` when this one was built without any, else None.

        Streams come from the constructor's config. Harnesses that build the source with no
        arguments and pass the config to each command (Airbyte's `airbyte-cdk connector test`)
        get a source built from that config instead of an unshaped manifest.
        """
        if self._shaping_config or not config:
            return None
        configured = type(self)(catalog=catalog, config=config, state=state, today=self._today, only_streams=only_streams)
        for warning in configured.message_repository.consume_queue():
            self._config_warnings.emit_message(warning)  # this source's queue is the one the entrypoint reads
        return configured

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: Optional[List[AirbyteStateMessage]] = None,
    ) -> Iterator[AirbyteMessage]:
        configured = self._built_for(config, catalog, state)
        if configured is not None:
            yield from configured.read(logger, configured.normalized_config, catalog, state)
            return
        for warning in self._silent_null_warnings():
            yield AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=Level.WARN, message=warning))
        progress = SyncProgress(insights=self._insights_progress(state))
        try:
            yield from progress.watch(super().read(logger, config, catalog, state))
        finally:
            # Also after a failed read: what the sync spent is most useful when it was throttled.
            for line in self._constructor._api_budget.summary_lines():
                logger.info(line)

    def _insights_progress(self, state: Optional[List[AirbyteStateMessage]]) -> InsightsProgress:
        """What the progress lines of the insights streams count: each stream's days and saved state."""
        sinces = {
            stream["name"]: stream["$parameters"]["since"]
            for stream in self.resolved_manifest.get("streams", [])
            if "since" in (stream.get("$parameters") or {})
        }
        saved = {
            message.stream.stream_descriptor.name: account_cursors(state_dict(message.stream.stream_state))
            for message in state or []
            if message.stream is not None
        }
        return InsightsProgress(insights_plans(self._shaping_config, sinces), saved)

    def discover(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteCatalog:
        configured = self._built_for(config)
        if configured is not None:
            return configured.discover(logger, configured.normalized_config)
        return super().discover(logger, config)

    def _silent_null_warnings(self) -> list[str]:
        if not self._shaping_config:
            return []
        return silent_null_warnings(self._shaping_config, self._today())

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        try:
            configured = self._built_for(config, only_streams=check_streams())
        except AirbyteTracedException as refused:
            if refused.failure_type != FailureType.config_error:
                raise
            return AirbyteConnectionStatus(status=Status.FAILED, message=refused.message)  # as run.py answers it
        if configured is not None:
            return configured.check(logger, configured.normalized_config)
        version_warning = expiry_warning(str(self._shaping_config.get("api_version", "")), self._today())
        if version_warning:
            logger.warning(version_warning)
        for warning in self._silent_null_warnings():
            logger.warning(warning)
        status = super().check(logger, config)
        if status.status != Status.SUCCEEDED:
            return status
        from source_facebook_ads.check_reads import insights_probes, report_refusal, unusable_accounts  # check only

        problems = unusable_accounts(self)
        if problems:
            return AirbyteConnectionStatus(status=Status.FAILED, message=" ".join(problems))
        # The normalised config: the entrypoint passes the raw one, without defaults.
        probes = insights_probes(self._shaping_config, self._today() - timedelta(days=1))
        refusals = [
            refusal
            for probe in probes
            if (refusal := report_refusal(type(self)(config=probe.config, only_streams=[probe.stream_name]), probe, logger))
        ]
        if refusals:
            return AirbyteConnectionStatus(status=Status.FAILED, message=" ".join(refusals))
        return status
