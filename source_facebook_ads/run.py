"""The `source-facebook-ads` console command."""

from __future__ import annotations

import os
import signal
import sys
import traceback
from contextlib import contextmanager
from datetime import datetime, timezone
from types import FrameType
from typing import Any, Iterator, List, Optional

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteTraceMessage,
    FailureType,
    Status,
    TraceType,
    Type,
)
from airbyte_cdk.utils.airbyte_secrets_utils import get_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.garbage_collection import freeze_start_up_heap, pace_for_pages
from source_facebook_ads.malloc_arenas import limit_malloc_arenas
from source_facebook_ads.record_lines import launch
from source_facebook_ads.redaction import RedactedOutput
from source_facebook_ads.source import SourceFacebookAds, check_streams

EXIT_ON_SIGTERM = 128 + signal.SIGTERM  # the shell's convention for "ended by SIGTERM"


def _build_source(args: List[str]) -> SourceFacebookAds:
    # Streams are built from the config given to the constructor, so parse the arguments first.
    config_path = AirbyteEntrypoint.extract_config(args)
    catalog_path = AirbyteEntrypoint.extract_catalog(args)
    state_path = AirbyteEntrypoint.extract_state(args)
    config = SourceFacebookAds.read_config(config_path) if config_path else None
    return SourceFacebookAds(
        catalog=SourceFacebookAds.read_catalog(catalog_path) if catalog_path else None,
        config=config,
        state=SourceFacebookAds.read_state(state_path) if state_path else None,
        # The command is the first argument (the CDK's parser reads it again in `launch`).
        only_streams=check_streams() if args[:1] == ["check"] else None,
    )


def _answer_refused_check(error: AirbyteTracedException) -> None:
    """`check` answers a refused config as the CDK answers a schema error: a failed status, exit 0."""
    status = AirbyteConnectionStatus(status=Status.FAILED, message=error.message)
    message = AirbyteMessage(type=Type.CONNECTION_STATUS, connectionStatus=status)
    print(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode(), flush=True)


def _print_trace(error: Exception) -> None:
    if isinstance(error, AirbyteTracedException):
        message = error.as_airbyte_message()
        if error.failure_type == FailureType.config_error:
            # A config error is the user's to fix: the message says how; a stack trace would only hide it.
            message.trace.error.stack_trace = None
    else:
        message = AirbyteMessage(
            type=Type.TRACE,
            trace=AirbyteTraceMessage(
                type=TraceType.ERROR,
                emitted_at=datetime.now(timezone.utc).timestamp() * 1000,
                error=AirbyteErrorTraceMessage(
                    message=f"source-facebook-ads could not start: {error}",
                    internal_message=str(error),
                    stack_trace=traceback.format_exc(),
                    failure_type=FailureType.system_error,
                ),
            ),
        )
    print(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode(), flush=True)


def run() -> None:
    args = sys.argv[1:]
    limit_malloc_arenas()  # before any worker thread allocates (issue 10: peak RSS)
    pace_for_pages()  # issue 10: the collector's passes over pages of rows
    try:
        # Every byte printed from here on passes through one filter that knows the configured secrets.
        with RedactedOutput() as output, _sigterm_raises():
            output.hide(_configured_secrets(args))
            try:
                source = _build_source(args)
            except Exception as error:
                refused = isinstance(error, AirbyteTracedException) and error.failure_type == FailureType.config_error
                if refused and AirbyteEntrypoint.parse_args(args).command == "check":
                    _answer_refused_check(error)
                    return
                _print_trace(error)
                sys.exit(1)
            freeze_start_up_heap()
            try:
                launch(source, args)
            except Exception as error:
                # Reported here, while the filter stands: the CDK's hook prints the trace message.
                sys.excepthook(type(error), error, error.__traceback__)
                sys.exit(1)
    except _Terminated:
        # The filter has written everything printed so far; worker threads may be waiting on Meta for
        # minutes: leave now, as Airbyte asked. The next sync resumes from the last state message.
        os._exit(EXIT_ON_SIGTERM)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that context managers clean up (the CDK's temp dir)."""


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    def terminate(signal_number: int, frame: Optional[FrameType]) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one is enough: let the cleanup finish
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _configured_secrets(args: List[str]) -> List[Any]:
    """The spec's `airbyte_secret` values of the `--config` file, known before anything can quote them.

    Read leniently and apart from the arguments' parsing: a missing or broken file, or bad arguments,
    are reported by building the source.
    """
    paths = [value for flag, value in zip(args, args[1:]) if flag == "--config"]
    paths += [arg.split("=", 1)[1] for arg in args if arg.startswith("--config=")]
    secrets: List[Any] = []
    for path in paths:
        try:
            config = SourceFacebookAds.read_config(path)  # the reader the source uses: a BOM, repeated keys...
        except AirbyteTracedException:
            continue
        secrets += get_secrets(SourceFacebookAds.spec_schema(), config)
    return secrets


if __name__ == "__main__":
    run()
