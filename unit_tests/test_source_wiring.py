"""How the source hands its components to the CDK, and the one list of the private CDK internals it relies on.

The manifest goes in through the CDK's public `source_config` argument, and the source reads its own
config (`normalized_config`) and manifest (`resolved_manifest`) back through public names. The
private CDK hooks that remain, each pinned below by a test that fails when the CDK renames or
removes it (airbyte-cdk 7.x):
- `ConcurrentDeclarativeSource._constructor` and `ModelToComponentFactory._api_budget`: the source
  gives its factory the one AimdPacer of a sync, which the factory passes to every requester
  (test_every_requester_shares_the_one_pacer_of_the_sync);
- `ModelToComponentFactory._init_mappings`: after `component_factory.adopt` rebinds the factory's
  dispatch table, the factory's overrides build the components
  (test_every_requester_bounds_a_whole_answer);
- `HttpRequester._http_client._session`: the session that carries the answer deadline, keeps a
  connection for each worker and remembers the environment's settings for each host, which
  `HttpClient.send_request` asks it for before each call (test_every_requester_bounds_a_whole_answer,
  test_every_requester_keeps_a_connection_for_each_worker,
  test_every_requester_reads_the_environment_once_per_host);
- `ConcurrentPerPartitionCursor._throttle_state_message`: overridden so that per-account state is
  written after every closed window (test_per_account_cursors_write_state_after_every_window);
- `ConcurrentPerPartitionCursor._create_cursor`, `._generate_slices_from_partition`,
  `._cursor_per_partition` and `ConcurrentCursor._end_provider`: each account's insights windows end
  at its today (test_insights_cursors_end_each_account_at_its_today);
- `ConcurrentPerPartitionCursor._cursor_factory` and the fields of `ConcurrentCursor`'s constructor,
  read back from its attributes: each account's cursor is a copy of one built from the manifest
  (components/account_cursor_copies.py; test_a_copied_account_cursor_is_the_cursor_the_cdk_builds);
- `ConcurrentCursor._connector_state_converter._parser`: cursors parse each distinct value once
  (test_cursors_parse_each_distinct_cursor_value_once_not_once_per_record);
- `AsyncJobOrchestrator._job_repository`: report runs that fail are re-run as half windows
  (test_report_runs_go_through_the_orchestrators_job_repository);
- `ConcurrentDeclarativeSource._concurrent_source._queue`: the record queue is short
  (test_the_record_queue_between_workers_and_the_main_thread_is_short).
- `ConcurrentDeclarativeSource._streams_by_name`: `check` builds only the streams it reads
  (check_reads.py; test_check_builds_only_the_streams_it_reads).
- `DeclarativePartition.read` reads its partition through `retriever.read_records`, which the
  factory's retrievers scope as partition reads holding page slots
  (test_every_stream_reads_its_partitions_holding_page_slots).
Outside the CDK: `requests.Response._content` (components/object_isolation.py rewrites an answer's
body, proven by unit_tests/integration/test_object_isolation.py; components/graph_page.py drops a
read page's, unit_tests/components/test_pages_in_flight.py).
The source's `message_repository` (which AirbyteEntrypoint drains around each command) carries the
config's warnings: unit_tests/integration/test_config_errors.py::test_an_unknown_key_is_a_warning_line_before_the_answer.
Two CDK behaviours the object streams rely on, proven by their read tests:
- the factory hands a custom component that declares `api_budget` the same pacer, which the ad account
  routers use as the key of their one account list per sync (unit_tests/integration/test_account_list.py);
- an exception raised by the error handler's `interpret_response` reaches the requester's caller
  (components/object_isolation.py catches RefusedRead; unit_tests/integration/test_object_isolation.py).
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import requests
import yaml
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.declarative.async_job.job_orchestrator import AsyncJobOrchestrator
from airbyte_cdk.sources.declarative.datetime.datetime_parser import DatetimeParser
from airbyte_cdk.sources.declarative.incremental.concurrent_partition_cursor import ConcurrentPerPartitionCursor
from airbyte_cdk.sources.declarative.stream_slicers.declarative_partition_generator import DeclarativePartition
from airbyte_cdk.sources.streams.http.http_client import HttpClient
from airbyte_cdk.test.mock_http import HttpMocker

from airbyte_cdk.sources.streams.concurrent.cursor import ConcurrentCursor

from source_facebook_ads.components.account_cursor_copies import CopyingCursorFactory
from source_facebook_ads.components.account_today import TodayBoundedCursor
from source_facebook_ads.components.aimd_pacer import AimdPacer
from source_facebook_ads.components.answer_deadline import AnswerDeadline
from source_facebook_ads.components.pages_in_flight import PAGES_IN_FLIGHT, PartitionReadingRetriever
from source_facebook_ads.components.report_window_splitting import WindowSplittingAsyncRetriever
from source_facebook_ads.components.window_checkpoints import WindowCheckpointCursor
from source_facebook_ads.source import RECORD_QUEUE_SIZE, SourceFacebookAds, manifest_path
from unit_tests.builders import ConfigBuilder, fields_of, graph_page, graph_request, insights_status_filter, per_account_state, read_stream


def http_requesters(source: SourceFacebookAds) -> list:
    streams = source.streams(source.normalized_config)
    requesters = [
        stream._stream_partition_generator._partition_factory._retriever.requester
        for stream in streams
        if hasattr(stream, "_stream_partition_generator")
    ]
    assert requesters, "no requester found: the CDK's stream layout changed, revisit this test"
    # An object stream's requester wraps the HttpRequester (components/object_isolation.py).
    return [getattr(requester, "requester", requester) for requester in requesters]


def test_every_requester_shares_the_one_pacer_of_the_sync() -> None:
    source = SourceFacebookAds(config=ConfigBuilder().build())

    requesters = http_requesters(source)

    pacer = source._constructor._api_budget
    assert isinstance(pacer, AimdPacer)
    assert all(requester._http_client._api_budget is pacer for requester in requesters)


def test_every_requester_bounds_a_whole_answer() -> None:
    source = SourceFacebookAds(config=ConfigBuilder().with_values(request_timeout_seconds=45).build())

    for requester in http_requesters(source):
        deadlines = [hook for hook in requester._http_client._session.hooks["response"] if isinstance(hook, AnswerDeadline)]
        assert [deadline.seconds for deadline in deadlines] == [45], requester.name


def test_every_requester_keeps_a_connection_for_each_worker() -> None:
    workers = yaml.safe_load(manifest_path().read_text())["concurrency_level"]["max_concurrency"]

    for requester in http_requesters(SourceFacebookAds(config=ConfigBuilder().build())):
        for url in ("https://graph.facebook.com/v25.0/me", "http://127.0.0.1:8080/v25.0/me"):
            pool = requester._http_client._session.get_adapter(url).poolmanager.connection_pool_kw
            assert pool["maxsize"] == workers, (requester.name, url)


def test_every_requester_reads_the_environment_once_per_host(monkeypatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/company-ca.pem")
    urls = [f"https://graph.facebook.com/v25.0/act_{n}/campaigns?limit=500" for n in (1, 2, 3)]
    urls += ["http://127.0.0.1:8080/v25.0/me/adaccounts", "http://127.0.0.1:8080/v25.0/act_1/ads"]
    expected = [requests.Session().merge_environment_settings(url, {}, None, None, None) for url in urls]
    scans: list[str] = []
    scan = requests.sessions.get_environ_proxies
    monkeypatch.setattr(requests.sessions, "get_environ_proxies", lambda url, no_proxy=None: scans.append(url) or scan(url, no_proxy))

    for requester in http_requesters(SourceFacebookAds(config=ConfigBuilder().build())):
        scans.clear()
        session = requester._http_client._session

        answers = [session.merge_environment_settings(url, {}, None, None, None) for url in urls]

        assert answers == expected, requester.name  # the proxy for Meta's host, none for loopback, the CA bundle
        assert scans == [urls[0], urls[3]], requester.name  # once per host
        # requests adds the environment's proxies to a dict of proxies, not to None.
        asked_none = session.merge_environment_settings(urls[0], None, None, None, None)
        assert asked_none == requests.Session().merge_environment_settings(urls[0], None, None, None, None)
    assert "self._session.merge_environment_settings(" in inspect.getsource(HttpClient.send_request)


def test_every_stream_reads_its_partitions_holding_page_slots() -> None:
    for mode in ("sync", "async"):
        source = SourceFacebookAds(config=ConfigBuilder().with_values(insights_job_mode=mode).build())
        streams = [stream for stream in source.streams(source.normalized_config) if hasattr(stream, "_stream_partition_generator")]

        for stream in streams:
            retriever = stream._stream_partition_generator._partition_factory._retriever
            assert isinstance(retriever, (PartitionReadingRetriever, WindowSplittingAsyncRetriever)), stream.name
            # The scope is read_records itself: DeclarativePartition.read calls it.
            assert "with PAGES_IN_FLIGHT.partition_read()" in inspect.getsource(type(retriever).read_records)
    for requester in http_requesters(SourceFacebookAds(config=ConfigBuilder().build())):
        assert PAGES_IN_FLIGHT.take_before_body in requester._http_client._session.hooks["response"], requester.name
    assert "self._retriever.read_records(" in inspect.getsource(DeclarativePartition.read)


def test_per_account_cursors_choose_when_their_state_is_written() -> None:
    source = SourceFacebookAds(config=ConfigBuilder().build())

    cursors = {stream.name: stream.cursor for stream in source.streams(source.normalized_config)}

    assert isinstance(cursors["campaigns"], WindowCheckpointCursor)
    # The CDK still asks this method when its next state message may go out.
    overridden = ConcurrentPerPartitionCursor._throttle_state_message
    assert overridden is not WindowCheckpointCursor._throttle_state_message
    assert "self._throttle_state_message()" in inspect.getsource(ConcurrentPerPartitionCursor)


def test_insights_cursors_end_each_account_at_its_today() -> None:
    config = ConfigBuilder().with_account_ids("111", "222").with_start_date("2026-01-01").with_values(end_date="2026-01-05").build()
    state = per_account_state("ad_insights", "date_start", {"111": "2026-01-03"})
    source = SourceFacebookAds(config=config, state=state)

    cursor = next(stream.cursor for stream in source.streams(source.normalized_config) if stream.name == "ad_insights")
    assert isinstance(cursor, TodayBoundedCursor)
    list(cursor.stream_slices())  # slices both accounts (a past end_date: no time zone is asked)

    per_account = cursor._cursor_per_partition
    assert len(per_account) == 2  # the saved account's cursor and one the CDK created for the other
    assert all(account_cursor._end_provider.__name__ == "end_at_account_today" for account_cursor in per_account.values())


def test_a_copied_account_cursor_is_the_cursor_the_cdk_builds() -> None:
    config = ConfigBuilder().with_account_ids("111", "222").with_start_date("2026-01-01").with_values(end_date="2026-01-20").build()
    source = SourceFacebookAds(config=config)
    for stream in source.streams(source.normalized_config):
        if stream.name not in ("campaigns", "ad_insights"):
            continue
        factory = stream.cursor._cursor_factory
        assert isinstance(factory, CopyingCursorFactory)
        state = {stream.cursor.cursor_field.cursor_field_key: "2026-01-10T00:00:00+0000" if stream.name == "campaigns" else "2026-01-10"}

        copied = factory.create(stream_state=dict(state), runtime_lookback_window=None)
        built = factory._building.create(stream_state=dict(state), runtime_lookback_window=None)

        # Every field the CDK sets is the one it would have built (a field added to ConcurrentCursor fails here).
        assert set(vars(copied)) == set(vars(built))
        for name, value in vars(built).items():
            if name == "_lock":
                continue
            if name == "_end_provider":  # campaigns end now, insights at the configured end_date
                assert copied._end_provider is factory._template._end_provider
                assert type(value) is type(copied._end_provider)
                assert stream.name == "campaigns" or copied._end_provider() == value()
            else:
                mine = getattr(copied, name)
                # Components without equality (converter, cursor field, clamping) compare by their fields.
                assert mine == value or (type(mine) is type(value) and vars(mine) == vars(value)), name
        if stream.name == "ad_insights":
            assert list(copied.stream_slices()) == list(built.stream_slices())


def test_report_runs_go_through_the_orchestrators_job_repository() -> None:
    # components/report_window_splitting.py replaces this attribute to split failed report runs.
    assert "self._job_repository" in inspect.getsource(AsyncJobOrchestrator)
    assert "job_repository" in inspect.signature(AsyncJobOrchestrator.__init__).parameters


def test_the_manifest_declares_no_api_budget_that_would_replace_the_pacer() -> None:
    assert "api_budget" not in yaml.safe_load(manifest_path().read_text())


class TestResolvedManifestCommand:
    """`python -m source_facebook_ads.resolved_manifest --config C` shows each stream as it runs."""

    def run(self, tmp_path, config: dict, *args: str) -> subprocess.CompletedProcess:
        config_file = tmp_path / "config.json"
        config_file.write_text(json.dumps(config))
        return subprocess.run(
            [sys.executable, "-m", "source_facebook_ads.resolved_manifest", "--config", str(config_file), *args],
            capture_output=True, text=True, timeout=120,
        )

    def test_prints_a_custom_insights_stream_with_its_report_and_key_and_never_the_token(self, tmp_path) -> None:
        config = ConfigBuilder().with_values(custom_insights=[{"name": "by_age", "level": "ad", "fields": ["spend"], "breakdowns": ["age"]}]).build()

        completed = self.run(tmp_path, config)

        assert completed.returncode == 0, completed.stderr
        manifest = yaml.safe_load(completed.stdout)
        streams = {stream["name"]: stream for stream in manifest["streams"]}
        custom = streams["custom_insights_by_age"]
        assert custom["primary_key"] == ["ad_id", "date_start", "age"]
        assert custom["$parameters"]["breakdowns"] == "age"
        assert "$ref" not in completed.stdout
        assert config["access_token"] not in completed.stdout + completed.stderr

    def test_stream_option_prints_one_stream(self, tmp_path) -> None:
        completed = self.run(tmp_path, ConfigBuilder().build(), "--stream", "campaigns")

        assert completed.returncode == 0, completed.stderr
        assert yaml.safe_load(completed.stdout)["name"] == "campaigns"


def test_the_record_queue_between_workers_and_the_main_thread_is_short() -> None:
    source = SourceFacebookAds(config=ConfigBuilder().build())

    # One queue object carries records (ConcurrentSource) and messages (the message repository).
    assert source._concurrent_source._queue.maxsize == RECORD_QUEUE_SIZE
    assert source._message_repository._queue is source._concurrent_source._queue


def test_check_builds_only_the_streams_it_reads() -> None:
    source = SourceFacebookAds(config=ConfigBuilder().build())

    streams = source._streams_by_name(["ad_account"])

    assert [stream.name for stream in streams] == ["ad_account"]


def test_cursors_parse_each_distinct_cursor_value_once_not_once_per_record(monkeypatch) -> None:
    # The CDK's cursors parse every record's cursor value (twice for per-account cursors); through
    # `_connector_state_converter._parser` they use the remembering parser (components/remembered_datetimes.py).
    parsed = []
    cdk_parse = DatetimeParser.parse
    monkeypatch.setattr(DatetimeParser, "parse", lambda self, date, format: parsed.append(date) or cdk_parse(self, date, format))
    request = graph_request(
        "act_111/insights", fields=fields_of("ad_insights"), level="ad", time_increment="1",
        time_range=json.dumps({"since": "2026-11-01", "until": "2026-11-02"}, sort_keys=True),
        action_breakdowns="action_type", **insights_status_filter("ad"), limit="500",
    )
    rows = [
        {"account_id": "111", "ad_id": str(i), "date_start": day, "date_stop": day}
        for i in range(200) for day in ("2026-11-01", "2026-11-02")
    ]
    config = ConfigBuilder().with_start_date("2026-11-01").with_values(end_date="2026-11-02").build()
    with HttpMocker() as http_mocker:
        http_mocker.get(request, graph_page(rows))
        output = read_stream("ad_insights", config, SyncMode.incremental)

    assert len(output.records) == 400
    assert output.most_recent_state.stream_state.__dict__["states"][0]["cursor"] == {"date_start": "2026-11-02"}
    # Each day at most twice in all (fewer when an earlier read of the process parsed it), not 400 times.
    assert len(parsed) <= 4 and set(parsed) <= {"2026-11-01", "2026-11-02"}
