"""resources.yaml and defaults.yaml -> an immutable, compiled route tree.

The map is compiled once, when it is loaded. Navigating one level is a dict
lookup, so a call costs the same whatever the size of the map.
"""
from __future__ import annotations

import difflib
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import quote

import yaml

from .errors import MapError

VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
ROUTE_KEYS = frozenset({"methods", "doc", "names", "paginate", "params", "items"})
PAGINATE_STYLES = frozenset({"link", "header", "page", "offset", "cursor"})
_VARIABLE = re.compile(r"^\{([^{}/]+)\}$")
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_EMPTY: Mapping[str, Any] = MappingProxyType({})
FIXED_SAFE = "-._~!$&'()*+,;=:@"  # sub-delims and ':' '@' are legal in a path segment


def _sha1(value: str) -> str:
    """MAX addresses contexts by the sha1 of their URL; a hash passes through."""
    return value if _HEX40.match(value) else hashlib.sha1(value.encode("utf-8")).hexdigest()


TRANSFORMS: Mapping[str, Callable[[str], str]] = MappingProxyType({"sha1": _sha1})


@dataclass(frozen=True, eq=False)
class Route:
    """One route template of the map, with everything the map says about it."""

    template: str
    methods: frozenset
    variables: tuple = ()
    doc: str | None = None
    names: Mapping[str, str] = field(default_factory=lambda: _EMPTY)          # VERB -> RPC name
    paginate: Mapping[str, Any] | None = None
    items: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)       # VERB -> default payload (never mutated)


@dataclass(frozen=True, eq=False)
class Node:
    """One level of the tree: fixed children, at most one variable child."""

    fixed: Mapping[str, "Node"] = field(default_factory=lambda: _EMPTY)
    var: "Node | None" = None
    route: Route | None = None
    transform: Callable[[str], str] | None = None  # applied to a variable's value
    segment: str = ""  # this fixed node's name, percent-encoded once at compile time

    def suggest(self, name: str) -> list[str]:
        """The fixed names closest to ``name``, best first."""
        return difflib.get_close_matches(name, list(self.fixed), n=3, cutoff=0.6)


@dataclass(frozen=True, eq=False)
class RouteMap:
    """A compiled endpoint map. ``permissive`` maps allow any path and verb."""

    root: Node
    source: str
    routes: Mapping[str, Route] = field(default_factory=lambda: _EMPTY)
    rpc: Mapping[str, tuple] = field(default_factory=lambda: _EMPTY)          # name -> (Route, VERB)
    permissive: bool = False
    raw: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False)
    raw_defaults: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False)

    def __reduce__(self):
        # MappingProxyType does not pickle; rebuild from the plain sources instead.
        return (_restore, (dict(self.raw), dict(self.raw_defaults), self.source, self.permissive))

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes.values())


def _restore(raw, raw_defaults, source, permissive):
    if permissive:
        return permissive_map(raw_defaults)
    return compile_map(raw, raw_defaults, source)


def permissive_map(defaults: Mapping[str, Any] | None = None) -> RouteMap:
    """A map that allows every path and verb; defaults are keyed by literal path."""
    return RouteMap(root=Node(), source="<permissive>", permissive=True,
                    raw_defaults=MappingProxyType(dict(defaults or {})))


# ---------------------------------------------------------------- reading


def read_yaml(source: Any, what: str) -> tuple[Any, str, dict]:
    """``(data, name, key_lines)`` from a path, an open file or a mapping."""
    if isinstance(source, Mapping):
        return dict(source), f"<{what} dict>", {}
    name, text = _read_text(source, what)
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise MapError(f"invalid YAML: {problem}", name, mark.line + 1 if mark else None) from exc
    return data, name, _key_lines(node)


def _read_text(source: Any, what: str) -> tuple[str, str]:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            return str(path), path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise MapError(f"cannot read {what}: {exc.__class__.__name__}: {exc}", str(path)) from exc
    if hasattr(source, "read"):
        text = source.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return getattr(source, "name", f"<{what} stream>"), text
    raise MapError(f"{what} must be a path, an open file or a mapping, not {type(source).__name__}")


def _key_lines(node: Any) -> dict:
    """1-based lines of the keys of the first two levels: {(k,): n, (k, k2): n}."""
    lines: dict = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[(key.value,)] = key.start_mark.line + 1
            if isinstance(value, yaml.MappingNode):
                for subkey, _ in value.value:
                    lines[(key.value, subkey.value)] = subkey.start_mark.line + 1
    return lines


# ---------------------------------------------------------------- compiling


