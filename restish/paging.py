"""Pagination styles, ``Resource.iterate()``, and ``Client.concurrently()``.

A route's ``paginate:`` in the map picks how its collection pages:

- ``link``: follow RFC 8288 ``Link: <url>; rel="next"``;
- ``header``: follow the URL in a header (``header:``, default ``Next-Page``);
- ``page``: count ``param`` (default ``page``, first ``start``, default 1) with
  ``size`` (default ``per_page``) items a page;
- ``offset``: step ``param`` (default ``offset``) by the items seen, ``limit``
  (default ``limit``) a page;
- ``cursor``: set ``param`` (default ``before``) to ``field`` (default ``id``) of
  the last item, ``limit`` (default ``limit``) a page;
- ``next``: follow the URL in a field of the body (``field:``, dotted, default
  ``next``): Django REST framework, JSON:API's ``links.next``, HAL's
  ``_links.next.href``, plone.restapi's ``batching.next``.

Counted styles stop on an empty page, or on a page shorter than the longest
one before it. The size asked for is not trusted: servers cap it (GitHub at
100), and a page shorter than asked may be a full one. ``page`` and ``offset``
listings also stop where the body says so: a ``next`` field that is null, or
a ``count`` / ``total`` reached; and a ``page`` listing stops on a 404 for a
page after the first (Django's "Invalid page" after a full last page) unless the
body stated a count that is not reached yet.

Without ``paginate:``, a ``Link: rel="next"``, a ``Next-Page`` header, or a
next URL in an object body (the keys of :data:`BODY_NEXT`, the first holding
a URL) is followed when present: a listing is never cut at its first page
silently, and a body naming a next page restish cannot read as a URL (an
opaque token) raises ``DecodeError`` saying to declare the style.

A listing that goes round in circles raises :class:`DecodeError` ("next page
repeats ...") instead of looping: a next URL already fetched, a counted
page of records equal to the one before it (a server that ignores the page
parameter or the cursor), or ``MAX_EQUAL_PAGES`` equal counted pages of plain
values in a row (``[1, 1]``, ``[1, 1]`` may be a legitimate listing, so shorter
runs pass; with ``max_pages=`` given, any run does). Each page goes through the
client's send chain (auth, retries, timeouts, logging, ``last_response``); only
the current page and the one before it are held, so memory stays flat however
many pages there are.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Mapping  # not typing's: its isinstance is several times slower
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Protocol
from urllib.parse import urljoin

from requests.utils import parse_header_links

from .call import RESERVED
from .errors import DecodeError, InvalidValue, NotFound
from .redact import redact_url
from .routes import STYLE_KEYS
from .transport import origin_of

if TYPE_CHECKING:
    import requests

    from .sending import Sender

__all__ = ["iterate", "concurrently", "Style"]


class Resource(Protocol):
    """What paging needs of a proxy: its path, its route, and its client's send chain."""

    path: str
    _route: Any
    _client: Any

ITEM_KEYS = ("items", "data", "results")  # where a list sits in a body, when not declared
COUNTED = frozenset({"page", "offset", "cursor"})  # styles that build the next query themselves
# Where an object body holds its next page's URL, looked for when no paginate: is declared:
# DRF and most others, Datasette, JSON:API, HAL, plone.restapi.
BODY_NEXT = ("next", "next_url", "links.next", "_links.next.href", "batching.next")
# Where a body says how many items the whole listing holds (DRF: count).
BODY_COUNT = ("count", "total", "total_count", "items_total")
# Equal pages of plain values in a row that end a listing with DecodeError. Such pages
# may be a real listing ([1, 1], [1, 1], [2]), so one repeat proves nothing; but a
# server that ignores the page parameter answers the same page forever. The bound
# trades a few wasted requests (and the items of 9 repeated pages yielded) against
# refusing a real listing of 10 or more equal pages in a row, which max_pages= reads.
MAX_EQUAL_PAGES = 10



@dataclass(frozen=True)
class Style:
    """A route's pagination, its defaults filled in (``kind`` None: nothing declared)."""

    kind: str | None
    options: Mapping[str, Any]

    @classmethod
    def of(cls, route: Any) -> "Style":
        """The style a route declares, its defaults filled in.

        Not checked again here: a :class:`~restish.routes.Route` checks its
        ``paginate:`` and ``items:`` when it is built, so every route has a good one.
        """
        if route is None or not route.paginate:
            return cls(None, {})
        spec = dict(route.paginate)
        kind = spec.pop("style", None)
        return cls(None, {}) if kind is None else cls(kind, {**STYLE_KEYS[kind], **spec})


