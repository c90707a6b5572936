"""ResourceCollection / ResourceItem: immutable, lazy proxies over the route tree.

Attribute and item access only build a path; nothing is sent until a verb is
called. Names starting with ``_`` are never path segments, so IPython, copy
and pickle can probe a proxy safely. A proxy talks to its client through
:class:`Navigator`, the little it needs of it.
"""
from __future__ import annotations

import difflib
import functools
import re
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Protocol


from . import paging
from .errors import InvalidValue, UnknownAttribute, UnknownItem
from .payloads import BodyShape, known_shape, plain_copy, quoted
from .routes import VERBS, Node, Route, RouteMap
from .verbs import Verb

if TYPE_CHECKING:
    import requests

    from .call import Call

_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+")  # needs no encoding: skip quote()
_DOT_SEGMENTS = frozenset({"", ".", ".."})
# Names that are proxy attributes; a child of the same name needs item access.
PROXY_ATTRIBUTES = ("path", "url", "route", "methods", "doc", "defaults", "iterate", "prepare")


class Navigator(Protocol):
    """What a proxy needs of its client: the base URL, the map, the root, and the send chain."""

    url: str
    _map: RouteMap
    _root: "Resource"

    def _call(self, resource: "Resource", method: str, kwargs: dict, url: str | None = None) -> Any: ...

    def _prepare_call(self, resource: "Resource", method: str, kwargs: dict, url: str | None = None) -> "Call": ...


def encode_segment(value: Any, parent: str = "") -> str:
    """One path segment: ``str(value)`` percent-encoded so it cannot change the route.

    Raises InvalidValue, naming ``parent`` (the path above), for '', '.' and '..'.
    """
    text = str(value)
    if text in _DOT_SEGMENTS:
        raise InvalidValue(f"{parent or '/'}: {text!r} cannot be a path segment below it: "
                           f"servers collapse empty and dot segments")
    # '@' is a legal path character that changes no route: plone.restapi's services
    # (``api['@search']``) are found only under their literal name, not as %40search.
    return text if _UNRESERVED.fullmatch(text) else quoted(text, "@", f"{parent or '/'}: the item")


def _quoted(name: str) -> bool:
    """``'alice'`` with its quotes: no attribute can be spelt so, only an item in a ``?`` line."""
    return len(name) >= 2 and name[0] in "'\"" and name[-1] == name[0]


class _MapDoc:
    """A proxy class's ``__doc__``: the class docstring on the class, the map's doc on a proxy.

    ``help(proxy)`` and IPython's ``proxy?`` then show what the map says about
    the route. Computed on access only, so creating a proxy costs nothing more.
    """

    def __init__(self, text: str) -> None:
        self.text = text

    def __get__(self, proxy: "Resource | None", owner: type | None = None) -> str:
        return self.text if proxy is None else proxy._describe(self.text)


class NotAContainer:
    """Refuses iteration and ``in``: for the proxies and the Client, which name places, not items.

    Iterating or testing membership would need requests, and restish never
    sends one implicitly. TypeError, as for any non-container, is least
    surprising; returning False from ``in`` would be a silent lie. Without
    these two, Python falls back to ``__getitem__(0)``, ``__getitem__(1)``...
    and never stops. A subclass says what it is (``_what``) and where the
    verbs are called (``_verbs_on``).
    """

    __slots__ = ()
    _verbs_on = ""  # "" on a proxy: .iterate(); "api.<collection>" on a Client

    def _what(self) -> str:
        raise NotImplementedError

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(f"{self._what()} is not iterable; "
                        f"use {self._verbs_on}.iterate() to page through a collection")

    def __contains__(self, item: Any) -> bool:
        raise TypeError(f"'in' does not apply to {self._what()}: it holds no items; "
                        f"use {self._verbs_on}.get() or .iterate() and look in the result")