class _Builder:
    """Mutable twin of :class:`Node`, frozen once the whole map is read."""

    def __init__(self) -> None:
        self.fixed: dict[str, _Builder] = {}
        self.var: _Builder | None = None
        self.route: Route | None = None
        self.transform: str | None = None
        self.transform_owner: str | None = None

    def freeze(self, name: str = "") -> Node:
        return Node(
            fixed=MappingProxyType({k: b.freeze(k) for k, b in self.fixed.items()}),
            var=self.var.freeze() if self.var else None,
            route=self.route,
            transform=TRANSFORMS[self.transform] if self.transform else None,
            segment=quote(name, safe=FIXED_SAFE),
        )


class _Compiler:
    def __init__(self, source: str, lines: dict):
        self.source, self.lines = source, lines
        self.root = _Builder()
        self.routes: dict[str, Route] = {}
        self.rpc: dict[str, tuple] = {}

    def fail(self, reason: str, *keys: str) -> MapError:
        line = self.lines.get(tuple(keys)) or self.lines.get(tuple(keys[:1]))
        return MapError(reason, self.source, line)

    def add(self, template: Any, spec: Any, defaults: Mapping[str, Any]) -> None:
        if not isinstance(template, str) or not template.startswith("/"):
            raise self.fail(f"route {template!r} must be a string starting with '/'", template)
        if not isinstance(spec, Mapping):
            raise self.fail(f"route {template}: expected a mapping with 'methods', got {type(spec).__name__}", template)
        unknown = set(spec) - ROUTE_KEYS
        if unknown:
            key = sorted(map(str, unknown))[0]
            raise self.fail(f"route {template}: unknown key {key!r} (known: {', '.join(sorted(ROUTE_KEYS))})", template, key)
        segments = self.segments(template)
        variables = tuple(name for is_var, name in segments if is_var)
        route = Route(
            template=template,
            methods=self.methods(template, spec.get("methods")),
            variables=variables,
            doc=self.doc(template, spec.get("doc")),
            names=self.names(template, spec),
            paginate=self.paginate(template, spec.get("paginate")),
            items=spec.get("items"),
            defaults=MappingProxyType(dict(defaults)),
        )
        self.place(route, segments, self.params(template, spec.get("params"), variables))
        self.routes[template] = route
        for verb, name in route.names.items():
            self.rpc[name] = (route, verb)

    def segments(self, template: str) -> list[tuple[bool, str]]:
        out: list[tuple[bool, str]] = []
        for segment in template.strip("/").split("/") if template != "/" else []:
            match = _VARIABLE.match(segment)
            if not segment:
                raise self.fail(f"route {template}: empty path segment", template)
            if "{" in segment and not match:
                raise self.fail(f"route {template}: segment {segment!r} mixes text and a variable", template)
            if match and any(match.group(1) == name for is_var, name in out if is_var):
                raise self.fail(f"route {template}: variable {{{match.group(1)}}} appears twice", template)
            out.append((bool(match), match.group(1) if match else segment))
        return out

    def methods(self, template: str, methods: Any) -> frozenset:
        if not isinstance(methods, list) or not methods:
            raise self.fail(f"route {template}: 'methods' must be a non-empty list of verbs", template, "methods")
        verbs = {str(m).upper() for m in methods}
        unknown = verbs - set(VERBS)
        if unknown:
            raise self.fail(f"route {template}: unknown method {sorted(unknown)[0]!r} (known: {' '.join(VERBS)})", template, "methods")
        return frozenset(verbs)

    def doc(self, template: str, doc: Any) -> str | None:
        if doc is not None and not isinstance(doc, str):
            raise self.fail(f"route {template}: 'doc' must be a string", template, "doc")
        return doc

    def names(self, template: str, spec: Mapping) -> Mapping[str, str]:
        names = spec.get("names") or {}
        if not isinstance(names, Mapping):
            raise self.fail(f"route {template}: 'names' must map verbs to names", template, "names")
        out = {}
        for verb, name in names.items():
            verb = str(verb).upper()
            if verb not in self.methods(template, spec.get("methods")):
                raise self.fail(f"route {template}: name {name!r} is for {verb}, which the route does not allow", template, "names")
            if not isinstance(name, str) or not _IDENTIFIER.match(name):
                raise self.fail(f"route {template}: RPC name {name!r} is not a Python identifier", template, "names")
            if name in self.rpc:
                raise self.fail(f"route {template}: RPC name {name!r} is already used by {self.rpc[name][0].template}", template, "names")
            out[verb] = name
        return MappingProxyType(out)

    def paginate(self, template: str, paginate: Any) -> Mapping[str, Any] | None:
        if paginate is None:
            return None
        if not isinstance(paginate, Mapping) or paginate.get("style") not in PAGINATE_STYLES:
            raise self.fail(f"route {template}: 'paginate' needs a style among {', '.join(sorted(PAGINATE_STYLES))}", template, "paginate")
        return MappingProxyType(dict(paginate))

    def params(self, template: str, params: Any, variables: tuple) -> dict[str, str]:
        params = params or {}
        if not isinstance(params, Mapping):
            raise self.fail(f"route {template}: 'params' must map variables to transforms", template, "params")
        for var, transform in params.items():
            if var not in variables:
                raise self.fail(f"route {template}: 'params' names {{{var}}}, which the route lacks", template, "params")
            if transform not in TRANSFORMS:
                raise self.fail(f"route {template}: unknown transform {transform!r} (known: {', '.join(TRANSFORMS)})", template, "params")
        return dict(params)

    def place(self, route: Route, segments: list, params: dict[str, str]) -> None:
        node = self.root
        for is_var, name in segments:
            if not is_var:
                node = node.fixed.setdefault(name, _Builder())
                continue
            node.var = node.var or _Builder()
            node = node.var
            if name in params:
                self.set_transform(node, params[name], route.template)
        if node.route is not None:
            raise self.fail(f"route {route.template}: same path as {node.route.template} (variables differ only by name)", route.template)
        node.route = route

    def set_transform(self, node: _Builder, transform: str, template: str) -> None:
        if node.transform not in (None, transform):
            raise self.fail(f"route {template}: transform {transform!r} conflicts with {node.transform!r} from {node.transform_owner}", template, "params")
        node.transform, node.transform_owner = transform, template


