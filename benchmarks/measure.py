"""One connector process measured: records per stream, CPU seconds, peak RSS and wall time.

The benchmarks run the connector as a child process and stream its stdout (a million records do
not fit in a captured string). CPU time and peak RSS come from `os.wait4` on that child, so they
count every thread of the connector and nothing of the emulator, which serves from this process.
CPU seconds are the figure to compare on a loaded machine: wall time stretches with the load.
The connector is measured as the image installs it: with its modules' bytecode compiled.
"""

from __future__ import annotations

import compileall
import functools
import json
import os
import subprocess
import sysconfig
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence

RECORD_PREFIX = '{"type":"RECORD"'
STATE_PREFIX = '{"type":"STATE"'
MAIN_THREAD_CLOCK = Path(__file__).with_name("main_thread_clock")  # its sitecustomize, for the child


@dataclass
class Measured:
    command: str
    returncode: int
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    records: Counter = field(default_factory=Counter)
    records_by_account: Counter = field(default_factory=Counter)  # (stream, "act_<id>") -> records
    errors: list[str] = field(default_factory=list)
    calls: int = 0  # requests the emulator answered during the run (set by the caller)
    state_messages: int = 0
    state_bytes: int = 0  # of the STATE lines, newline included
    main_thread_cpu_seconds: Optional[float] = None  # with `main_thread_clock`: start-up and writing messages

    @property
    def workers_cpu_seconds(self) -> Optional[float]:
        """Every other thread's CPU: the partition reads (calls, pages, records) and their helpers."""
        if self.main_thread_cpu_seconds is None:
            return None
        return self.cpu_seconds - self.main_thread_cpu_seconds

    @property
    def total_records(self) -> int:
        return sum(self.records.values())

    @property
    def records_per_second(self) -> float:
        return self.total_records / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def records_per_cpu_second(self) -> float:
        return self.total_records / self.cpu_seconds if self.cpu_seconds else 0.0


@functools.cache
def bytecode_compiled() -> None:
    """Compile the venv's modules once, as the Dockerfile's `pip install` does (and the peer's pip did).

    uv, the test command's installer, leaves them uncompiled; where PYTHONDONTWRITEBYTECODE is set (as
    on the project's machine) every connector process then compiled the CDK's ~470 modules again at
    start: 2.1 of 4.8 CPU-s of importing it, which the shipped image never spends.
    """
    site_packages = Path(sysconfig.get_paths()["purelib"])
    # The connector's own package too: `uv sync --reinstall-package` after an edit leaves it
    # uncompiled while the CDK's bytecode stays, and every process compiled it again.
    packages = ("airbyte_cdk", "source_facebook_ads")
    if not all(any((site_packages / package / "__pycache__").glob("*.pyc")) for package in packages):
        print(f"compiling the bytecode of {site_packages} (once, as pip install does) ...", flush=True)
        compileall.compile_dir(site_packages, quiet=1, workers=0)


def run_measured(
    argv: Sequence[str], cwd: Path, env: Optional[Mapping[str, str]] = None, label: Optional[str] = None,
    main_thread_clock: bool = False,
) -> Measured:
    """Run `argv`, count the RECORD lines per stream as they arrive, and measure the child.

    With `main_thread_clock` (a Python child) its main thread's CPU is measured apart as well."""
    bytecode_compiled()
    child_env = dict(env if env is not None else os.environ)
    clock_file = None
    if main_thread_clock:
        descriptor, name = tempfile.mkstemp(prefix="main-thread-cpu-", dir=cwd)
        os.close(descriptor)
        clock_file = Path(name)
        child_env["MAIN_THREAD_CPU_FILE"] = str(clock_file)
        child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(MAIN_THREAD_CLOCK), child_env.get("PYTHONPATH")]))
    started = time.monotonic()
    process = subprocess.Popen(
        list(argv), cwd=cwd, env=child_env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1 << 20,
    )
    records: Counter = Counter()
    by_account: Counter = Counter()
    states = state_bytes = 0
    errors: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(RECORD_PREFIX):
            # The stream name is the first key of the record: no need to parse the whole line.
            start = line.index('"stream":"') + 10
            stream = line[start:line.index('"', start)]
            records[stream] += 1
            account = line.find('"account_id":"')
            if account >= 0:
                by_account[stream, "act_" + line[account + 14:line.index('"', account + 14)]] += 1
        elif line.startswith(STATE_PREFIX):
            states += 1
            state_bytes += len(line)
        elif '"type":"TRACE"' in line and '"ERROR"' in line:
            errors.append(json.loads(line)["trace"]["error"]["message"])
    stderr = process.stderr.read() if process.stderr else ""
    process.stdout.close()
    if process.stderr:
        process.stderr.close()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 and not errors:
        errors.append(stderr.strip()[-2000:] or f"exit code {process.returncode}")
    main_thread_cpu = None
    if clock_file is not None:
        written = clock_file.read_text(encoding="utf-8").strip()
        main_thread_cpu = float(written) if written else None  # nothing written: the child did not exit normally
        clock_file.unlink()
    return Measured(
        command=label or Path(argv[0]).name,
        returncode=process.returncode,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,
        records=records,
        records_by_account=by_account,
        errors=errors,
        state_messages=states,
        state_bytes=state_bytes,
        main_thread_cpu_seconds=main_thread_cpu,
    )
