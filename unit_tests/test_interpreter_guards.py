"""The connector survives CPython's cross-thread AST race (see interpreter_guards.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from source_facebook_ads.interpreter_guards import ast_parse_races_across_threads

# Threads at different stack depths literal_eval a literal big enough for the collector to run
# while its AST is built, with garbage whose finalizer releases the GIL: the CDK's worker threads
# in miniature. Unguarded, 3.11.7 fails this within about a second.
_STRESS = """
import ast, gc, sys, threading, time
if sys.argv[1] == "guarded":
    import source_facebook_ads
LITERAL = "[" + ", ".join("{'a': (1, 2), 'b': [3]}" for _ in range(60)) + "]"
errors = []
class ReleasesTheGil:
    def __del__(self):
        time.sleep(1e-5)
def at_depth(n, f):
    return f() if n == 0 else at_depth(n - 1, f)
def parse(depth, until):
    def loop():
        while not errors and time.monotonic() < until:
            garbage = [ReleasesTheGil()]; garbage.append(garbage); del garbage
            try:
                ast.literal_eval(LITERAL)
            except SystemError as error:
                errors.append(error)
    at_depth(depth, loop)
gc.set_threshold(20)
sys.setswitchinterval(1e-6)
until = time.monotonic() + float(sys.argv[2])
threads = [threading.Thread(target=parse, args=(3 * d, until)) for d in range(6)]
[t.start() for t in threads]
[t.join() for t in threads]
print(repr(errors[0]) if errors else "no error")
"""


def _stress(mode: str, seconds: float) -> str:
    return subprocess.run(
        [sys.executable, "-c", _STRESS, mode, str(seconds)], capture_output=True, text=True, timeout=120, check=True
    ).stdout.strip()


@pytest.mark.skipif(not ast_parse_races_across_threads(), reason="this interpreter builds ASTs thread-safely")
def test_literal_eval_on_many_threads_never_fails_once_the_package_is_imported() -> None:
    assert _stress("guarded", seconds=3) == "no error"


@pytest.mark.parametrize(
    "version, races",
    [((3, 11, 7), True), ((3, 11, 8), False), ((3, 12, 0), True), ((3, 12, 1), True), ((3, 12, 2), False), ((3, 13, 0), False)],
)
def test_only_the_interpreters_without_the_upstream_fix_are_guarded(version: tuple[int, int, int], races: bool) -> None:
    assert ast_parse_races_across_threads(version) is races
