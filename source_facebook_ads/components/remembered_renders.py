"""Request templates render once per distinct value of what they read, not once per call (issue 10).

The CDK renders every interpolated part of every request with Jinja and then `ast.literal_eval`s the
text: the token, the URL and each request parameter's name and value (16 templates for an insights
request), each call. Most of them read only the config and the stream's parameters (the token, an
insights report's `fields`, `level`, `filtering`), or the slice's window (`time_range`, the object
edges' `filtering`), which every account of a sync shares: 200 accounts rendered the same texts
800 times.

`RememberingInterpolation` is the CDK's Jinja interpolation with a memory: it reads, once per
template, which names and attribute or item paths the template reads (`stream_interval.start_time`),
and remembers each result under the values found at those paths. The CDK renders every miss, so a
remembered value is the CDK's own. A template that reads anything else (a `response`, a macro of
the clock such as `now_utc()`, a variable it sets itself), or a value of a type that cannot key a
result exactly (a slice object, a custom class), is rendered by the CDK at every call, as before.
Only immutable results (text, numbers, booleans, None) are kept, at most DISTINCT_RENDERS per template
owner; errors are raised again at every call, as the CDK raises them.
"""

from __future__ import annotations

import datetime
from typing import Any, Iterator, Mapping, Optional, Tuple, Type

from airbyte_cdk.sources.declarative.auth.token import BearerAuthenticator
from airbyte_cdk.sources.declarative.auth.token_provider import InterpolatedStringTokenProvider
from airbyte_cdk.sources.declarative.interpolation.interpolated_mapping import InterpolatedMapping
from airbyte_cdk.sources.declarative.interpolation.interpolated_string import InterpolatedString
from airbyte_cdk.sources.declarative.interpolation.jinja import JinjaInterpolation, StreamPartitionAccessEnvironment
from airbyte_cdk.sources.declarative.requesters.http_requester import HttpRequester
from airbyte_cdk.sources.declarative.requesters.request_options.interpolated_request_options_provider import (
    InterpolatedRequestOptionsProvider,
)
from airbyte_cdk.sources.types import Config
from jinja2 import TemplateError, Undefined, nodes

# Results remembered per template owner (a URL, a requester's parameters): a window's texts are shared
# by every account, a URL is one per account; past this, misses are rendered without being kept.
DISTINCT_RENDERS = 1024

# Names whose values are fixed for a template owner: the config and the stream's parameters are the
# same objects at every call; a call with other objects is rendered and not remembered.
_FIXED_NAMES = ("config", "parameters")
# Names of the slice and the page, read through paths: the key holds the values found at those paths.
_SLICE_NAMES = frozenset({"stream_slice", "stream_interval", "stream_partition", "next_page_token"})
# The CDK's aliases (jinja.py): each names the same object as `stream_slice`.
_ALIASES = {"stream_interval": "stream_slice", "stream_partition": "stream_slice"}
# Macros and filters whose result depends on their arguments only; any other is not remembered.
_PURE_CALLS = frozenset({"format_datetime", "max", "min", "str_to_datetime", "duration"})
_PURE_FILTERS = frozenset(
    {"tojson", "int", "float", "string", "join", "default", "d", "lower", "upper", "trim", "replace", "length",
     "first", "last", "list", "abs", "round"}
)
# Statements that make names of their own (loops, assignments, macros): not followed.
_SCOPED_STATEMENTS = (nodes.For, nodes.Assign, nodes.AssignBlock, nodes.Macro, nodes.CallBlock, nodes.FilterBlock,
                      nodes.With, nodes.Scope, nodes.Import, nodes.FromImport, nodes.Include, nodes.Extends, nodes.Block)
# Types whose value keys a rendering exactly; each is keyed with its type (1, 1.0 and True render apart).
_EXACT_TYPES = frozenset({str, int, bool, type(None), datetime.date})
_KEPT_RESULTS = (str, int, float, bool, type(None))

# The CDK's own environment class: the same attribute and item lookups, sandbox rules included.
_LOOKUPS = StreamPartitionAccessEnvironment()

Path = Tuple[str, Tuple[Tuple[bool, Any], ...]]  # (name, ((is_attribute, attribute or key), ...))


class _NotRememberable(Exception):
    pass


class RememberingInterpolation(JinjaInterpolation):
    def __init__(self) -> None:
        self._plans: dict[Tuple[Optional[str], Optional[str]], Optional[Tuple[Path, ...]]] = {}
        self._renders: dict[Any, Any] = {}
        self._fixed: Optional[Tuple[Any, ...]] = None  # the config and parameters of every call so far

    def eval(
        self,
        input_str: str,
        config: Config,
        default: Optional[str] = None,
        valid_types: Optional[Tuple[Type[Any]]] = None,
        **additional_parameters: Any,
    ) -> Any:
        key = self._key(input_str, default, valid_types, config, additional_parameters)
        if key is None:
            return super().eval(input_str, config, default, valid_types, **additional_parameters)
        try:
            return self._renders[key]
        except KeyError:
            pass
        result = super().eval(input_str, config, default, valid_types, **additional_parameters)
        if type(result) in _KEPT_RESULTS and len(self._renders) < DISTINCT_RENDERS:
            self._renders[key] = result
        return result

    def _key(
        self, input_str: Any, default: Any, valid_types: Any, config: Config, additional: Mapping[str, Any]
    ) -> Optional[Tuple[Any, ...]]:
        plan_key = (input_str, default)
        try:
            paths = self._plans[plan_key]
        except KeyError:
            paths = self._plans[plan_key] = _paths_read(input_str, default)
        except TypeError:  # not text: the CDK says what is wrong
            return None
        if paths is None or any(alias in additional for alias in _ALIASES):
            return None
        context = {"config": config, **additional}
        fixed = tuple(context.get(name) for name in _FIXED_NAMES)
        if self._fixed is None:
            self._fixed = fixed  # held, so that their identities stay theirs
        elif any(mine is not theirs for mine, theirs in zip(self._fixed, fixed)):
            return None  # another config or parameters object: rendered, not remembered
        try:
            values = tuple(_frozen(_value_at(context, path)) for path in paths)
            return (input_str, default, valid_types, values)
        except (_NotRememberable, KeyError, TypeError, TemplateError):
            return None


