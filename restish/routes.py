"""resources.yaml and defaults.yaml -> an immutable, compiled route tree.

The map is compiled once, when it is loaded. Navigating one level is a dict
lookup, so a call costs the same whatever the size of the map.
"""
from __future__ import annotations

import bisect
import difflib
import functools
import hashlib
import os
import re
import reprlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from collections.abc import Callable, Iterator, Mapping  # not typing's: its isinstance is several times slower
from typing import Any
from urllib.parse import quote

import yaml

from .errors import MapError
from .yamlsize import check_expansion

VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
ROUTE_KEYS = frozenset({"methods", "doc", "names", "paginate", "params", "items", "templates", "fields", "multipart", "query", "encoding"})
# Top-level keys of a map that are settings, not routes: expand (bool) says whether
# key_subkey kwargs the map does not declare nest (the MAX convention) or stay whole.
MAP_SETTINGS = frozenset({"expand"})
ENCODINGS = ("json", "form", "multipart")   # how a body verb's kwargs travel (a route's encoding:)
# Style -> (its keys with defaults); ``style`` itself is always allowed.
STYLE_KEYS: Mapping[str, Mapping[str, Any]] = {
    "link": {},
    "header": {"header": "Next-Page"},
    "page": {"param": "page", "size": "per_page", "start": 1},
    "offset": {"param": "offset", "limit": "limit"},
    "cursor": {"param": "before", "field": "id", "limit": "limit"},
    "next": {"field": "next"},
}
# What the string-valued keys name, for messages.
_NAMED = {"param": "query parameter", "size": "query parameter", "limit": "query parameter",
          "field": "field of an item", "header": "response header"}
_shown = reprlib.Repr()
_shown.maxstring = _shown.maxother = 60
_VARIABLE = re.compile(r"^\{([^{}/]+)\}$")
_PIECES = re.compile(r"(\{[^{}/]*\})")  # splits a segment into text and {variable} pieces
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_EMPTY: Mapping[str, Any] = MappingProxyType({})
FIXED_SAFE = "-._~!$&'()*+,;=:@"  # sub-delims and ':' '@' are legal in a path segment
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch  # a segment quote() would return unchanged


def _sha1(value: str) -> str:
    """MAX addresses contexts by the sha1 of their URL; a hash passes through."""
    return value if _HEX40.match(value) else hashlib.sha1(value.encode("utf-8")).hexdigest()


TRANSFORMS: Mapping[str, Callable[[str], str]] = MappingProxyType({"sha1": _sha1})


def declaration_problem(paginate: Any, items: Any) -> str | None:
    """Why a route's ``paginate:`` / ``items:`` declaration is wrong; None when it is fine.

    Checks the shape only (a mapping, a known style, only that style's keys,
    a whole number >= 0 for ``start``, non-empty strings for the names, a
    dotted key for ``items``), so a map loader can turn the answer into a
    MapError with a file and line. Raises nothing.
    """
    return _paginate_problem(paginate) or _items_problem(items)


def _paginate_problem(paginate: Any) -> str | None:
    if paginate is None:
        return None
    styles = ", ".join(STYLE_KEYS)
    if not isinstance(paginate, Mapping):
        return f"'paginate' must be a mapping with a style among {styles}, not {_shown.repr(paginate)}"
    kind = paginate.get("style")
    if not isinstance(kind, str) or kind not in STYLE_KEYS:
        given = f", not {_shown.repr(kind)}" if "style" in paginate else ""
        return f"'paginate' needs a style among {styles}{given}"
    known = STYLE_KEYS[kind]
    unknown = sorted((repr(k) for k in paginate if k != "style" and k not in known))
    if unknown:
        return (f"paginate style {kind!r} has no key {', '.join(unknown)} "
                f"(it knows {', '.join(known) or 'none'})")
    for key, value in paginate.items():
        if key == "start" and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            return f"paginate style {kind!r}: 'start' must be a whole number >= 0, not {_shown.repr(value)}"
        if key in _NAMED and not (isinstance(value, str) and value.strip()):
            named = "field of the body (dotted: links.next)" if kind == "next" else _NAMED[key]
            return f"paginate style {kind!r}: {key!r} must name a {named}, not {_shown.repr(value)}"
    options = {**known, **paginate}
    size = options.get("size") or options.get("limit")
    if size is not None and options.get("param") == size:
        return f"paginate style {kind!r}: 'param' and {'size' if 'size' in known else 'limit'!r} both name {size!r}"
    return None


