"""RECORD lines written without the CDK's per-message serializer (issue 10: rows per CPU-second).

The CDK writes every message as `orjson.dumps(AirbyteMessageSerializer.dump(message))`: serpyco
first copies the message, its record and the record's data into plain dicts, for every row. A
RECORD message of ours holds only `stream`, `data` and `emitted_at`, so its line is one
`orjson.dumps` of that dict (less the data's top-level nulls, which the CDK's serializer leaves
out), the same bytes (unit_tests/test_record_lines.py compares the two).
On a 47k-row insights read the CDK's way took ~11% of the connector's CPU (BENCHMARKS.md).

Only RECORD messages take this path, and only when nothing else is set on them (a namespace, a
meta or a file reference); every other message, and a record whose data orjson cannot write, goes
the CDK's way. Records are still counted by the CDK's `read` (each STATE's `sourceStats`) before
their line is written, and each line is written where the CDK would have printed it: the messages
before it are already out, the ones after it are not yet made.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Iterable, List, Optional

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import AirbyteMessage, Type
from airbyte_cdk.sources import Source


def record_line(message: AirbyteMessage) -> Optional[str]:
    """The CDK's line for a plain RECORD message (no newline); None for any other message."""
    if message.type is not Type.RECORD:
        return None
    record = message.record
    if record is None or record.namespace is not None or record.meta is not None or record.file_reference is not None:
        return None
    data = record.data
    if None in data.values():
        # The CDK's serializer leaves out the record's top-level fields that are None (not nested ones).
        data = {key: value for key, value in data.items() if value is not None}
    try:
        return orjson.dumps({"type": "RECORD", "record": {"stream": record.stream, "data": data, "emitted_at": record.emitted_at}}).decode()
    except TypeError:
        return None  # a value orjson cannot write: the CDK's way, which logs it


class RecordLinesEntrypoint(AirbyteEntrypoint):
    """The CDK's entrypoint, writing RECORD lines itself as `read` yields them."""

    def read(self, source_spec: Any, config: Any, catalog: Any, state: List[Any]) -> Iterable[AirbyteMessage]:
        write = sys.stdout.write  # the CDK's print buffer while `launch` runs, as for its own lines
        for message in super().read(source_spec, config, catalog, state):
            line = record_line(message)
            if line is None:
                yield message
            else:
                write(line + "\n")


def launch(source: Source, args: List[str]) -> None:
    """The CDK's `launch` (one print per message, inside its print buffer), with RECORD lines as above."""
    entrypoint = RecordLinesEntrypoint(source)
    parsed_args: argparse.Namespace = entrypoint.parse_args(args)
    with PRINT_BUFFER:
        for line in entrypoint.run(parsed_args):
            print(f"{line}\n", end="")
