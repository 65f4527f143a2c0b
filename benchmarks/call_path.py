"""Benchmark: the connector's CPU for each call and each account of a sync, without sockets or threads.

    .venv/bin/python -m benchmarks.call_path [--accounts 200 --runs 3]

Builds the source in-process for the accounts of the emulator's data set (as benchmarks.scale
generates it: 3 campaigns x 2 ad sets x 2 ads each, the last 7 days of insights) and reads every
partition of `campaigns`, `adsets`, `ads` and `ad_insights` on this thread, as a worker does
(partition read, cursor observe and close). Requests go through the requester's whole path to a
transport adapter that hands them to the emulator's Graph API in the same process, with no socket
and no server thread; the emulator's own CPU is measured apart and left out. It prints the
connector's CPU per call and per account (`time.process_time`, building the streams left out): the
per-account cost of a sync without its start-up, steadier on a loaded machine than a whole sync's
CPU.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, Iterator

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse

from integration_tests.emulator import Dataset, GraphEmulator
from source_facebook_ads.source import SourceFacebookAds

STREAMS = ["campaigns", "adsets", "ads", "ad_insights"]
TOKEN = "benchmark-token"
BASE_URL = "http://127.0.0.1:9"  # never connected to: the adapter below answers every request


class InProcessGraph:
    """Answers each request from the emulator's Graph API in this process; counts its CPU apart.

    Every requester has its own session: while installed, every requests transport adapter answers so.
    """

    def __init__(self, emulator: GraphEmulator) -> None:
        self.emulator = emulator
        self.emulator_seconds = 0.0
        self.calls = 0

    @contextmanager
    def installed(self) -> Iterator[None]:
        graph, unpatched = self, HTTPAdapter.send

        def send(adapter: HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            return graph.answer(adapter, request)

        HTTPAdapter.send = send  # type: ignore[method-assign]
        try:
            yield
        finally:
            HTTPAdapter.send = unpatched  # type: ignore[method-assign]

    def answer(self, adapter: HTTPAdapter, request: requests.PreparedRequest) -> requests.Response:
        started = time.process_time()
        body = request.body.encode() if isinstance(request.body, str) else request.body or b""
        answer = self.emulator._serve(  # noqa: SLF001 - the emulator's request handler, without its server
            request.method or "GET", request.path_url, request.headers.get("Authorization"), body,
            request.headers.get("Content-Type") or "",
        )
        headers = {"Content-Type": answer.content_type, "Content-Length": str(len(answer.body)), **answer.headers}
        raw = HTTPResponse(body=io.BytesIO(answer.body), headers=headers, status=answer.status, preload_content=False)
        self.calls += 1
        self.emulator_seconds += time.process_time() - started
        return adapter.build_response(request, raw)


def sync_cpu_seconds(dataset: Dataset) -> tuple[float, int, int]:
    """The connector's CPU for reading every partition of STREAMS, the calls it made and the records it read."""
    config = {
        "access_token": TOKEN, "base_url": BASE_URL, "include_deleted": True, "requests_per_second": 50,
        "account_ids": [account.removeprefix("act_") for account in dataset.accounts],
        "start_date": (dataset.today() - timedelta(days=7)).isoformat(),
        "end_date": (dataset.today() - timedelta(days=1)).isoformat(),
    }
    emulator = GraphEmulator(dataset, token=TOKEN)  # not started: InProcessGraph serves it
    graph = InProcessGraph(emulator)
    source = SourceFacebookAds(config=config)
    streams = [stream for stream in source.streams(source.normalized_config) if stream.name in STREAMS]
    records = 0
    started = time.process_time()
    with graph.installed():
        for stream in streams:
            for partition in stream.generate_partitions():
                for record in partition.read():
                    stream.cursor.observe(record)
                    records += 1
                stream.cursor.close_partition(partition)
            stream.cursor.ensure_at_least_one_state_emitted()
    return time.process_time() - started - graph.emulator_seconds, graph.calls, records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3, help="the median is printed")
    args = parser.parse_args()
    dataset = Dataset.generate(accounts=args.accounts, campaigns_per_account=3, seed=17)
    runs = [sync_cpu_seconds(dataset) for _ in range(args.runs)]
    seconds = statistics.median(run[0] for run in runs)
    _, calls, records = runs[0]
    print(
        f"{args.accounts} accounts x {len(STREAMS)} streams, {calls} calls, {records:,} records: {seconds * 1000:.0f} ms CPU, "
        f"{seconds * 1000 / calls:.2f} ms per call, {seconds * 1000 / args.accounts:.1f} ms per account "
        f"(runs: {', '.join(f'{run[0] * 1000:.0f}' for run in runs)} ms)"
    )


if __name__ == "__main__":
    main()
