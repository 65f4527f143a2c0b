"""Loaded by a measured connector process (benchmarks/measure.py puts this folder on its PYTHONPATH).

At exit, on the main thread, it writes that thread's CPU seconds to the file named by
MAIN_THREAD_CPU_FILE: the split between the main thread (start-up, then every message written)
and the workers (every call and page), which `os.wait4` on the whole process cannot give. It
replaces any other `sitecustomize` of the interpreter, for the measured process only.
"""

import atexit
import os
import time


def _write_main_thread_cpu(path: str) -> None:
    with open(path, "w", encoding="utf-8") as file:
        file.write(f"{time.thread_time()}\n")


if os.environ.get("MAIN_THREAD_CPU_FILE"):
    atexit.register(_write_main_thread_cpu, os.environ["MAIN_THREAD_CPU_FILE"])
