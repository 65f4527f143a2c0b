"""One partition per ad account: the configured `account_ids`, else every account the token sees.

The CDK cannot choose between a list router and a substream router by config without declaring
each stream twice, in two `ConditionalStreams` blocks; with two or more streams selected the second
block then fails now and then ("stream_slices has been executed more than once") and repeats
records. So this router holds both choices and picks at slicing time. Partitions are `{"account_id": "<digits>"}` either way, so the
per-account state of a sync with configured ids and of one without is the same state.

Every per-account stream has its own router, but one sync lists the accounts once: the routers of
one source share one `AccountList`, which reads `/me/adaccounts?fields=account_id` (the
`account_list` definition of the manifest) the first time a router asks and hands out its answer,
or its error, to every later one. Only `account_id` is asked for: Meta refuses the whole list when
one permission-gated field of it is not readable, and the ids are all a partition needs.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import InitVar, dataclass
from typing import Any, Iterable, Mapping, Optional, Union

from airbyte_cdk.sources.declarative.partition_routers.partition_router import PartitionRouter
from airbyte_cdk.sources.streams.call_rate import AbstractAPIBudget
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState


class AccountList:
    """The account ids one partition router lists, read once however many threads ask at once."""

    def __init__(self, every_account: PartitionRouter) -> None:
        self._every_account = every_account
        self._lock = threading.Lock()
        self._answer: Optional[Union[list[str], BaseException]] = None

    def account_ids(self) -> list[str]:
        with self._lock:
            if self._answer is None:
                try:
                    self._answer = [str(s.partition["account_id"]) for s in self._every_account.stream_slices()]
                except Exception as error:  # a bad token or a lost permission: every stream ends with it
                    self._answer = error
        if isinstance(self._answer, BaseException):
            raise self._answer
        return self._answer


# One AccountList per sync. The CDK hands every custom component that declares `api_budget` the
# source's one pacer (source.py builds one per source), which makes it the key that means "this sync".
_ACCOUNT_LISTS: "weakref.WeakKeyDictionary[Any, AccountList]" = weakref.WeakKeyDictionary()
_ACCOUNT_LISTS_LOCK = threading.Lock()


@dataclass
class AdAccountPartitionRouter(PartitionRouter):
    config: Config
    parameters: InitVar[Mapping[str, Any]]
    # A SubstreamPartitionRouter over the manifest's `account_list` (GET /me/adaccounts?fields=account_id).
    every_account: PartitionRouter
    api_budget: Optional[AbstractAPIBudget] = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        # Normalised by config.normalize_config: digits only, no `act_`, no duplicates.
        self._configured_ids: list[str] = list(self.config.get("account_ids") or [])

    def _account_list(self) -> AccountList:
        if self.api_budget is None:  # built outside a source (no shared pacer): a list of its own
            return AccountList(self.every_account)
        with _ACCOUNT_LISTS_LOCK:
            shared = _ACCOUNT_LISTS.get(self.api_budget)
            if shared is None:
                shared = _ACCOUNT_LISTS[self.api_budget] = AccountList(self.every_account)
        return shared

    def stream_slices(self) -> Iterable[StreamSlice]:
        account_ids = self._configured_ids or self._account_list().account_ids()
        for account_id in dict.fromkeys(account_ids):
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
