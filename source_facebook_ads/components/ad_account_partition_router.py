"""One partition per ad account: the configured `account_ids`, else every account the token sees.

The CDK cannot choose between a list router and a substream router by config without declaring
each stream twice (which races under concurrency, see cdk-notes), so this router holds both
choices and picks at slicing time. Partitions are `{"account_id": "<digits>"}` either way, so the
per-account state of a sync with configured ids and of one without is the same state.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass
from typing import Any, Iterable, Mapping, Optional

from airbyte_cdk.sources.declarative.partition_routers.partition_router import PartitionRouter
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState


@dataclass
class AdAccountPartitionRouter(PartitionRouter):
    config: Config
    parameters: InitVar[Mapping[str, Any]]
    # A SubstreamPartitionRouter over the `adaccounts` stream (GET /me/adaccounts), declared in the manifest.
    every_account: PartitionRouter

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        # Normalised by config.normalize_config: digits only, no `act_`, no duplicates.
        self._configured_ids: list[str] = list(self.config.get("account_ids") or [])

    def stream_slices(self) -> Iterable[StreamSlice]:
        if self._configured_ids:
            account_ids: Iterable[str] = self._configured_ids
        else:
            account_ids = (str(s.partition["account_id"]) for s in self.every_account.stream_slices())
        seen: set[str] = set()
        for account_id in account_ids:
            if account_id not in seen:
                seen.add(account_id)
                yield StreamSlice(partition={"account_id": account_id}, cursor_slice={})

    # The account goes into the request path (`act_{{ stream_partition.account_id }}`), never into options.
    def get_request_params(self, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_request_headers(self, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_request_body_data(self, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_request_body_json(self, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_stream_state(self) -> Optional[Mapping[str, StreamState]]:
        # The account list is re-read every sync; nothing about it belongs in state.
        return None
