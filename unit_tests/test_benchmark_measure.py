"""The benchmarks' measurement of a child process: its CPU split between the main thread and the others."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks import measure

# A child that spends ~0.1 CPU-s on its main thread and ~0.4 on another, and prints one RECORD line.
CHILD = """
import threading, time

def burn(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass

worker = threading.Thread(target=burn, args=(0.4,))
worker.start()
worker.join()
burn(0.1)
print('{"type":"RECORD","record":{"stream":"s","data":{},"emitted_at":0}}')
"""


@pytest.fixture(autouse=True)
def _no_bytecode_compilation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(measure, "bytecode_compiled", lambda: None)  # the venv's bytecode is not under test


def test_main_thread_clock_splits_the_cpu_between_the_main_thread_and_the_others(tmp_path: Path) -> None:
    measured = measure.run_measured([sys.executable, "-c", CHILD], tmp_path, env={"PYTHONPATH": str(tmp_path)},
                                    main_thread_clock=True)

    assert measured.returncode == 0 and measured.total_records == 1
    assert 0.1 <= measured.main_thread_cpu_seconds < 0.35  # its burn and the interpreter's start-up
    assert measured.workers_cpu_seconds >= 0.35
    assert list(tmp_path.iterdir()) == []  # the clock's file is gone


def test_without_the_clock_or_a_normal_exit_there_is_no_split(tmp_path: Path) -> None:
    plain = measure.run_measured([sys.executable, "-c", CHILD], tmp_path)
    killed = measure.run_measured([sys.executable, "-c", "import os; os._exit(0)"], tmp_path, main_thread_clock=True)

    assert plain.main_thread_cpu_seconds is None and plain.workers_cpu_seconds is None
    assert killed.main_thread_cpu_seconds is None  # atexit never ran