class Resource(NotAContainer):
    """Common base of the two proxy kinds. Immutable and cheap to create."""

    __slots__ = ("_client", "_node", "_path", "_trail", "_children", "_last_item")

    def __init__(self, client: "Navigator", node: Node, path: str, trail: tuple = ()):
        _set_client(self, client)
        _set_node(self, node)
        _set_path(self, path)
        _set_trail(self, trail)  # ((is_variable, raw value), ...) for pickle
        # The proxies below this one, made once and reused (they are immutable): those of
        # fixed names, {name: child}, up to _CHILDREN_KEPT; of items (ids, by the
        # thousand in a loop), the last one only, (value, child), so that memory stays
        # bounded however deep a loop over ids goes.
        _set_children(self, {})
        _set_last_item(self, None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    # -- navigation ----------------------------------------------------

    def __getattr__(self, name: str) -> "Resource":
        if name.startswith("_"):
            raise AttributeError(name)
        if _quoted(name):  # IPython's ? looks up api.people['alice'] as the attribute "'alice'"
            return self[name[1:-1]]
        return self._fixed(name, UnknownAttribute)

    def __getitem__(self, value: Any) -> "Resource":
        text = str(value)
        if text in self._node.fixed:
            return self._fixed(text, UnknownItem)
        last = self._last_item
        if last is not None and last[0] == text:
            return last[1]
        child = self._variable(text)
        _set_last_item(self, (text, child))
        return child

    def _fixed(self, name: str, error: type) -> "ResourceCollection":
        child = self._children.get(name)
        if child is None:
            child = self._fixed_child(name, error)
            if len(self._children) >= _CHILDREN_KEPT:  # permissive mode takes any name
                self._children.clear()
            self._children[name] = child
        return child

    def _fixed_child(self, name: str, error: type) -> "ResourceCollection":
        node = self._node.fixed.get(name)
        if node is not None:
            segment = node.segment
        elif self._client._map.permissive:
            node, segment = self._node, encode_segment(name, self._path)
        else:
            raise error(self.path, name, *self._advice(name, error is UnknownAttribute))
        return ResourceCollection(self._client, node, f"{self._path}/{segment}", self._trail + ((False, name),))

    def _variable(self, text: str, encoded: str | None = None) -> "ResourceItem":
        """The item ``text`` below this proxy. ``encoded``: the segment already encoded piece
        by piece (an RPC name filling ``{base}...{head}``), sent as it is."""
        node = self._node if self._client._map.permissive else self._node.var
        if node is None:
            raise UnknownItem(self.path, text, self._node.suggest(text))
        if encoded is None:
            if node.transform is not None:
                text = node.transform(text)
            step: Any = text
            encoded = encode_segment(text, self._path)
        else:
            step = (text, encoded)
        return ResourceItem(self._client, node, f"{self._path}/{encoded}", self._trail + ((True, step),))

    def _advice(self, name: str, attribute: bool) -> tuple[list[str], str]:
        """``(closest names, hint)`` for an unknown ``name``: children, verbs and attributes here
        (and at the top, RPC names), and how to reach what was likely meant."""
        suggestions = self._node.suggest(name)
        if attribute and not suggestions:  # a misspelt verb, attribute or (at the top) RPC name?
            others = [v.lower() for v in self.methods] + list(PROXY_ATTRIBUTES)
            if not self._path:
                others += [*self._client._map.rpc, *CLIENT_ATTRIBUTES]
            suggestions = difflib.get_close_matches(name, list(dict.fromkeys(others)), n=3, cutoff=0.6)
        hint = ""
        if attribute and self._node.var is not None and not suggestions:
            hint = f"below {self.path} is an item: use {self._expression()}[{name!r}]"
        shadowed = next((s for s in suggestions if s in self._node.fixed and not self._as_attribute(s)), None)
        if shadowed and not hint:
            hint = f"{shadowed!r} is not an attribute there: reach it as {self._expression()}[{shadowed!r}]"
        return suggestions[:3], hint

    def _as_attribute(self, name: str) -> bool:
        """Can the child ``name`` be reached as an attribute (an identifier nothing shadows)?"""
        shadowing = CLIENT_ATTRIBUTES if not self._path else ROOT_ATTRIBUTES
        return name.isidentifier() and not name.startswith("_") and name not in shadowing

    def _expression(self) -> str:
        """How a user reaches this proxy: ``api.people['alice'].activities``, ``api['user-groups']``."""
        text, proxy = "api", self._client._root
        for is_variable, value in self._trail:
            if is_variable:
                text += f"[{(value[0] if isinstance(value, tuple) else value)!r}]"
            elif proxy._as_attribute(value):
                text += f".{value}"
            else:
                text += f"[{value!r}]"
            proxy = proxy._variable(*value) if isinstance(value, tuple) else (
                proxy._variable(value) if is_variable else proxy._fixed(value, UnknownItem))
        return text

    # -- what the map says -------------------------------------------

    @property
    def path(self) -> str:
        """The encoded path below the client's base URL, e.g. ``/people/alice``.

        It ends with a slash when the route template does (``/people/``).
        """
        return (self._path + self._node.suffix) or "/"

    @property
    def url(self) -> str:
        """The full URL of this resource.

        A root route ``/`` is the base URL with its slash (``http://host/v1/``), as
        OpenAPI joins a server URL and a path; without one, the base URL as given.
        """
        return self._client.url + ((self._path + self._node.suffix) or ("/" if self._node.route else ""))

    def _url_for(self, method: str, slash: bool | None = None) -> str:
        """The URL ``method`` goes to: :attr:`url`, but with the trailing slash of the verb's
        own template (or ``slash``) where the route merges spellings of its path."""
        route = self._node.route
        if slash is None:
            if route is None or not route.templates:
                return self.url
            slash = route.slash_for(method)
        if slash == bool(self._node.suffix) or not self._path:
            return self.url
        return self._client.url + self._path + ("/" if slash else "")

    @property
    def route(self) -> str | None:
        """The route template this path matches, or None (permissive mode, no route)."""
        route = self._route
        return route.template if route else None

    @property
    def _route(self) -> Route | None:
        return self._node.route

    @property
    def methods(self) -> tuple[str, ...]:
        """The verbs the map allows here, in the usual order."""
        if self._client._map.permissive:
            return VERBS
        route = self._node.route
        return _verbs_of(route.methods) if route else ()

    @property
    def doc(self) -> str | None:
        """The route's ``doc:`` from the map; a per-verb doc gives one ``VERB: doc`` line per verb."""
        route = self._node.route
        return route.doc if route else None

    def _describe(self, fallback: str) -> str:
        """``path (route template): VERBS`` and the route's doc; ``fallback`` when no route ends here."""
        route = self._node.route
        if route is None:
            return fallback
        head = f"{self.path} (route {route.template}): {' '.join(self.methods) or 'no verbs'}"
        return f"{head}\n\n{route.doc}" if route.doc else head

    def defaults(self, method: str) -> dict:
        """A copy of the default payload for ``method`` on this route."""
        return plain_copy(self._default_payload(method.upper()) or {})

    def _default_payload(self, method: str) -> Any:
        """The route's default payload for ``method`` (shared: never change it), or None."""
        route_map = self._client._map
        if route_map.permissive:
            return route_map.raw_defaults.get(self.path, {}).get(method)
        route = self._node.route
        return route.defaults.get(method) if route else None

    def _body_shape(self, method: str) -> BodyShape:
        """What the map declares of a ``method`` request (see :class:`restish.payloads.BodyShape`):
        the fields the route's default payload and ``fields:`` hold, its ``multipart:`` and
        ``query:`` names, and whether other ``key_subkey`` kwargs nest (the map's ``expand:``;
        never in permissive mode)."""
        route_map = self._client._map
        route = None if route_map.permissive else self._node.route
        if route is None:
            return BodyShape(self._default_payload(method), nest=route_map.expand)
        return BodyShape(known_shape(self._default_payload(method), route.fields.get(method)),
                         route.multipart.get(method, frozenset()), route.query.get(method, frozenset()),
                         route_map.expand, route.encoding.get(method))

    # -- verbs -------------------------------------------------------

    # Each is a Verb: proxy.post is a callable whose help() shows this route's verb (restish.verbs).
    get = Verb("GET")
    post = Verb("POST")
    put = Verb("PUT")
    patch = Verb("PATCH")
    delete = Verb("DELETE")
    head = Verb("HEAD")
    options = Verb("OPTIONS")

    def iterate(self, /, **kwargs: Any) -> Iterator[Any]:
        """The items of every page, fetched lazily, one page at a time (see :mod:`restish.paging`).

        kwargs are those of ``.get()``; ``max_items=`` and ``max_pages=`` bound it.
        Raises what ``.get()`` raises, once the items of the pages before are yielded.
        """
        return paging.iterate(self, kwargs)

    def prepare(self, method: str, /, **kwargs: Any) -> "requests.PreparedRequest":
        """The request ``method`` would send, auth applied, without sending it.

        Files restish opened for ``upload_file=`` (a path) are closed before this
        returns, so such a prepared request shows what would be sent but cannot
        be sent itself; make the call instead. Raises what the call would raise
        before sending.
        """
        call = self._client._prepare_call(self, method.upper(), kwargs)
        call.close()
        return call.prepared

    # -- Python protocols ----------------------------------------------

    def _what(self) -> str:  # for NotAContainer's messages
        return f"{type(self).__name__} {self.path}"

    def __repr__(self) -> str:
        return " ".join((f"<{type(self).__name__}", self.path, *self.methods)) + ">"

    def __dir__(self) -> list[str]:
        children = [n for n in self._node.fixed if n.isidentifier() and not n.startswith("_")]
        verbs = [v.lower() for v in self.methods]
        return sorted(set(children) | set(verbs) | set(PROXY_ATTRIBUTES))

    def _ipython_key_completions_(self) -> list[str]:
        return list(self._node.fixed)

    def __eq__(self, other: object) -> bool:
        return (type(other) is type(self) and other._client is self._client  # type: ignore[attr-defined]
                and other._path == self._path)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), id(self._client), self._path))

    def __copy__(self) -> "Resource":
        return self

    def __deepcopy__(self, memo: dict) -> "Resource":
        return self  # immutable: sharing is a faithful copy, and nothing is sent

    def __reduce__(self):
        return (_navigate, (self._client, self._trail))


