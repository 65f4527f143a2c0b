"""Builders for the unit tests: config, catalog, state, Graph pages, and one `read` call."""

from __future__ import annotations

import functools
import json
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Mapping, Optional
from unittest import mock

from airbyte_cdk.models import ConfiguredAirbyteCatalog, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.mock_http import HttpRequest, HttpResponse
from airbyte_cdk.test.state_builder import StateBuilder

from source_facebook_ads.source import SourceFacebookAds

TOKEN = "unit-test-token-5f1e"
API = "https://graph.facebook.com/v25.0"
AUTH_HEADER = {"Authorization": f"Bearer {TOKEN}"}


class ConfigBuilder:
    def __init__(self) -> None:
        # Pacing is proven in unit_tests/components; here it would only slow the mocked reads.
        self._config: dict[str, Any] = {"access_token": TOKEN, "account_ids": ["111"], "requests_per_second": 50}

    def with_account_ids(self, *account_ids: str) -> "ConfigBuilder":
        self._config["account_ids"] = list(account_ids)
        return self

    def with_start_date(self, start_date: str) -> "ConfigBuilder":
        self._config["start_date"] = start_date
        return self

    def with_include_deleted(self) -> "ConfigBuilder":
        self._config["include_deleted"] = True
        return self

    def with_page_size(self, page_size: int) -> "ConfigBuilder":
        self._config["page_size"] = page_size
        return self

    def with_values(self, **values: Any) -> "ConfigBuilder":
        self._config.update(values)
        return self

    def build(self) -> dict[str, Any]:
        return dict(self._config)


def catalog(stream: str, sync_mode: SyncMode = SyncMode.full_refresh) -> ConfiguredAirbyteCatalog:
    return CatalogBuilder().with_stream(stream, sync_mode).build()


def per_account_state(stream: str, cursor_field: str, cursors: Mapping[str, Any]) -> list:
    """Per-partition state as the CDK writes it: one entry per ad account."""
    states = [
        {"partition": {"account_id": account_id}, "cursor": {cursor_field: value}}
        for account_id, value in cursors.items()
    ]
    return StateBuilder().with_stream_state(stream, {"states": states}).build()


def read_stream(
    stream: str,
    config: Mapping[str, Any],
    sync_mode: SyncMode = SyncMode.full_refresh,
    state: Optional[list] = None,
    expecting_exception: bool = False,
) -> EntrypointOutput:
    configured = catalog(stream, sync_mode)
    source = SourceFacebookAds(catalog=configured, config=config, state=state)
    return read(source, config, configured, state, expecting_exception=expecting_exception)


@functools.cache
def fields_of(stream: str) -> str:
    """The Graph `fields` a stream requests with the default config, as the source's manifest says."""
    source = SourceFacebookAds(config=ConfigBuilder().build())
    return next(entry["$parameters"]["fields"] for entry in source.resolved_manifest["streams"] if entry["name"] == stream)


def graph_request(path: str, **params: Any) -> HttpRequest:
    return HttpRequest(url=f"{API}/{path}", query_params=params, headers=AUTH_HEADER)


def graph_page(records: Iterable[Mapping[str, Any]], after: Optional[str] = None) -> HttpResponse:
    """A Graph list page; `after` set means another page follows (`paging.next` present)."""
    body: dict[str, Any] = {"data": list(records), "paging": {"cursors": {"before": "b"}}}
    if after:
        body["paging"]["cursors"]["after"] = after
        body["paging"]["next"] = f"{API}/next-page?after={after}"
    return HttpResponse(body=json.dumps(body), status_code=200)


def graph_object(record: Mapping[str, Any]) -> HttpResponse:
    return HttpResponse(body=json.dumps(record), status_code=200)


def graph_error(status: int, code: int, subcode: Optional[int] = None, message: str = "error") -> HttpResponse:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Atrace"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return HttpResponse(body=json.dumps({"error": error}), status_code=status)


# Every effective_status of each level, as the manifest lists them.
EVERY_STATUS = {
    "campaign": ["ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES"],
    "adset": ["ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES", "CAMPAIGN_PAUSED"],
    "ad": [
        "ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES", "CAMPAIGN_PAUSED",
        "ADSET_PAUSED", "DISAPPROVED", "PENDING_BILLING_INFO", "PENDING_REVIEW", "PREAPPROVED",
    ],
}


def insights_status_filter(level: str) -> dict[str, str]:
    """The `filtering` an insights request of this level sends (none at account level)."""
    if level not in EVERY_STATUS:
        return {}
    clause = {"field": f"{level}.effective_status", "operator": "IN", "value": EVERY_STATUS[level]}
    return {"filtering": json.dumps([clause], sort_keys=True)}


def updated_since_filter(entity: str, unix_seconds: int, statuses: Optional[list[str]] = None) -> str:
    """The `filtering` value the manifest renders (Jinja's tojson sorts keys, as json.dumps does here)."""
    clauses: list[dict[str, Any]] = [
        {"field": f"{entity}.updated_time", "operator": "GREATER_THAN", "value": unix_seconds}
    ]
    if statuses:
        clauses.append({"field": f"{entity}.effective_status", "operator": "IN", "value": statuses})
    return json.dumps(clauses, sort_keys=True)


@contextmanager
def no_retry_waits() -> Iterator[None]:
    """The CDK's retry and page-size-reduction sleeps, skipped: a read's retries then take no time."""
    with mock.patch("airbyte_cdk.sources.streams.http.rate_limiting.time"), mock.patch(
        "airbyte_cdk.sources.declarative.retrievers.page_size_reducer.time"
    ):
        yield
