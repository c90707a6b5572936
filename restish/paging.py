"""Pagination styles, ``Resource.iterate()``, and ``Client.concurrently()``.

A route's ``paginate:`` in the map picks how its collection pages:

- ``link``: follow RFC 8288 ``Link: <url>; rel="next"``;
- ``header``: follow the URL in a header (``header:``, default ``Next-Page``);
- ``page``: count ``param`` (default ``page``, first ``start``, default 1) with
  ``size`` (default ``per_page``) items a page;
- ``offset``: step ``param`` (default ``offset``) by the items seen, ``limit``
  (default ``limit``) a page;
- ``cursor``: set ``param`` (default ``before``) to ``field`` (default ``id``) of
  the last item, ``limit`` (default ``limit``) a page.

Counted styles stop on an empty page, or a short one when the page size is
known. Without ``paginate:``, a ``Link: rel="next"`` or a ``Next-Page`` header
is followed when present. Each page goes through the client's send chain
(auth, retries, timeouts, logging, ``last_response``); only the current page
is held, so memory stays flat however many pages there are.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping
from urllib.parse import urljoin

from .errors import DecodeError, InvalidValue, MapError
from .redact import redact_url
from .transport import origin_of

if TYPE_CHECKING:
    import requests

    from .client import Client
    from .resources import Resource

__all__ = ["iterate", "concurrently", "Style"]

ITEM_KEYS = ("items", "data", "results")  # where a list sits in a body, when not declared
# Style -> (its keys with defaults); ``style`` itself is always allowed.
STYLE_KEYS: Mapping[str, Mapping[str, Any]] = {
    "link": {},
    "header": {"header": "Next-Page"},
    "page": {"param": "page", "size": "per_page", "start": 1},
    "offset": {"param": "offset", "limit": "limit"},
    "cursor": {"param": "before", "field": "id", "limit": "limit"},
}


@dataclass(frozen=True)
class Style:
    """A route's pagination, its defaults filled in (``kind`` None: nothing declared)."""

    kind: str | None
    options: Mapping[str, Any]

    @classmethod
    def of(cls, route: Any) -> "Style":
        """The style a route declares; raises MapError for a key its style does not know."""
        spec = dict(route.paginate) if route is not None and route.paginate else {}
        kind = spec.pop("style", None)
        if kind is None:
            return cls(None, {})
        known = STYLE_KEYS[kind]
        unknown = sorted(set(spec) - set(known))
        if unknown:
            raise MapError(f"route {route.template}: paginate style {kind!r} has no key "
                           f"{', '.join(map(repr, unknown))} (it knows {', '.join(known) or 'none'})")
        return cls(kind, {**known, **spec})


def iterate(resource: "Resource", kwargs: dict) -> Iterator[Any]:
    """The items of every page of ``resource``, fetched one page at a time.

    ``kwargs`` are those of ``.get()``, plus ``max_items=`` and ``max_pages=``.
    Raises what ``.get()`` raises, after yielding the items of the pages before;
    ``InvalidValue`` for a bad bound or a next page on another origin;
    ``DecodeError`` for a body holding no list.
    """
    max_items = _bound(kwargs.pop("max_items", None), "max_items", resource)
    max_pages = _bound(kwargs.pop("max_pages", None), "max_pages", resource)
    items = _items_of_pages(resource, kwargs, max_pages)
    return items if max_items is None else islice(items, max_items)


def _bound(value: Any, name: str, resource: "Resource") -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    raise InvalidValue(f"GET {resource.path}: {name} must be a whole number >= 0, not {value!r}")


def _items_of_pages(resource: "Resource", kwargs: dict, max_pages: int | None) -> Iterator[Any]:
    client = resource._client
    route = resource._route
    style = Style.of(route)
    counted = style.kind in ("page", "offset", "cursor")
    options, query = _split(kwargs, resource)  # options hold for every page; the query is rebuilt
    size = _page_size(style, query)
    if style.kind == "page":
        query.setdefault(style.options["param"], style.options["start"])
    url: str | None = None  # an exact next-page URL to GET instead of resource + query
    pages = 0
    while max_pages is None or pages < max_pages:
        body = client._call(resource, "GET", dict(options) if url else {**options, "qs": query}, url)
        response = client.last_response
        pages += 1
        page = _items(body, route.items if route else None, response)
        del body  # hold the page's items only
        yield from page
        if counted:
            if not page or (size is not None and len(page) < size):
                return
            query = _next_query(style, query, page, resource)
        else:
            following = _next_url(style, response, resource)
            if following is None or following == response.url:  # a link to itself would loop
                return
            url = following
        del page