def _items_problem(items: Any) -> str | None:
    if items is None:
        return None
    if not isinstance(items, str) or not items:
        return f"'items' must be a key such as 'data', or a dotted one such as 'page.items', not {_shown.repr(items)}"
    if "" in items.split("."):
        return f"'items' {items!r} has an empty key between its dots"
    return None


@dataclass(frozen=True, eq=False)
class Route:
    """One route template of the map, with everything the map says about it."""

    template: str
    methods: frozenset
    variables: tuple = ()
    doc: str | None = None  # the whole doc; a per-verb doc as "VERB: text" lines
    names: Mapping[str, str] = field(default_factory=lambda: _EMPTY)          # VERB -> RPC name
    paginate: Mapping[str, Any] | None = None
    items: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)       # VERB -> default payload (never mutated)
    docs: Mapping[str, str] = field(default_factory=lambda: _EMPTY)           # VERB -> doc, when doc: maps verbs
    # VERB or RPC name -> the template it was documented under, where that is another
    # spelling of this path (other variable names, a trailing slash): see template_for.
    templates: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    aliases: Mapping[str, str] = field(default_factory=lambda: _EMPTY)        # more RPC names -> VERB
    # VERB -> the body fields the API declares: name -> its own fields (an object) or None.
    fields: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: _EMPTY)
    multipart: Mapping[str, frozenset] = field(default_factory=lambda: _EMPTY)  # VERB -> plain form fields
    query: Mapping[str, frozenset] = field(default_factory=lambda: _EMPTY)  # VERB -> its query parameters
    encoding: Mapping[str, str] = field(default_factory=lambda: _EMPTY)  # VERB -> form, multipart (json: absent)

    def __post_init__(self) -> None:
        # Every Route is checked once, when it is built (the map compiler checks first,
        # to give the file's line): iterate() can then trust its paginate: and items:.
        if self.paginate is not None or self.items is not None:
            problem = declaration_problem(self.paginate, self.items)
            if problem:
                raise MapError(f"route {self.template}: {problem}")

    @property
    def trailing_slash(self) -> bool:
        """True when the template ends with '/' (``/people/``): its URLs do too."""
        return _slashed(self.template)

    def __repr__(self) -> str:
        return " ".join((f"<Route {self.template}", *(v for v in VERBS if v in self.methods))) + ">"

    def template_for(self, verb: str, name: str | None = None) -> str:
        """The template of ``verb`` (or of the RPC ``name``, if it has its own) as documented.

        Differs from :attr:`template` only for templates merged into this route
        (an OpenAPI document spelling one path two ways): an RPC name fills the
        variables its own template names, and a verb keeps its own trailing slash.
        """
        templates = self.templates
        return templates.get(name or "") or templates.get(verb) or self.template

    def variables_for(self, verb: str, name: str | None = None) -> tuple[str, ...]:
        """The variables an RPC ``name`` (or ``verb``) fills: those of its own template."""
        return _variables(self.template_for(verb, name))

    def slash_for(self, verb: str) -> bool:
        """Does ``verb``'s URL end with '/'? As its own template says (see template_for)."""
        return _slashed(self.templates.get(verb) or self.template)


def _slashed(template: str) -> bool:
    return template != "/" and template.endswith("/")


def parse_segment(segment: str) -> tuple[tuple[bool, str], ...] | None:
    """A template segment as ``((is_variable, text or name), ...)``; None if it is malformed.

    ``{base}...{head}`` -> ``((True, 'base'), (False, '...'), (True, 'head'))``.
    Malformed: an empty ``{}``, a stray brace, two variables with nothing between.
    """
    pieces = []
    for index, piece in enumerate(_PIECES.split(segment)):
        if index % 2:
            if piece == "{}" or (pieces and pieces[-1][0]):
                return None
            pieces.append((True, piece[1:-1]))
        elif piece:
            if "{" in piece or "}" in piece:
                return None
            pieces.append((False, piece))
    return tuple(pieces)


