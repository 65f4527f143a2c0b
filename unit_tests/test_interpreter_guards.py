"""The connector survives CPython's cross-thread AST race, and finds class sources with one parse per
file (see interpreter_guards.py)."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from source_facebook_ads.interpreter_guards import (
    ast_parse_races_across_threads,
    class_sources_cost_a_parse_each,
    find_class_sources_with_one_parse_per_file,
)

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


_CLASSES = textwrap.dedent(
    """
    import dataclasses

    class Plain:
        pass

    @dataclasses.dataclass
    class Decorated:
        field: int = 0
        "a field's docstring"

    class Outer:
        class Inner:
            pass

    def factory():
        class Local:
            pass
        return Local

    if True:
        class Twice:
            first = True
    else:
        class Twice:
            first = False

    Made = type("Made", (), {})
    """
)


def _module_of_classes(tmp_path: Path, name: str) -> ModuleType:
    path = tmp_path / f"{name}.py"
    path.write_text(_CLASSES)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _classes_of(module: ModuleType) -> list[type]:
    return [module.Plain, module.Decorated, module.Outer, module.Outer.Inner, module.factory(), module.Twice, module.Made]


def _answer(findsource, obj) -> tuple[list[str], int] | str:
    try:
        return findsource(obj)
    except (OSError, TypeError) as error:
        return f"{type(error).__name__}: {error}"


@pytest.fixture
def indexed_findsource(monkeypatch: pytest.MonkeyPatch):
    """inspect.findsource with the guard, installed afresh over the interpreter's own."""
    interpreters = getattr(inspect.findsource, "__wrapped__", inspect.findsource)
    monkeypatch.setattr(inspect, "findsource", interpreters)
    find_class_sources_with_one_parse_per_file()
    return interpreters, inspect.findsource


@pytest.mark.skipif(not class_sources_cost_a_parse_each(), reason="this interpreter finds a class's line without a parse")
class TestClassSources:
    def test_every_class_is_found_where_the_interpreter_finds_it(self, tmp_path: Path, indexed_findsource) -> None:
        interpreters, indexed = indexed_findsource
        import airbyte_cdk.models.airbyte_protocol as protocol

        module = _module_of_classes(tmp_path, "classes_to_find")
        protocol_classes = [value for value in vars(protocol).values() if inspect.isclass(value)]
        for obj in [*_classes_of(module), *protocol_classes, inspect.Signature, int, str]:
            assert _answer(indexed, obj) == _answer(interpreters, obj), obj

    def test_the_classes_of_one_file_cost_one_parse(self, tmp_path: Path, indexed_findsource, monkeypatch) -> None:
        _, indexed = indexed_findsource
        module = _module_of_classes(tmp_path, "classes_parsed_once")
        parses = []
        unparsed = ast.parse
        monkeypatch.setattr(ast, "parse", lambda *args, **kwargs: parses.append(1) or unparsed(*args, **kwargs))
        for obj in _classes_of(module):
            _answer(indexed, obj)
        assert len(parses) == 1

    def test_a_file_changed_on_disk_is_parsed_again(self, tmp_path: Path, indexed_findsource) -> None:
        _, indexed = indexed_findsource
        module = _module_of_classes(tmp_path, "classes_edited")
        assert indexed(module.Plain)[1] == 3
        path = Path(module.__file__)
        path.write_text("# a line added above\n" + path.read_text())
        assert indexed(module.Plain)[1] == 4

    def test_importing_the_package_spares_the_cdk_import_a_parse_per_protocol_class(self) -> None:
        script = textwrap.dedent(
            """
            import ast, dataclasses, inspect
            import source_facebook_ads
            import airbyte_cdk.models.airbyte_protocol as protocol
            parses = []
            unparsed = ast.parse
            ast.parse = lambda *args, **kwargs: parses.append(1) or unparsed(*args, **kwargs)
            # The generated models module, whose classes the CDK's import builds serializers of.
            models = "airbyte_protocol_dataclasses.models.airbyte_protocol"
            classes = [v for v in vars(protocol).values() if dataclasses.is_dataclass(v) and v.__module__ == models]
            for obj in classes:
                inspect.getsource(obj)
            print(len(classes), len(parses))
            """
        )
        classes, parses = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
        ).stdout.split()
        assert int(classes) > 10 and int(parses) == 0
