"""The `source-facebook-ads` console command."""

from __future__ import annotations

import sys
import traceback
from datetime import datetime, timezone
from typing import List

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.models import (
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteTraceMessage,
    FailureType,
    TraceType,
    Type,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.source import SourceFacebookAds


def _build_source(args: List[str]) -> SourceFacebookAds:
    # Streams are built from the config given to the constructor, so parse the arguments first.
    config_path = AirbyteEntrypoint.extract_config(args)
    catalog_path = AirbyteEntrypoint.extract_catalog(args)
    state_path = AirbyteEntrypoint.extract_state(args)
    try:
        config = SourceFacebookAds.read_config(config_path) if config_path else None
    except Exception:
        raise AirbyteTracedException(
            message=f"The config file '{config_path}' is not valid JSON: fix the file and run again.",
            failure_type=FailureType.config_error,
        ) from None
    return SourceFacebookAds(
        catalog=SourceFacebookAds.read_catalog(catalog_path) if catalog_path else None,
        config=config,
        state=SourceFacebookAds.read_state(state_path) if state_path else None,
    )


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
    try:
        source = _build_source(args)
    except Exception as error:
        _print_trace(error)
        sys.exit(1)
    launch(source, args)


if __name__ == "__main__":
    run()