def compile_map(raw: Any, raw_defaults: Any = None, source: str = "<map>",
                lines: dict | None = None, defaults_source: str = "<defaults>",
                defaults_lines: dict | None = None) -> RouteMap:
    """Compile already-parsed map data. Raises MapError naming what is wrong."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise MapError(f"expected a mapping of route templates, got {type(raw).__name__}", source, 1)
    defaults = check_defaults(raw_defaults, defaults_source, defaults_lines or {}, raw)
    compiler = _Compiler(source, lines or {})
    for template, spec in raw.items():
        compiler.add(template, spec, defaults.get(template, {}))
    return RouteMap(
        root=compiler.root.freeze(), source=source,
        routes=MappingProxyType(compiler.routes), rpc=MappingProxyType(compiler.rpc),
        raw=MappingProxyType(dict(raw)), raw_defaults=MappingProxyType(dict(raw_defaults or {})),
    )


def check_defaults(raw: Any, source: str, lines: dict, routes: Mapping | None) -> dict[str, dict]:
    """Validate defaults.yaml: ``{route: {verb: payload}}`` -> ``{route: {VERB: payload}}``."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise MapError(f"expected a mapping of route templates, got {type(raw).__name__}", source, 1)
    out: dict[str, dict] = {}
    for template, verbs in raw.items():
        line = lines.get((template,))
        if routes is not None and template not in routes:
            raise MapError(f"defaults for {template!r}, which is not a route in the map", source, line)
        if not isinstance(verbs, Mapping):
            raise MapError(f"defaults for {template}: expected a mapping of verbs to payloads", source, line)
        allowed = _allowed_verbs(routes, template)
        for verb, payload in verbs.items():
            upper = str(verb).upper()
            where = lines.get((template, verb), line)
            if upper not in allowed:
                raise MapError(f"defaults for {template}: {verb!r} is not a verb the route allows ({' '.join(sorted(allowed))})", source, where)
            if not isinstance(payload, Mapping):
                raise MapError(f"defaults for {template} {upper}: payload must be a mapping", source, where)
            out.setdefault(template, {})[upper] = payload
    return out


def _allowed_verbs(routes: Mapping | None, template: str) -> set:
    if routes is None:
        return set(VERBS)
    spec = routes.get(template)
    methods = spec.get("methods") if isinstance(spec, Mapping) else None
    return {str(m).upper() for m in methods} if isinstance(methods, list) else set(VERBS)


def load_map(resources: Any, defaults: Any = None) -> RouteMap:
    """Read and compile ``resources`` (None: permissive) with ``defaults``."""
    raw_defaults, defaults_name, defaults_lines = (
        read_yaml(defaults, "defaults") if defaults is not None else (None, "<defaults>", {})
    )
    if resources is None:
        return permissive_map(check_defaults(raw_defaults, defaults_name, defaults_lines, None))
    raw, name, lines = read_yaml(resources, "resources")
    return compile_map(raw, raw_defaults, name, lines, defaults_name, defaults_lines)


def bundled_path(name: str) -> Path:
    """A bundled map file: inside the installed package, else the repo root."""
    here = Path(__file__).resolve().parent
    for candidate in (here / name, here.parent / name):
        if candidate.is_file():
            return candidate
    raise MapError(f"the bundled {name} is missing from the installation", str(here / name))


def dump_map(raw: Mapping[str, Any]) -> str:
    """YAML text of a raw map, routes in the given order."""
    return yaml.safe_dump(dict(raw), sort_keys=False, default_flow_style=None, allow_unicode=True)


__all__ = ["Route", "Node", "RouteMap", "VERBS", "load_map", "compile_map", "permissive_map",
           "bundled_path", "read_yaml", "dump_map"]
