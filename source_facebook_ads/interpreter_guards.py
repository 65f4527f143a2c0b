"""Work-arounds for bugs of the Python interpreter the connector runs on.

CPython 3.11.0 to 3.11.7 and 3.12.0 to 3.12.1 keep the AST builder's recursion counter in state
shared by every thread. When the garbage collector runs a finalizer that releases the GIL while
one thread builds an AST, a second thread's parse resets that counter, and the first fails with
"SystemError: AST constructor recursion depth mismatch". The CDK `ast.literal_eval`s every
interpolated request option on each of its worker threads, so on those interpreters a sync could
fail at random with a system_error (seen about once in six failing reads under load).
Fixed upstream by python/cpython#113035 (3.11.8, 3.12.2); before that, parsing one thread at a time
is the only safe way.
"""

from __future__ import annotations

import ast
import functools
import sys
import threading
from typing import Any

_SERIALIZED = "_source_facebook_ads_serialized"


def ast_parse_races_across_threads(version: tuple[int, int, int] = sys.version_info[:3]) -> bool:
    return (3, 11, 0) <= version < (3, 11, 8) or (3, 12, 0) <= version < (3, 12, 2)


def serialize_ast_parse_where_it_races() -> None:
    """Make `ast.parse` (and so `ast.literal_eval`) take one lock, on the interpreters that race."""
    if not ast_parse_races_across_threads() or getattr(ast.parse, _SERIALIZED, False):
        return
    parse_one_at_a_time = threading.RLock()  # re-entrant: a finalizer may parse on the same thread
    unguarded = ast.parse

    @functools.wraps(unguarded)
    def parse(*args: Any, **kwargs: Any) -> ast.AST:
        with parse_one_at_a_time:
            return unguarded(*args, **kwargs)

    setattr(parse, _SERIALIZED, True)
    ast.parse = parse
