"""Runs the installed `source-facebook-ads` command as Airbyte would, and reads what it printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional

from integration_tests.forked_command import ForkedCommand

# The console script pip installed next to this interpreter: the wheel as users get it.
CONNECTOR = Path(sys.executable).with_name("source-facebook-ads")


@dataclass
class ConnectorRun:
    returncode: int
    stdout: str
    stderr: str
    messages: list[dict] = field(default_factory=list)
    access_token: Optional[str] = None  # the token of the run's --config, for the leak scan

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


# Called with every finished run: integration_tests/conftest.py scans each one's output for the token.
RUN_OBSERVERS: list[Callable[[ConnectorRun], None]] = []


def run_connector(args: list[str], workdir: Path, timeout: float = 300) -> ConnectorRun:
    completed = subprocess.run(
        [str(_connector()), *args], cwd=workdir, capture_output=True, text=True, timeout=timeout
    )
    return finished_run(args, completed.returncode, completed.stdout, completed.stderr)


_FORKED = ForkedCommand(CONNECTOR)


def run_forked(args: list[str], workdir: Path, timeout: float = 300) -> ConnectorRun:
    """As `run_connector`, without paying the CDK's import on each start (forked_command.py)."""
    _connector()
    return finished_run(args, *_FORKED.run(args, workdir, timeout))


def start_connector(args: list[str], workdir: Path, tmpdir: Path) -> subprocess.Popen:
    """The command started in the background with its temporary files in `tmpdir`, to be signalled.

    Hand what it printed to `finished_run` so the leak scan sees it.
    """
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    return subprocess.Popen(
        [str(_connector()), *args], cwd=workdir, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def finished_run(args: list[str], returncode: int, stdout: str, stderr: str) -> ConnectorRun:
    lines = stdout.splitlines()
    if lines and not stdout.endswith("\n"):
        lines.pop()  # a killed run's last line may be cut off
    messages = [json.loads(line) for line in lines if line.startswith("{")]
    run = ConnectorRun(returncode, stdout, stderr, messages, _access_token(args))
    for observe in RUN_OBSERVERS:
        observe(run)
    return run


def _connector() -> Path:
    if not CONNECTOR.exists():
        raise RuntimeError(f"{CONNECTOR} is missing: install the project first (pip install '.[tests]').")
    return CONNECTOR


def _access_token(args: list[str]) -> Optional[str]:
    if "--config" not in args:
        return None
    try:
        config = json.loads(Path(args[args.index("--config") + 1]).read_text())
    except (IndexError, OSError, ValueError):
        return None
    token = config.get("access_token") if isinstance(config, dict) else None
    return token if isinstance(token, str) else None


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