def fill_segment(pieces: tuple, encode: Callable[[str, str], str], values: Callable[[str], Any]) -> str:
    """One segment of ``parse_segment`` pieces, each variable's value encoded on its own.

    ``encode(text, name)`` percent-encodes a value; fixed text is encoded as a
    fixed segment is. ``values(name)`` gives a variable's value.
    """
    return "".join(encode(str(values(text)), text) if is_var else quote(text, safe=FIXED_SAFE)
                   for is_var, text in pieces)


@dataclass(frozen=True, eq=False)
class Node:
    """One level of the tree: fixed children, at most one variable child."""

    fixed: Mapping[str, "Node"] = field(default_factory=lambda: _EMPTY)
    var: "Node | None" = None
    route: Route | None = None
    transform: Callable[[str], str] | None = None  # applied to a variable's value
    segment: str = ""  # this fixed node's name, percent-encoded once at compile time
    suffix: str = ""   # "/" when the route here has a trailing slash; added to path and URL

    def __repr__(self) -> str:
        route = f" route {self.route.template}" if self.route else ""
        var = " and a variable" if self.var is not None else ""
        return f"<Node{route}: {len(self.fixed)} fixed children{var}>"

    def suggest(self, name: str) -> list[str]:
        """The fixed names closest to ``name``, best first.

        Up to :data:`COMPARE_ALL` siblings, every one is compared; among more,
        only those next to ``name`` in spelling order, forwards and backwards
        (see :class:`_Siblings`): a typo costs the same among 100,000 as among 100.
        """
        names = self.fixed if len(self.fixed) <= COMPARE_ALL else self._siblings.near(name)
        return difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)

    @functools.cached_property
    def _siblings(self) -> "_Siblings":
        # Built at the first typo among many siblings, not for every big map loaded.
        return _Siblings(self.fixed)


def _backwards(name: str) -> str:
    return name[::-1]


COMPARE_ALL = 256  # fixed siblings up to which a typo is compared with every one
NEIGHBOURS = 16    # beyond: names compared on each side of the typo, in each order


class _Siblings:
    """Many names sorted by spelling, and by spelling read backwards.

    A name one or two typos away from another sorts near it one way or the
    other: a slip after the first letters keeps the start (``activites`` sorts
    among ``activities_...``), a slip at the start keeps the end.
    """

    def __init__(self, names: Any) -> None:
        self.forward = sorted(names)
        self.backward = sorted(names, key=_backwards)
        self.reversed = [_backwards(name) for name in self.backward]  # what bisect compares

    def near(self, name: str) -> set[str]:
        """The names within :data:`NEIGHBOURS` places of ``name``, in either order."""
        at = bisect.bisect_left(self.forward, name)
        back = bisect.bisect_left(self.reversed, _backwards(name))
        return {*self.forward[max(0, at - NEIGHBOURS):at + NEIGHBOURS],
                *self.backward[max(0, back - NEIGHBOURS):back + NEIGHBOURS]}


@dataclass(frozen=True, eq=False)
class RouteMap:
    """A compiled endpoint map. ``permissive`` maps allow any path and verb."""

    root: Node
    source: str
    routes: Mapping[str, Route] = field(default_factory=lambda: _EMPTY)
    rpc: Mapping[str, tuple] = field(default_factory=lambda: _EMPTY)          # name -> (Route, VERB)
    permissive: bool = False
    expand: bool = True  # undeclared key_subkey kwargs nest (the map's top-level expand:)
    raw: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False)
    raw_defaults: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False)
    token_url: str | None = None  # an OpenAPI document's password-flow tokenUrl, as written

    def __reduce__(self):
        # MappingProxyType does not pickle; rebuild from the plain sources instead.
        return (_restore, (dict(self.raw), dict(self.raw_defaults), self.source, self.permissive,
                           bool(self.root.suffix), self.token_url))

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes.values())

    def __repr__(self) -> str:
        """A summary: where the map came from, how many routes and RPC names, its top level."""
        if self.permissive:
            return "<RouteMap permissive: any path, any verb>"
        top = [f"/{name}" for name in self.root.fixed]
        if self.root.var is not None:
            top.append("/{...}")
        shown = ", ".join(top[:8]) + (f", ... ({len(top) - 8} more)" if len(top) > 8 else "")
        return (f"<RouteMap {self.source}: {len(self.routes)} routes, {len(self.rpc)} RPC names; "
                f"top level {shown or '/'}>")


