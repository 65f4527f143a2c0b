"""Work-arounds for a bug and a cost of the Python interpreter the connector runs on.

The bug: CPython 3.11.0 to 3.11.7 and 3.12.0 to 3.12.1 keep the AST builder's recursion counter in state
shared by every thread. When the garbage collector runs a finalizer that releases the GIL while
one thread builds an AST, a second thread's parse resets that counter, and the first fails with
"SystemError: AST constructor recursion depth mismatch". The CDK `ast.literal_eval`s every
interpolated request option on each of its worker threads, so on those interpreters a sync could
fail at random with a system_error (seen about once in six failing reads under load).
Fixed upstream by python/cpython#113035 (3.11.8, 3.12.2); before that, parsing one thread at a time
is the only safe way.

The cost: before 3.13, `inspect.findsource` of a class parses the class's whole file and walks it,
for every class asked about. Importing the CDK builds serpyco-rs serializers of the Airbyte
protocol's dataclasses, and serpyco-rs reads each dataclass's attribute docstrings through
`inspect.getsource`: 64 parses of one large generated module, about 1 of the 2.7 CPU-seconds the
import takes, paid by every command. 3.13 reads the line from the class (`__firstlineno__`) instead.
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import sys
import threading
from typing import Any

_SERIALIZED = "_source_facebook_ads_serialized"
_INDEXED = "_source_facebook_ads_indexed"


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


def class_sources_cost_a_parse_each(version: tuple[int, int] = sys.version_info[:2]) -> bool:
    return version < (3, 13)


def find_class_sources_with_one_parse_per_file() -> None:
    """Make `inspect.findsource` of a class parse its file once, then look each class up by name.

    Same answer as the interpreter's own: the file, module and lines are found as it finds them, and
    each qualified name maps to the line its own walk would stop at (the first class of that name,
    from its first decorator). A file whose lines linecache reloads is parsed again."""
    if not class_sources_cost_a_parse_each() or getattr(inspect.findsource, _INDEXED, False):
        return
    parse_per_class = inspect.findsource
    by_file: dict[str, tuple[list[str], dict[str, int]]] = {}

    @functools.wraps(parse_per_class)
    def findsource(obj: Any) -> tuple[list[str], int]:
        file = inspect.getsourcefile(obj) if inspect.isclass(obj) else None
        if not file:  # not a class, or no source file: the interpreter's own path and errors
            return parse_per_class(obj)
        linecache.checkcache(file)
        module = inspect.getmodule(obj, file)
        lines = linecache.getlines(file, module.__dict__) if module else linecache.getlines(file)
        if not lines:
            raise OSError("could not get source code")
        known = by_file.get(file)
        if known is None or known[0] is not lines:
            known = by_file[file] = (lines, _first_lines_of_classes("".join(lines)))
        try:
            return lines, known[1][obj.__qualname__]
        except KeyError:
            raise OSError("could not find class definition") from None

    setattr(findsource, _INDEXED, True)
    inspect.findsource = findsource


class _FirstLinesOfClasses(ast.NodeVisitor):
    """Walks a module as `inspect`'s class finder does, noting every class instead of stopping at one."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.first_lines: dict[str, int] = {}

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.stack += [node.name, "<locals>"]
        self.generic_visit(node)
        del self.stack[-2:]

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.stack.append(node.name)
        first = node.decorator_list[0] if node.decorator_list else node
        self.first_lines.setdefault(".".join(self.stack), first.lineno - 1)  # 0-based, as findsource's
        self.generic_visit(node)
        self.stack.pop()


def _first_lines_of_classes(source: str) -> dict[str, int]:
    finder = _FirstLinesOfClasses()
    finder.visit(ast.parse(source))
    return finder.first_lines
