"""``restish stubs``: a typing stub (``.pyi``) that describes an endpoint map as Protocol classes.

Each level of the map's tree becomes a :class:`typing.Protocol` with its
children as properties, ``__getitem__`` for its variable and for fixed names
that are not identifiers (``api['user-groups']``), and only the verbs its
route allows. The root protocol adds the RPC names, their route variables as
keyword-only arguments. A ``restish.Client`` matches the root protocol by
shape, so ``api: MaxApi = restish.Client(url)`` gives completion in editors
and lets a type checker refuse ``api.peple`` or a verb the route forbids.
"""
from __future__ import annotations

import inspect
import keyword
import re
from typing import Any, Iterator

from . import helpdoc
from .resources import CLIENT_ATTRIBUTES, ROOT_ATTRIBUTES
from .routes import VERBS, Node, Route, RouteMap

__all__ = ["stub_text", "stub_for"]
_NOT_WORD = re.compile(r"[^0-9A-Za-z]+")


def stub_for(resources: Any = None, openapi: Any = None, name: str = "Api") -> str:
    """The stub text for a resources map (path, file or dict; None: the bundled one) or an
    OpenAPI document (path, URL or dict). Raises MapError, or what fetching a URL raises."""
    if not name.isidentifier() or keyword.iskeyword(name):
        from .errors import InvalidValue
        raise InvalidValue(f"--name {name!r} must be a Python identifier (a class name such as MaxApi)")
    if openapi is not None:
        from .openapi import load, translate
        translation = translate(load(openapi))
        from .routes import compile_map
        return stub_text(compile_map(translation.raw, None, translation.source), name)
    from .routes import bundled_path, load_map
    if resources is None:  # the bundled map, with its defaults: they show in the verbs' docs
        return stub_text(load_map(bundled_path("resources.yaml"), bundled_path("defaults.yaml")), name,
                         "the bundled map (resources.yaml)")
    return stub_text(load_map(resources), name)


def stub_text(route_map: RouteMap, name: str = "Api", source: str | None = None) -> str:
    """The ``.pyi`` text describing ``route_map``, its root protocol called ``name``;
    ``source`` (default: the map's file) is named in its first line."""
    writer = _Writer(name)
    # A child named like an attribute of the proxy (or, at the top, of the Client) is reached with [...].
    root = writer.node(route_map.root, (), CLIENT_ATTRIBUTES, is_root=True)
    writer.add_rpc(root, route_map)
    return _header(source or f"the endpoint map {route_map.source}", name) + "\n\n\n".join(writer.classes) + "\n"


def _header(source: str, name: str) -> str:
    return (f"# Typing stub for {source}, written by `restish stubs`.\n"
            f"# Write it again when the map changes. Use it as:\n#\n"
            f"#     from typing import TYPE_CHECKING\n"
            f"#     import restish\n"
            f"#     if TYPE_CHECKING:\n"
            f"#         from <this module> import {name}\n"
            f"#     api: \"{name}\" = restish.Client(url)\n"
            f"from typing import Any, Literal, Protocol, overload\n\n"
            f"from restish.protocols import ClientLike, ProxyLike\n\n\n")


class _Class:
    """One protocol being written: its name and body lines (children are written first)."""

    def __init__(self, name: str, bases: str, doc: str) -> None:
        self.name = name
        self.lines = [f"class {name}({bases}, Protocol):", _docstring(doc, 4)]