def _restore(raw, raw_defaults, source, permissive, trailing_slash=False, token_url=None):
    if permissive:
        return permissive_map(raw_defaults, trailing_slash)
    return replace(compile_map(raw, raw_defaults, source), token_url=token_url)


def permissive_map(defaults: Mapping[str, Any] | None = None, trailing_slash: bool = False) -> RouteMap:
    """A map that allows every path and verb; defaults are keyed by literal path (as sent).

    With ``trailing_slash`` every path ends with '/' (Django, DRF): permissive
    navigation stays on the root node, so its suffix is every proxy's.
    """
    return RouteMap(root=Node(suffix="/" if trailing_slash else ""), source="<permissive>", permissive=True,
                    expand=False, raw_defaults=MappingProxyType(dict(defaults or {})))


# ---------------------------------------------------------------- reading


def read_yaml(source: Any, what: str) -> tuple[Any, str, dict]:
    """``(data, name, key_lines)`` from a path, an open file or a mapping.

    Raises MapError for YAML that does not parse, a tag safe_load refuses, a
    key given twice in one mapping (PyYAML would keep the last one silently),
    or aliases that expand past :data:`restish.yamlsize.ALIAS_BUDGET`.
    """
    if isinstance(source, Mapping):
        return dict(source), f"<{what} dict>", {}
    name, text = _read_text(source, what)
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()  # parsed once: lines come from the node, data too
        lines = _key_lines(node, loader, name) if node is not None else {}
        check_expansion(node, name)  # before anything walks the data an alias bomb would make huge
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise MapError(f"invalid YAML: {problem}", name, mark.line + 1 if mark else None) from exc
    finally:
        loader.dispose()
    return data, name, lines


def _read_text(source: Any, what: str) -> tuple[str, str]:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            return str(path), path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise MapError(f"cannot read {what}: {exc.__class__.__name__}: {exc}", str(path)) from exc
    if hasattr(source, "read"):
        text, name = source.read(), getattr(source, "name", f"<{what} stream>")
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise MapError(f"cannot read {what}: not UTF-8 ({exc.reason} at byte {exc.start})", str(name)) from None
        return str(name), text
    raise MapError(f"{what} must be a path, an open file or a mapping, not {type(source).__name__}")


_MERGE_TAG = "tag:yaml.org,2002:merge"
# libyaml's parser when PyYAML has it: the same safe constructor, several times faster.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _key_lines(root: Any, loader: Any, source: str) -> dict:
    """1-based lines of every mapping key, by key path: ``{(k,): n, (k, k2): n, ...}``.

    Keys are the values YAML gives them (``123:`` is the int 123), so a lookup
    with the loaded data's keys finds them. Raises MapError for a duplicate key,
    at any depth (a defaults.yaml payload nests as deep as its API), and for an
    alias that contains itself (a map cannot be recursive, nor sent as JSON).
    Runs before the document is constructed, which expands ``<<`` merges in place.

    The walk is iterative and visits each node once: an alias of a node already
    walked is not walked again, so a file that aliases one node many times over
    ("billion laughs") costs what its text costs, and deep nesting cannot
    exhaust the Python stack. A key reached only through an alias has no line
    of its own; MapError then points at the nearest key above it.
    """
    lines: dict = {}
    walked: set[int] = set()  # every node entered; an alias of one is not walked again
    open_: set[int] = set()   # the nodes on the path from the root: meeting one again is a cycle
    stack: list = [(root, (), False)]
    while stack:
        node, prefix, leaving = stack.pop()
        if leaving:
            open_.discard(id(node))
            continue
        if id(node) in open_:
            where = " under " + ": ".join(map(str, prefix)) if prefix else ""
            line = lines.get(prefix, node.start_mark.line + 1)  # the key holding the alias
            raise MapError(f"an alias{where} refers to a node that contains it; a map cannot be recursive",
                           source, line)
        if id(node) in walked or isinstance(node, yaml.ScalarNode):
            continue
        walked.add(id(node))
        open_.add(id(node))
        stack.append((node, prefix, True))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, prefix, False) for item in reversed(node.value))
        else:
            stack.extend(reversed(_mapping_children(node, loader, source, prefix, lines)))
    return lines