def _paths_read(*templates: Optional[str]) -> Optional[Tuple[Path, ...]]:
    """The slice paths the templates read, or None when what they read is not only the config, the
    parameters and such paths (or they are not valid templates: the CDK says why)."""
    paths: list[Path] = []
    try:
        for template in templates:
            if template is not None:
                _collect(_LOOKUPS.parse(template), paths)
        return tuple(dict.fromkeys(paths))
    except (_NotRememberable, TemplateError, TypeError):
        return None


def _collect(node: nodes.Node, paths: list[Path]) -> None:
    if isinstance(node, _SCOPED_STATEMENTS):
        raise _NotRememberable()
    path = _path_of(node)
    if path is not None:
        name, steps = path
        if name in _SLICE_NAMES:
            paths.append(path)
        elif name not in _FIXED_NAMES:
            raise _NotRememberable()
        return
    if isinstance(node, nodes.Call):
        callee = node.node
        if isinstance(callee, nodes.Name) and callee.name in _PURE_CALLS:
            pass
        elif isinstance(callee, nodes.Getattr) and callee.attr == "get" and _root_name(callee.node) in _FIXED_NAMES:
            pass  # `config.get('key')`
        else:
            raise _NotRememberable()
        for child in (*node.args, *node.kwargs, node.dyn_args, node.dyn_kwargs):
            if child is not None:
                _collect(child, paths)
        return
    if isinstance(node, nodes.Filter) and node.name not in _PURE_FILTERS:
        raise _NotRememberable()
    for child in node.iter_child_nodes():
        _collect(child, paths)


def _path_of(node: nodes.Node) -> Optional[Path]:
    """`a.b['c']` -> ("a", ((True, "b"), (False, "c"))); None unless a name read through constant steps."""
    steps: list[Tuple[bool, Any]] = []
    while True:
        if isinstance(node, nodes.Getattr):
            steps.append((True, node.attr))
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            steps.append((False, node.arg.value))
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            return node.name, tuple(reversed(steps))
        else:
            return None
        node = node.node


def _root_name(node: nodes.Node) -> Optional[str]:
    path = _path_of(node)
    return path[0] if path is not None else None


def _value_at(context: Mapping[str, Any], path: Path) -> Any:
    name, steps = path
    value = context[_ALIASES.get(name, name)]
    for is_attribute, step in steps:
        # The lookups Jinja's compiled template makes for `a.b` and `a['b']`, in the CDK's environment.
        value = _LOOKUPS.getattr(value, step) if is_attribute else _LOOKUPS.getitem(value, step)
    return value


def _frozen(value: Any) -> Any:
    kind = type(value)
    if kind in _EXACT_TYPES:
        return kind, value
    if kind is float or kind is datetime.datetime:  # -0.0 and 0.0, or one instant in two offsets, print apart
        return kind, repr(value)
    if kind is dict:
        return kind, tuple((_frozen(key), _frozen(item)) for key, item in value.items())
    if kind is list or kind is tuple:
        return kind, tuple(_frozen(item) for item in value)
    if kind is Undefined:
        return (kind,)
    raise _NotRememberable()


def remember_renders(requester: HttpRequester) -> None:
    """Give the requester's URL, token and request options a RememberingInterpolation each."""
    for interpolated in _templates_of(requester):
        if type(interpolated._interpolation) is JinjaInterpolation:  # noqa: SLF001 - the owner's interpolation
            interpolated._interpolation = RememberingInterpolation()  # noqa: SLF001


def _templates_of(requester: HttpRequester) -> Iterator[Any]:
    yield from (requester._url, requester._url_base, requester._path)  # noqa: SLF001
    options = requester._request_options_provider  # noqa: SLF001
    if isinstance(options, InterpolatedRequestOptionsProvider):
        for inputs in (options._parameter_interpolator, options._headers_interpolator, options._body_data_interpolator):  # noqa: SLF001
            if isinstance(inputs._interpolator, (InterpolatedString, InterpolatedMapping)):  # noqa: SLF001
                yield inputs._interpolator  # noqa: SLF001
    authenticator = requester._authenticator  # noqa: SLF001
    if isinstance(authenticator, BearerAuthenticator) and isinstance(authenticator.token_provider, InterpolatedStringTokenProvider):
        yield authenticator.token_provider._token  # noqa: SLF001