class _Writer:
    def __init__(self, name: str) -> None:
        self.root_name = name
        self.classes: list[str] = []
        self.taken: set[str] = {name}
        self.root: _Class | None = None

    def node(self, node: Node, trail: tuple[str, ...], reserved: frozenset, is_root: bool = False) -> _Class:
        """Write the protocol of ``node`` (after those of its children); returns it."""
        name = self.root_name if is_root else self.class_name(trail)
        bases = "ClientLike" if is_root else "ProxyLike"
        cls = _Class(name, bases, _node_doc(node, trail, is_root))
        items: list[tuple[str, str]] = []  # (Literal text or "", class name) for __getitem__
        for child_name, child in node.fixed.items():
            child_cls = self.node(child, (*trail, child_name), ROOT_ATTRIBUTES)
            items.append((repr(child_name), child_cls.name))
            if child_name.isidentifier() and not keyword.iskeyword(child_name) \
                    and child_name not in reserved and not child_name.startswith("_"):
                cls.lines += ["    @property", f"    def {child_name}(self) -> {child_cls.name}: ..."]
        if node.var is not None:
            var_cls = self.node(node.var, (*trail, "{" + _variable_name(node.var, len(trail)) + "}"), ROOT_ATTRIBUTES)
            items.append(("", var_cls.name))
        cls.lines += _getitem(items)
        cls.lines += _verbs(node.route)
        if not is_root:
            self.classes.append("\n".join(cls.lines))
        return cls

    def class_name(self, trail: tuple[str, ...]) -> str:
        """``_People_Username_Activities`` for ``people/{username}/activities``, made unique."""
        words = [_NOT_WORD.sub("_", part).strip("_").title().replace("_", "") or "X" for part in trail]
        base = "_" + "_".join(words)
        name, n = base, 2
        while name in self.taken:
            name, n = f"{base}{n}", n + 1
        self.taken.add(name)
        return name

    def add_rpc(self, root: _Class, route_map: RouteMap) -> None:
        """The RPC names on the root protocol, which is written last."""
        for rpc_name, (route, verb) in route_map.rpc.items():
            root.lines += _method(rpc_name, route, verb, rpc_name)
        self.classes.append("\n".join(root.lines))


def _method(name: str, route: Route, verb: str, rpc_name: str | None = None) -> list[str]:
    """A verb or RPC name as a method: its signature and help text (:mod:`restish.helpdoc`) typed."""
    params = []
    for param in helpdoc.verb_signature(route, verb, rpc_name).parameters.values():
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            continue
        default = "" if param.default is inspect.Parameter.empty else " = ..."
        params.append(f"{param.name}: Any{default}")
    if params and "self" in (p.split(":")[0] for p in params):
        params = []  # a variable called self: everything through **kwargs
    keyword_only = f"*, {', '.join(params)}, " if params else ""
    return [f"    def {name}(self, /, {keyword_only}**kwargs: Any) -> Any:",
            _docstring(helpdoc.verb_help(route, verb, name=rpc_name), 8)]


def _getitem(items: list[tuple[str, str]]) -> list[str]:
    """``__getitem__``: one overload per fixed name (a Literal), the variable's (any value) last."""
    if not items:
        return []
    lines = []
    overload = len(items) > 1
    for literal, cls in items:
        value = f"Literal[{literal}]" if literal else "Any"
        if overload:
            lines.append("    @overload")
        lines.append(f"    def __getitem__(self, value: {value}) -> {cls}: ...")
    return lines


def _verbs(route: Route | None) -> list[str]:
    lines = []
    for verb in VERBS:
        if route is not None and verb in route.methods:
            lines += _method(verb.lower(), route, verb)
    return lines


def _node_doc(node: Node, trail: tuple[str, ...], is_root: bool) -> str:
    path = "/" + "/".join(trail)
    route = node.route
    if route is None:
        return f"{path} (no route ends here)" if not is_root else "The client: the map's top level and RPC names."
    verbs = " ".join(v for v in VERBS if v in route.methods)
    head = f"{route.template}: {verbs}"
    return f"{head}\n\n{route.doc.strip()}" if route.doc else head


def _variable_name(node: Node, depth: int) -> str:
    """The name the map gives the variable at ``depth`` (0-based segment index) below ``node``."""
    for route in _routes_below(node):
        segments = route.template.strip("/").split("/")
        if depth < len(segments) and segments[depth].startswith("{"):
            return segments[depth][1:-1]
    return "item"


def _routes_below(node: Node) -> Iterator[Route]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.route is not None:
            yield current.route
        stack.extend(current.fixed.values())
        if current.var is not None:
            stack.append(current.var)


def _docstring(text: str, indent: int) -> str:
    """``text`` as a triple-quoted literal at ``indent``; backslashes and quotes escaped."""
    safe = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if safe.endswith('"'):
        safe += " "
    pad = " " * indent
    lines = safe.splitlines() or [""]
    if len(lines) == 1:
        return f'{pad}"""{lines[0]}"""'
    return "\n".join([f'{pad}"""{lines[0]}', *(f"{pad}{line}" if line else "" for line in lines[1:]), f'{pad}"""'])