def _mapping_children(node: Any, loader: Any, source: str, prefix: tuple, lines: dict) -> list:
    """``[(value node, key path, False), ...]`` of one mapping, its keys' lines recorded.

    Raises MapError for a key given twice. A ``<<`` merge and a complex key
    (``? [a, b]``) record no line but are walked, so a cycle through them is found.
    """
    seen: dict = {}
    children: list = []
    for key_node, value in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
            children.append((key_node, prefix, False))
            children.append((value, prefix, False))
            continue
        key = loader.construct_object(key_node)
        line = key_node.start_mark.line + 1
        if key in seen:
            where = " under " + ": ".join(map(str, prefix)) if prefix else ""
            raise MapError(f"key {key!r}{where} is given twice (first on line {seen[key]}); "
                           f"YAML would keep only the last one", source, line)
        seen[key] = line
        lines.setdefault((*prefix, key), line)  # a merged mapping's key does not replace the own one
        children.append((value, (*prefix, key), False))
    return children


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
            # A leaf (most nodes of a big map) shares one empty mapping.
            fixed=MappingProxyType({k: b.freeze(k) for k, b in self.fixed.items()}) if self.fixed else _EMPTY,
            var=self.var.freeze() if self.var else None,
            route=self.route,
            transform=TRANSFORMS[self.transform] if self.transform else None,
            segment=name if _PLAIN_SEGMENT(name) else quote(name, safe=FIXED_SAFE),
            suffix="/" if self.route is not None and self.route.trailing_slash else "",
        )