def iterate(resource: "Resource", kwargs: dict) -> Iterator[Any]:
    """The items of every page of ``resource``, fetched one page at a time.

    ``kwargs`` are those of ``.get()``, plus ``max_items=`` and ``max_pages=``.
    Raises, before any request: ``InvalidValue`` for a bad bound, ``qs=`` or
    page counter. While
    iterating, after yielding the items of the pages before: what ``.get()``
    raises; ``InvalidValue`` for a next page on another origin;
    ``DecodeError`` for a body holding no list, or a next page that repeats
    one already fetched.
    """
    max_items = _bound(kwargs.pop("max_items", None), "max_items", resource)
    max_pages = _bound(kwargs.pop("max_pages", None), "max_pages", resource)
    style = Style.of(resource._route)
    options, query = _split(kwargs, resource)  # options hold for every page; the query is rebuilt
    if style.kind == "page":
        query.setdefault(style.options["param"], style.options["start"])
    param = style.options.get("param")
    if style.kind in ("page", "offset") and param in query:  # no offset given: the server's default
        query[param] = _counter(query[param], param, resource)
    items = _items_of_pages(resource, style, options, query, max_pages)
    return items if max_items is None else islice(items, max_items)


def _bound(value: Any, name: str, resource: "Resource") -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    raise InvalidValue(f"GET {resource.path}: {name} must be a whole number >= 0, not {value!r}")