# Slot setters: the proxies refuse __setattr__, so __init__ writes the slots directly.
_set_client = Resource._client.__set__  # type: ignore[attr-defined]
_set_node = Resource._node.__set__  # type: ignore[attr-defined]
_set_path = Resource._path.__set__  # type: ignore[attr-defined]
_set_trail = Resource._trail.__set__  # type: ignore[attr-defined]
_set_children = Resource._children.__set__  # type: ignore[attr-defined]
_set_last_item = Resource._last_item.__set__  # type: ignore[attr-defined]
_CHILDREN_KEPT = 256  # proxies of fixed names remembered below each proxy


# Public proxy attributes and verbs, which a Client, lacking its own, takes from its root proxy.
ROOT_ATTRIBUTES = frozenset(name for name in vars(Resource) if not name.startswith("_"))
# Every name a Client answers itself: its settings, methods and the root proxy's attributes.
# A top-level resource or RPC name among them is reached with item access (api['headers']).
# Declared here, below the Client, for the layers that must know it (openapi, map checks);
# tests/test_house.py holds it against the Client class.
CLIENT_ATTRIBUTES = ROOT_ATTRIBUTES | frozenset({
    "after_commit", "after_commit_on", "app", "auth", "close", "concurrently", "expand", "from_openapi", "headers", "last_response",
    "login", "on_token", "resources", "retries", "routes", "session", "timeout", "trailing_slash", "verify",
})


class ResourceCollection(Resource):
    __slots__ = ()
    __doc__ = _MapDoc("""A fixed segment: ``api.people`` -> ``/people``.""")  # type: ignore[assignment]


class ResourceItem(Resource):
    __slots__ = ()
    __doc__ = _MapDoc(  # type: ignore[assignment]
        """A variable segment: ``api.people['alice']`` -> ``/people/alice``.""")


def _navigate(client: "Navigator", trail: tuple) -> Resource:
    """Rebuild a proxy from its trail (used by pickle)."""
    proxy: Resource = client._root
    for is_variable, value in trail:
        if not is_variable:
            proxy = proxy._fixed(value, UnknownItem)
        else:
            proxy = proxy._variable(*value) if isinstance(value, tuple) else proxy._variable(value)
    return proxy


@functools.lru_cache(maxsize=64)
def _verbs_of(methods: frozenset) -> tuple[str, ...]:
    """The verbs in ``methods``, in the usual order (asked on every call: kept, not rebuilt)."""
    return tuple(v for v in VERBS if v in methods)