class _Compiler:
    def __init__(self, source: str, lines: dict):
        self.source, self.lines = source, lines
        self.root = _Builder()
        self.routes: dict[str, Route] = {}
        self.rpc: dict[str, tuple] = {}
        # Equal small values (a route's verbs, its variable names) shared by every route that
        # has them: a map of 100,000 routes holds a handful of verb sets, not 100,000.
        self.shared: dict = {}

    def fail(self, reason: str, *keys: Any) -> MapError:
        """MapError at the line of the deepest of ``keys`` (route, key, subkey) the map has."""
        line = next((self.lines[keys[:n]] for n in range(len(keys), 0, -1) if keys[:n] in self.lines), None)
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
        variables = self.share(_variables(template))
        methods = self.methods(template, spec.get("methods"))
        doc, docs = self.doc(template, spec.get("doc"), methods)
        names, aliases = self.names(template, spec)
        route = Route(
            template=template,
            methods=methods,
            variables=variables,
            doc=doc,
            names=names,
            aliases=aliases,
            templates=self.templates(template, spec.get("templates"), methods, names, aliases),
            paginate=self.paginate(template, spec.get("paginate")),
            items=self.items(template, spec.get("items")),
            defaults=MappingProxyType(dict(defaults)) if defaults else _EMPTY,
            docs=docs,
            fields=self.fields(template, spec.get("fields"), methods),
            multipart=self.name_lists(template, "multipart", spec.get("multipart"), methods),
            query=self.name_lists(template, "query", spec.get("query"), methods),
            encoding=self.encoding(template, spec.get("encoding"), methods),
        )
        lone = tuple(name for is_var, name in segments if is_var and name in variables)
        self.place(route, segments, self.params(template, spec.get("params"), lone))
        self.routes[template] = route
        for name, verb in {**{n: v for v, n in names.items()}, **aliases}.items():
            self.rpc[name] = (route, verb)

    def share(self, value: Any) -> Any:
        """``value``, or an equal one met before (see ``shared``)."""
        return self.shared.setdefault(value, value)

    def per_verb(self, template: str, key: str, value: Any, methods: frozenset) -> dict:
        """``{VERB: value}`` from a ``key:`` mapping of verbs the route allows."""
        if not isinstance(value, Mapping):
            raise self.fail(f"route {template}: {key!r} must be a mapping of verbs", template, key)
        out = {}
        for verb, given in value.items():
            upper = str(verb).upper()
            if upper not in methods:
                raise self.fail(f"route {template}: {key} for {verb!r}, which is not a verb the route "
                                f"allows", template, key, verb)
            out[upper] = given
        return out

    def fields(self, template: str, fields: Any, methods: frozenset) -> Mapping[str, Mapping]:
        """The body fields each verb declares: nested mappings whose leaves are null."""
        if fields is None:
            return _EMPTY
        out = {}
        for verb, tree in self.per_verb(template, "fields", fields, methods).items():
            frozen = _field_tree(tree)
            if frozen is None:
                raise self.fail(f"route {template}: fields for {verb} must be a mapping of names to "
                                f"null or to the mapping of their own fields", template, "fields")
            out[verb] = frozen
        return MappingProxyType(out)

    def name_lists(self, template: str, key: str, lists: Any, methods: frozenset) -> Mapping[str, frozenset]:
        """``multipart:`` (fields sent as plain form fields beside an upload) or ``query:``
        (a body verb's query parameters): a list of names for each verb."""
        if lists is None:
            return _EMPTY
        out = {}
        for verb, names in self.per_verb(template, key, lists, methods).items():
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise self.fail(f"route {template}: {key} for {verb} must be a list of names", template, key)
            out[verb] = frozenset(names)
        return MappingProxyType(out)

    def encoding(self, template: str, encoding: Any, methods: frozenset) -> Mapping[str, str]:
        """How each verb's kwargs travel: ``json`` (the default), ``form`` or ``multipart``."""
        if encoding is None:
            return _EMPTY
        out = {}
        for verb, kind in self.per_verb(template, "encoding", encoding, methods).items():
            if kind not in ENCODINGS:
                raise self.fail(f"route {template}: encoding for {verb} must be one of "
                                f"{', '.join(ENCODINGS)}, not {kind!r}", template, "encoding")
            if kind != "json":
                out[verb] = kind
        return MappingProxyType(out)

    def segments(self, template: str) -> list[tuple[bool, str]]:
        """``[(is_variable, name), ...]``; one trailing slash is allowed (Route.trailing_slash).

        A segment holding several variables or text around one (``{base}...{head}``,
        ``{name}.json``) is one variable level, named by its whole text: navigation
        takes the whole segment as one item value, an RPC name fills each variable.
        """
        out: list[tuple[bool, str]] = []
        seen: set[str] = set()
        if "//" in template:
            raise self.fail(f"route {template}: empty path segment", template)
        body = template[1:-1] if template.endswith("/") else template[1:]
        for segment in body.split("/") if body else []:
            if not segment:
                raise self.fail(f"route {template}: empty path segment", template)
            pieces = parse_segment(segment)
            if pieces is None:
                raise self.fail(f"route {template}: segment {segment!r} is not text and {{variables}} "
                                f"(an empty or stray brace, or two variables with no text between)", template)
            names = [text for is_var, text in pieces if is_var]
            for name in names:
                if name in seen:
                    raise self.fail(f"route {template}: variable {{{name}}} appears twice", template)
                seen.add(name)
            lone = len(pieces) == 1 and pieces[0][0]
            out.append((bool(names), pieces[0][1] if lone or not names else segment))
        return out

    def methods(self, template: str, methods: Any) -> frozenset:
        if not isinstance(methods, list) or not methods:
            raise self.fail(f"route {template}: 'methods' must be a non-empty list of verbs", template, "methods")
        verbs = {str(m).upper() for m in methods}
        unknown = verbs - set(VERBS)
        if unknown:
            raise self.fail(f"route {template}: unknown method {sorted(unknown)[0]!r} (known: {' '.join(VERBS)})", template, "methods")
        return self.share(frozenset(verbs))

    def doc(self, template: str, doc: Any, methods: frozenset) -> tuple[str | None, Mapping[str, str]]:
        """``(doc, {VERB: doc})`` from a string, or from a mapping of verbs to strings.

        For a mapping, ``doc`` is one ``VERB: text`` line per verb, in the usual
        verb order: repr and help() of a proxy then tell what every verb does,
        where the GET doc alone would hide what POST or DELETE do.
        """
        if doc is None or isinstance(doc, str):
            return doc, _EMPTY
        if not isinstance(doc, Mapping):
            raise self.fail(f"route {template}: 'doc' must be a string or a mapping of verbs to strings", template, "doc")
        docs = {}
        for verb, text in doc.items():
            upper = str(verb).upper()
            if upper not in methods:
                raise self.fail(f"route {template}: doc for {verb!r}, which is not a verb the route allows "
                                f"({' '.join(v for v in VERBS if v in methods)})", template, "doc", verb)
            if upper in docs:
                raise self.fail(f"route {template}: doc for {upper} is given twice", template, "doc", verb)
            if not isinstance(text, str):
                raise self.fail(f"route {template}: doc for {upper} must be a string", template, "doc", verb)
            docs[upper] = text
        combined = "\n".join(f"{verb}: {docs[verb]}" for verb in VERBS if verb in docs)
        return combined or None, MappingProxyType(docs)

    def names(self, template: str, spec: Mapping) -> tuple[Mapping[str, str], Mapping[str, str]]:
        """``({VERB: name}, {more name: VERB})``: a verb's value is a name or a list of names.

        More names for one verb are operations documented under other spellings
        of the path (see :meth:`templates`); the first is the verb's own.
        """
        names = spec.get("names") or {}
        if not isinstance(names, Mapping):
            raise self.fail(f"route {template}: 'names' must map verbs to names", template, "names")
        if not names:
            return _EMPTY, _EMPTY
        out: dict[str, str] = {}
        more: dict[str, str] = {}
        for verb, given in names.items():
            verb = str(verb).upper()
            if verb not in self.methods(template, spec.get("methods")):
                raise self.fail(f"route {template}: name {given!r} is for {verb}, which the route does not allow", template, "names")
            if verb in out:
                raise self.fail(f"route {template}: verb {verb} is named twice; give its names as one list",
                                template, "names")
            for index, name in enumerate(given if isinstance(given, list) and given else [given]):
                if not isinstance(name, str) or not _IDENTIFIER.match(name):
                    raise self.fail(f"route {template}: RPC name {name!r} is not a Python identifier", template, "names")
                if name in self.rpc:
                    raise self.fail(f"route {template}: RPC name {name!r} is already used by {self.rpc[name][0].template}", template, "names")
                if name in out.values() or name in more:
                    raise self.fail(f"route {template}: RPC name {name!r} is named twice; "
                                    f"each verb gets its own name", template, "names")
                if index:
                    more[name] = verb
                else:
                    out[verb] = name
        return MappingProxyType(out), MappingProxyType(more) if more else _EMPTY

    def templates(self, template: str, templates: Any, methods: frozenset, names: Mapping,
                  aliases: Mapping) -> Mapping[str, str]:
        """``templates:``: a verb or an RPC name -> the spelling of this path it was documented
        under, when that is not the route's key (OpenAPI paths merged into one route).

        Each must be the same path: the same fixed segments, a variable level where
        the route has one; variable names and a trailing slash may differ.
        """
        if templates is None:
            return _EMPTY
        if not isinstance(templates, Mapping):
            raise self.fail(f"route {template}: 'templates' must map verbs or RPC names to templates",
                            template, "templates")
        out = {}
        for key, own in templates.items():
            verb = str(key).upper()
            if not (verb in methods or key in names.values() or key in aliases):
                raise self.fail(f"route {template}: 'templates' names {key!r}, which is neither a verb "
                                f"nor an RPC name of the route", template, "templates", key)
            if not isinstance(own, str) or not own.startswith("/"):
                raise self.fail(f"route {template}: template of {key!r} must be a string starting with '/'",
                                template, "templates", key)
            self.segments(own)  # its own variables must be well formed too
            if _shape(own) != _shape(template):
                raise self.fail(f"route {template}: template {own} of {key!r} is not the same path",
                                template, "templates", key)
            out[verb if verb in methods else key] = own
        return MappingProxyType(out)

    def paginate(self, template: str, paginate: Any) -> Mapping[str, Any] | None:
        problem = declaration_problem(paginate, None)
        if problem:
            raise self.fail(f"route {template}: {problem}", template, "paginate")
        return None if paginate is None else MappingProxyType(dict(paginate))

    def items(self, template: str, items: Any) -> str | None:
        problem = declaration_problem(None, items)
        if problem:
            raise self.fail(f"route {template}: {problem}", template, "items")
        return items

    def params(self, template: str, params: Any, variables: tuple) -> dict[str, str]:
        """``params:`` checked; ``variables`` are those alone in their segment (the ones transformed)."""
        params = params or {}
        if not isinstance(params, Mapping):
            raise self.fail(f"route {template}: 'params' must map variables to transforms", template, "params")
        for var, transform in params.items():
            if var not in variables:
                lacks = ("shares its segment with other text, so its value cannot be told apart"
                         if var in _variables(template) else "the route lacks")
                raise self.fail(f"route {template}: 'params' names {{{var}}}, which {lacks}", template, "params")
            if not isinstance(transform, str) or transform not in TRANSFORMS:
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
            if node.route.trailing_slash != route.trailing_slash:
                why = "the two differ only by a trailing slash, and restish keeps one route per path"
            else:
                why = "variables differ only by name"
            raise self.fail(f"route {route.template}: same path as {node.route.template} ({why})", route.template)
        node.route = route

    def set_transform(self, node: _Builder, transform: str, template: str) -> None:
        if node.transform not in (None, transform):
            raise self.fail(f"route {template}: transform {transform!r} conflicts with {node.transform!r} from {node.transform_owner}", template, "params")
        node.transform, node.transform_owner = transform, template