def _counter(value: Any, param: str, resource: "Resource") -> int:
    """A page number or offset the caller gave, as an int; InvalidValue if it is none."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool) or number < 0:
        raise InvalidValue(f"GET {resource.path}: {param}= must be a whole number >= 0, not {value!r}")
    return number


def _items_of_pages(resource: "Resource", style: Style, options: dict, query: dict,
                    max_pages: int | None) -> Iterator[Any]:
    client = resource._client
    declared = resource._route.items if resource._route else None
    seen = _Seen(bounded=max_pages is not None)
    url: str | None = None  # an exact next-page URL to GET instead of resource + query
    pages = done = 0
    total = None  # the listing's size as the last page's body stated it
    # Begun at its first page, a page listing's items can be held against that size.
    whole = style.kind == "page" and query.get(style.options["param"]) == style.options["start"]
    while max_pages is None or pages < max_pages:
        try:
            body = client._call(resource, "GET", dict(options) if url else {**options, "qs": query}, url)
        except NotFound:
            if style.kind == "page" and pages and (total is None or not whole):
                return  # Django's "Invalid page": the page after a full last one (a count would have ended it)
            raise
        response = client.last_response
        pages += 1
        page = _items(body, declared, response)
        done += len(page)
        # Read from the body now, judged after the page's items are yielded.
        total = _count(body) if style.kind in ("page", "offset") else None
        last = style.kind in ("page", "offset") and _body_says_last(body, done, total)
        found = None if style.kind in COUNTED else _next_in_body(body, style)
        del body  # hold the page's items only
        seen.page(page, response, style)  # raises before yielding a page that repeats the last
        yield from page
        if style.kind in COUNTED:
            if last or seen.ended(page):
                return
            query = _next_query(style, query, page, resource, response)
        else:
            url = seen.follow(_next_url(style, response, resource, found), response)
            if url is None:
                return
        del page


class _Seen:
    """What one iteration has seen: for counted styles the longest and the last page,
    for followed ones (link, header) the URLs fetched.

    It ends a counted listing on a short page and raises DecodeError when a
    listing goes round in circles. Raising, not stopping, is deliberate: a
    server whose pages loop holds items restish cannot reach, and a silently
    shortened listing would pass for a whole one.
    """

    WINDOW = 64  # recent URLs remembered; catches the short cycles at once

    def __init__(self, bounded: bool = False) -> None:
        self.bounded = bounded  # max_pages= given: equal pages of plain values are the caller's to bound
        self.longest = 0
        self.last: list | None = None
        self.last_url = ""
        self.equal = 1  # pages in a row equal to self.last, fetched first at self.last_url
        self.recent: deque = deque(maxlen=self.WINDOW)
        # Brent's cycle detection: one more URL, re-picked at doubling intervals,
        # catches a cycle longer than WINDOW within about twice its length.
        self.checkpoint: str | None = None
        self.steps, self.span = 0, self.WINDOW

    def page(self, page: list, response: "requests.Response", style: Style) -> None:
        """Remember ``page``; raises DecodeError when a counted listing is stuck on one page.

        Only counted styles compare pages: there restish picks the parameter
        (page, offset or cursor), and a server that ignores it answers the same
        page forever. A page of records (all items mappings or lists) equal to
        the one before raises at once: records carry ids, so two equal pages of
        them in a row mean a stuck server. Two equal pages of plain values
        (``[1, 1]``, ``[1, 1]``) may be a listing of equal values, so those raise
        only at ``MAX_EQUAL_PAGES`` in a row, and never when ``max_pages=`` bounds
        the listing. Only the page before is held, with a count. A server that
        writes its own next links is held to them by :meth:`follow` instead, so
        only their URLs are kept.
        """
        if style.kind not in COUNTED:
            for fetched in (*(r.url for r in response.history), response.url):
                self._remember(fetched)
            return
        if not page or page != self.last:
            self.last, self.last_url, self.equal = page, response.url, 1
            return
        self.equal += 1
        param = style.options["param"]
        if all(isinstance(item, (Mapping, list)) for item in page):
            raise DecodeError(f"GET {redact_url(response.url)}: next page repeats "
                              f"{redact_url(self.last_url)}, item for item; "
                              f"does the server ignore {param}=?")
        if self.equal >= MAX_EQUAL_PAGES and not self.bounded:
            raise DecodeError(f"GET {redact_url(response.url)}: next page repeats "
                              f"{redact_url(self.last_url)}, item for item, {self.equal} equal pages "
                              f"in a row; does the server ignore {param}=? "
                              f"If not, pass max_pages= to read such a listing")

    def ended(self, page: list) -> bool:
        """True when a counted listing ends at ``page``: empty, or shorter than the longest before it.

        The first page sets the size, whatever size was asked for: a server
        that caps pages would otherwise end the listing after one. The cost
        is one request more for a one-page listing, which ends on the empty
        page after it, as does a listing whose last page is full.
        """
        short = len(page) < self.longest
        self.longest = max(self.longest, len(page))
        return not page or short

    def follow(self, following: str | None, response: "requests.Response") -> str | None:
        """``following``, or None when there is nothing new to fetch; raises DecodeError for a cycle."""
        if following is None or following == response.url:
            # A page whose next link is itself is how some servers mark the last page;
            # there is nothing else to fetch and nothing is lost.
            return None
        if following in self.recent or following == self.checkpoint:
            raise DecodeError(f"GET {redact_url(response.url)}: next page repeats "
                              f"{redact_url(following)}, a page already fetched")
        return following

    def _remember(self, url: str) -> None:
        if url in self.recent:
            return
        self.recent.append(url)
        self.steps += 1
        if self.steps >= self.span:
            self.checkpoint, self.steps, self.span = url, 0, self.span * 2


def _split(kwargs: dict, resource: "Resource") -> tuple[dict, dict]:
    """``(options, first page's query)``: the query as ``.get()`` builds it, ``qs=`` last."""
    options = {k: v for k, v in kwargs.items() if k in RESERVED and k != "qs"}
    query = {k: v for k, v in kwargs.items() if k not in RESERVED}
    qs = kwargs.get("qs") or {}
    if not isinstance(qs, Mapping):
        raise InvalidValue(f"GET {resource.path}: qs= must be a dict, not {type(qs).__name__}")
    query.update(qs)
    return options, query


def _next_query(style: Style, query: dict, page: list, resource: "Resource",
                response: "requests.Response") -> dict:
    param = style.options["param"]
    if style.kind == "page":
        return {**query, param: query[param] + 1}
    if style.kind == "offset":
        return {**query, param: query.get(param, 0) + len(page)}
    field = style.options["field"]
    last = page[-1]
    if not isinstance(last, Mapping) or field not in last:
        raise DecodeError(f"GET {resource.path}: the last item has no {field!r} field "
                          f"for the {param}= cursor")
    # A server that ignores the cursor answers this page again: _Seen.page catches it
    # (a cursor's items are mappings, so its pages are always compared).
    return {**query, param: last[field]}


def _next_url(style: Style, response: "requests.Response", resource: "Resource",
              found: tuple | None = None) -> str | None:
    """The next page's URL from the response (``found``: what :func:`_next_in_body` read from
    its body), checked to parse and to stay on the client's origin."""
    if style.kind in (None, "link"):
        target = _next_link(response)
        if target is None and style.kind is None:
            target = response.headers.get(STYLE_KEYS["header"]["header"])
    elif style.kind == "header":
        target = response.headers.get(style.options["header"])
    else:
        target = None
    if target is None and found:
        key, target = found
        if not isinstance(target, str) or (style.kind is None and not _looks_like_url(target)):
            raise DecodeError(f"GET {redact_url(response.url)}: the body's {key!r} names a next page "
                              f"that is not a URL ({_shown(str(target))}); declare the route's paginate: "
                              f"style to page it")
    if not target:
        return None
    try:
        target = urljoin(response.url, target)
        elsewhere = origin_of(target) != origin_of(resource._client.url)  # a bad port raises here
    except ValueError:
        raise DecodeError(f"GET {redact_url(response.url)}: the next page's URL cannot be parsed: "
                          f"{_shown(target)}") from None
    if elsewhere:
        # Auth would go with it: the next page must stay where the credentials belong.
        raise InvalidValue(f"GET {resource.path}: the next page is on another origin "
                           f"({redact_url(target)}); restish does not follow it")
    return target


def _next_in_body(body: Any, style: Style) -> tuple[str, Any] | None:
    """``(key, value)`` of the body's next-page field: the declared one (style ``next``),
    else the first of :data:`BODY_NEXT` holding a URL, else the first holding anything else
    (a token, a page number, ``true``: :func:`_next_url` refuses it rather than stop there).

    A link object (JSON:API 1.1, HAL: ``{"href": URL}``) counts as its ``href``; null,
    false and "" say there is no next page.
    """
    if not isinstance(body, Mapping) or style.kind not in (None, "next"):
        return None
    keys = (style.options["field"],) if style.kind == "next" else BODY_NEXT
    found = [(key, _href(value)) for key in keys for value in [_dotted(body, key)]
             if value not in (None, False, "")]
    return next((pair for pair in found if _looks_like_url(pair[1])), found[0] if found else None)


def _href(value: Any) -> Any:
    """A link object's ``href`` (``{"href": URL, "meta": ...}``); any other value as it is."""
    return value["href"] if isinstance(value, Mapping) and isinstance(value.get("href"), str) else value


def _body_says_last(body: Any, done: int, total: int | None) -> bool:
    """Does a page or offset listing end here? Its body's ``next`` is null, or ``done``
    items reach ``total``, its :func:`_count`."""
    if not isinstance(body, Mapping):
        return False
    if any(key in body and body[key] is None for key in ("next", "next_url")):
        return True
    return total is not None and done >= total


def _count(body: Any) -> int | None:
    """How many items the whole listing holds, as the body says (``count``, ``total``...), or None."""
    total = next((body[key] for key in BODY_COUNT if key in body), None) if isinstance(body, Mapping) else None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def _dotted(body: Mapping, key: str) -> Any:
    found: Any = body
    for part in key.split("."):
        found = found.get(part) if isinstance(found, Mapping) else None
    return found


def _looks_like_url(text: Any) -> bool:
    """A URL, or a reference relative to the page's (``/x``, ``?page=2``, ``./x``), not a token."""
    return isinstance(text, str) and text.lower().startswith(("http://", "https://", "/", "?", "./", "../"))


def _shown(text: str) -> str:
    return repr(redact_url(text)[:200])


def _next_link(response: "requests.Response") -> str | None:
    """The first ``Link`` target whose rel includes ``next``.

    RFC 8288 makes rel a space-separated list of case-insensitive types, so
    ``rel="Next"`` and ``rel="next last"`` count; ``response.links`` keys
    them by the raw string and would miss both.
    """
    header = response.headers.get("Link")
    for link in parse_header_links(header) if header else ():
        rel = next((value for key, value in link.items() if key.lower() == "rel"), "")
        if "next" in rel.lower().split():
            return link.get("url")
    return None


def _items(body: Any, declared: str | None, response: "requests.Response") -> list:
    """The list of items in a page's body: at ``declared`` (dotted), or where it usually sits."""
    if body is None:
        return []
    if declared:
        found = _dotted(body, declared) if isinstance(body, Mapping) else None
    elif isinstance(body, Mapping):
        found = next((body[k] for k in ITEM_KEYS if isinstance(body.get(k), list)), None)
    else:
        found = body
    if not isinstance(found, list):
        where = repr(declared) if declared else f"the body or its {', '.join(ITEM_KEYS)} key"
        raise DecodeError(f"GET {redact_url(response.url)}: no list of items at {where}")
    return found


def concurrently(client: "Sender", calls: Iterable[Callable[[], Any]], workers: int = 8) -> list:
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
