"""The installed command, forked from a process that has already imported it.

Each start of `source-facebook-ads` spends ~2.5 CPU-s importing the CDK before it reads its
arguments, and the integration tests start it a few hundred times. Here one process per test worker
imports the installed package once; every run is a fork of it that sets its arguments, working
directory and environment, then calls the console script's own `run()`, and leaves as an
interpreter does (atexit, worker threads joined, exit status). What importing printed is put in
front of each run's output, so every run prints the bytes a fresh start would.

Tests whose point is the console script itself, signals or a packaged wheel start a real process
(connector.py's `run_connector`, `start_connector`).
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

# Started with `python -P` from a scratch directory: neither the repo nor this folder is on its path,
# so it imports the package pip installed, as the console script does.
_PARENT = r'''
import json, os, sys, tempfile

def serve():
    """Import the command once; answer each request with a forked run. Returns only in a child."""
    control_in = os.fdopen(os.dup(0), "r")
    control_out = os.fdopen(os.dup(1), "w")
    printed = {}
    for fd, name in ((1, "stdout"), (2, "stderr")):
        printed[name] = tempfile.TemporaryFile()
        os.dup2(printed[name].fileno(), fd)
    import source_facebook_ads.run  # noqa: F401  (the import every start pays)
    sys.stdout.flush(); sys.stderr.flush()
    opening = {}
    for name, file in printed.items():
        file.seek(0)
        opening[name] = file.read().decode("utf-8", "replace")
    control_out.write(json.dumps({"module": source_facebook_ads.run.__file__, **opening}) + "\n")
    control_out.flush()
    for line in control_in:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            control_in.close(); control_out.close()
            return request
        control_out.write(json.dumps({"pid": pid}) + "\n"); control_out.flush()
        _, status = os.waitpid(pid, 0)
        control_out.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}) + "\n"); control_out.flush()
    sys.exit(0)

request = serve()
os.chdir(request["cwd"])
os.environ.clear(); os.environ.update(request["env"])
tempfile.tempdir = None  # TMPDIR as this run's environment says
for fd, path, flags in ((0, os.devnull, os.O_RDONLY), (1, request["stdout"], os.O_WRONLY), (2, request["stderr"], os.O_WRONLY)):
    opened = os.open(path, flags)
    os.dup2(opened, fd); os.close(opened)
sys.argv = request["argv"]
from source_facebook_ads.run import run
sys.exit(run())
'''


class ForkedCommand:
    """One importing parent per test process; `run` forks it for one command, one at a time."""

    def __init__(self, command: Path) -> None:
        self._command = command
        self._lock = threading.Lock()
        self._parent: Optional[subprocess.Popen] = None
        self._opening = {"stdout": "", "stderr": ""}
        self._unread = b""
        atexit.register(self.close)

    def run(self, args: list[str], cwd: Path, timeout: float) -> tuple[int, str, str]:
        """(exit status, stdout, stderr) of the command with `args`, run in `cwd`."""
        with self._lock, tempfile.TemporaryDirectory() as scratch:
            parent = self._started()
            stdout, stderr = Path(scratch, "stdout"), Path(scratch, "stderr")
            stdout.touch()
            stderr.touch()
            request = {
                "argv": [str(self._command), *args], "cwd": str(cwd), "env": dict(os.environ),
                "stdout": str(stdout), "stderr": str(stderr),
            }
            parent.stdin.write(json.dumps(request) + "\n")
            parent.stdin.flush()
            pid = self._answer(parent, time.monotonic() + 60)["pid"]
            try:
                returncode = self._answer(parent, time.monotonic() + timeout)["returncode"]
            except subprocess.TimeoutExpired:
                os.kill(pid, signal.SIGKILL)
                self._answer(parent, time.monotonic() + 60)
                raise subprocess.TimeoutExpired([str(self._command), *args], timeout)
            return (
                returncode,
                self._opening["stdout"] + stdout.read_text(errors="replace"),
                self._opening["stderr"] + stderr.read_text(errors="replace"),
            )

    def _started(self) -> subprocess.Popen:
        if self._parent is None or self._parent.poll() is not None:
            self._unread = b""
            self._parent = subprocess.Popen(
                [sys.executable, "-P", "-c", _PARENT], cwd=tempfile.gettempdir(), text=True, bufsize=1,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            )
            opening = self._answer(self._parent, time.monotonic() + 120)
            installed = Path(opening.pop("module"))
            assert "site-packages" in installed.parts, f"the forked command imported {installed}, not the installed package"
            self._opening = opening
        return self._parent

    def _answer(self, parent: subprocess.Popen, deadline: float) -> dict:
        """The parent's next line, or TimeoutExpired at `deadline` (read unbuffered: select must see it)."""
        while b"\n" not in self._unread:
            if not select.select([parent.stdout], [], [], max(0.0, deadline - time.monotonic()))[0]:
                raise subprocess.TimeoutExpired("forked command", deadline)
            chunk = os.read(parent.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError(f"the forking parent ended (status {parent.wait()})")
            self._unread += chunk
        line, self._unread = self._unread.split(b"\n", 1)
        return json.loads(line)

    def close(self) -> None:
        """End the parent and wait for it, so its runs' CPU time is counted in this process's children."""
        if self._parent is not None and self._parent.poll() is None:
            self._parent.stdin.close()
            self._parent.wait(timeout=60)
