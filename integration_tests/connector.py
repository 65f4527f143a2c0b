"""Runs the installed `source-facebook-ads` command as Airbyte would, and reads what it printed."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

# The console script pip installed next to this interpreter: the wheel as users get it.
CONNECTOR = Path(sys.executable).with_name("source-facebook-ads")


@dataclass
class ConnectorRun:
    returncode: int
    stdout: str
    stderr: str
    messages: list[dict] = field(default_factory=list)

    def of_type(self, message_type: str) -> list[dict]:
        return [m for m in self.messages if m.get("type") == message_type]

    def records(self, stream: Optional[str] = None) -> list[dict]:
        return [
            m["record"]["data"]
            for m in self.of_type("RECORD")
            if stream is None or m["record"]["stream"] == stream
        ]

    def record_ids(self, stream: str, key: str = "id") -> list[Any]:
        return [record[key] for record in self.records(stream)]

    @property
    def states(self) -> list[dict]:
        return [m["state"] for m in self.of_type("STATE")]

    @property
    def errors(self) -> list[dict]:
        return [m["trace"]["error"] for m in self.of_type("TRACE") if m["trace"]["type"] == "ERROR"]

    def final_states(self) -> list[dict]:
        """The last state message of each stream: what a platform would save and pass back."""
        latest: dict[str, dict] = {}
        for state in self.states:
            latest[state["stream"]["stream_descriptor"]["name"]] = state
        return list(latest.values())


def run_connector(args: list[str], workdir: Path, timeout: float = 300) -> ConnectorRun:
    if not CONNECTOR.exists():
        raise RuntimeError(f"{CONNECTOR} is missing: install the project first (pip install '.[tests]').")
    completed = subprocess.run(
        [str(CONNECTOR), *args], cwd=workdir, capture_output=True, text=True, timeout=timeout
    )
    messages = []
    for line in completed.stdout.splitlines():
        if line.startswith("{"):
            messages.append(json.loads(line))
    return ConnectorRun(completed.returncode, completed.stdout, completed.stderr, messages)


def write_json(path: Path, value: Any) -> str:
    path.write_text(json.dumps(value))
    return str(path)


def configured_catalog(discovered: Mapping[str, Any], streams: Optional[Iterable[str]] = None) -> dict:
    """Every discovered stream (or the named ones), incremental where the stream supports it."""
    wanted = set(streams) if streams is not None else None
    configured = []
    for stream in discovered["streams"]:
        if wanted is not None and stream["name"] not in wanted:
            continue
        incremental = "incremental" in stream["supported_sync_modes"]
        configured.append(
            {
                "stream": stream,
                "sync_mode": "incremental" if incremental else "full_refresh",
                "destination_sync_mode": "append_dedup" if incremental else "overwrite",
                **({"cursor_field": stream.get("default_cursor_field", [])} if incremental else {}),
                "primary_key": stream.get("source_defined_primary_key", []),
            }
        )
    return {"streams": configured}