def _split(kwargs: dict, resource: "Resource") -> tuple[dict, dict]:
    """``(options, first page's query)``: the query as ``.get()`` builds it, ``qs=`` last."""
    from .client import RESERVED  # not at the top: the client module imports this one
    options = {k: v for k, v in kwargs.items() if k in RESERVED and k != "qs"}
    query = {k: v for k, v in kwargs.items() if k not in RESERVED}
    qs = kwargs.get("qs") or {}
    if not isinstance(qs, Mapping):
        raise InvalidValue(f"GET {resource.path}: qs= must be a dict, not {type(qs).__name__}")
    query.update(qs)
    return options, query


def _page_size(style: Style, query: dict) -> int | None:
    """The page size the query asks for, if the style has one and it is given."""
    name = style.options.get("size") or style.options.get("limit")
    try:
        return int(query[name]) if name in query else None
    except (TypeError, ValueError):
        return None  # the server will say what it thinks of it


def _next_query(style: Style, query: dict, page: list, resource: "Resource") -> dict:
    param = style.options["param"]
    if style.kind == "page":
        return {**query, param: int(query[param]) + 1}
    if style.kind == "offset":
        return {**query, param: int(query.get(param) or 0) + len(page)}
    field = style.options["field"]
    last = page[-1]
    if not isinstance(last, Mapping) or field not in last:
        raise DecodeError(f"GET {resource.path}: the last item has no {field!r} field "
                          f"for the {param}= cursor")
    return {**query, param: last[field]}


def _next_url(style: Style, response: "requests.Response", resource: "Resource") -> str | None:
    """The next page's URL from the response, checked to stay on the client's origin."""
    if style.kind in (None, "link"):
        target = response.links.get("next", {}).get("url")
        if target is None and style.kind is None:
            target = response.headers.get(STYLE_KEYS["header"]["header"])
    else:
        target = response.headers.get(style.options["header"])
    if not target:
        return None
    target = urljoin(response.url, target)
    if origin_of(target) != origin_of(resource._client.url):
        # Auth would go with it: the next page must stay where the credentials belong.
        raise InvalidValue(f"GET {resource.path}: the next page is on another origin "
                           f"({redact_url(target)}); restish does not follow it")
    return target


def _items(body: Any, declared: str | None, response: "requests.Response") -> list:
    """The list of items in a page's body: at ``declared`` (dotted), or where it usually sits."""
    if body is None:
        return []
    if declared:
        found: Any = body
        for key in declared.split("."):
            found = found.get(key) if isinstance(found, Mapping) else None
    elif isinstance(body, Mapping):
        found = next((body[k] for k in ITEM_KEYS if isinstance(body.get(k), list)), None)
    else:
        found = body
    if not isinstance(found, list):
        where = repr(declared) if declared else f"the body or its {', '.join(ITEM_KEYS)} key"
        raise DecodeError(f"GET {redact_url(response.url)}: no list of items at {where}")
    return found


def concurrently(client: "Client", calls: Iterable[Callable[[], Any]], workers: int = 8) -> list:
    """Run zero-argument callables on ``workers`` threads; their results, in order.

    A call that raised gives its exception object in its place. The client's
    pool is grown to at least ``workers`` connections per host first. Every
    thread is joined before this returns. Raises InvalidValue for a bad
    ``workers`` or a call that is not callable.
    """
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise InvalidValue(f"concurrently(): workers must be a whole number >= 1, not {workers!r}")
    calls = list(calls)
    for index, call in enumerate(calls):
        if not callable(call):
            raise InvalidValue(f"concurrently(): call {index} is a {type(call).__name__}, "
                               f"not a zero-argument callable")
    if not calls:
        return []
    client._ensure_pool(workers)
    with ThreadPoolExecutor(min(workers, len(calls)), thread_name_prefix="restish") as pool:
        return list(pool.map(_outcome, calls))


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the contract: a failure is a result, not lost
        return exc