def _variables(template: str) -> tuple[str, ...]:
    """Every variable name of a template, in order (``{base}...{head}`` gives two)."""
    return tuple(piece[1:-1] for piece in _PIECES.findall(template) if len(piece) > 2)


def _shape(template: str) -> str:
    """The path a template names whatever its variable names and trailing slash."""
    return "/".join("{}" if "{" in segment else segment for segment in template.rstrip("/").split("/"))


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
    expand = raw.get("expand", True)
    if not isinstance(expand, bool):
        raise compiler.fail(f"expand must be true or false, not {expand!r}", "expand")
    for template, spec in raw.items():
        if template not in MAP_SETTINGS:
            compiler.add(template, spec, defaults.get(template, {}))
    return RouteMap(
        root=compiler.root.freeze(), source=source, expand=expand,
        routes=MappingProxyType(compiler.routes), rpc=MappingProxyType(compiler.rpc),
        raw=MappingProxyType(dict(raw)), raw_defaults=MappingProxyType(dict(raw_defaults or {})),
    )


def _field_tree(tree: Any, depth: int = 0) -> Mapping[str, Any] | None:
    """A ``fields:`` tree, frozen; None when it is not one (or nests past 32 levels)."""
    if not isinstance(tree, Mapping) or depth > 32:
        return None
    out = {}
    for name, below in tree.items():
        if below is None:
            out[str(name)] = None
            continue
        frozen = _field_tree(below, depth + 1)
        if frozen is None:
            return None
        out[str(name)] = frozen
    return MappingProxyType(out)


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


def load_map(resources: Any, defaults: Any = None, trailing_slash: bool = False) -> RouteMap:
    """Read and compile ``resources`` (None: permissive, every path ending with '/' when
    ``trailing_slash``) with ``defaults``."""
    raw_defaults, defaults_name, defaults_lines = (
        read_yaml(defaults, "defaults") if defaults is not None else (None, "<defaults>", {})
    )
    if resources is None:
        return permissive_map(check_defaults(raw_defaults, defaults_name, defaults_lines, None), trailing_slash)
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
    """YAML text of a raw map, routes in the given order.

    Every route key is written as given, so a per-verb ``doc:`` mapping stays a
    mapping: ``load_map`` of the text compiles to the same routes and docs.
    """
    return yaml.safe_dump(dict(raw), sort_keys=False, default_flow_style=None, allow_unicode=True)


__all__ = ["Route", "Node", "RouteMap", "VERBS", "load_map", "compile_map", "permissive_map",
           "bundled_path", "read_yaml", "dump_map"]
