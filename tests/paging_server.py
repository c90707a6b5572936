"""A loopback server for the paging and concurrency tests (machinery from servers.py).

Items are made on the fly, ``{"id": i}`` for ``i`` in ``range(total)``, so a
listing of any length costs the server nothing. Every listing takes
``total=`` (default 10), ``fail=K`` (page K answers 500) and ``key=`` (hits are
counted under it as well as under the path). Misbehaving on cue: ``cap=N`` serves
at most N items a page whatever size is asked for; ``stuck=1`` ignores the page,
offset or cursor parameter and always serves the first page.

- ``/link?page=&per_page=``: a bare list, ``Link: <...>; rel="next"`` while more remain;
  ``next=URL`` sends that as the next link instead (another origin; ``SELF``: itself);
  ``rel=`` is the rel value sent (default ``next``); ``cycle=N``: page N links back to page 1.
- ``/header?page=&per_page=&name=``: ``{"data": [...]}``, the next absolute URL in the
  header ``name`` (default ``Next-Page``).
- ``/page?page=&per_page=``: ``{"items": [...]}``, no links: the client counts pages;
  ``count=1`` adds ``"count": total``; ``django=1`` answers 404 ("Invalid page.") for a
  page past the last one, as Django's paginator does, and for page ``gone=K`` (as when the
  listing shrank while it was read).
- ``/body?shape=S&page=&per_page=``: the next page's URL inside the body, shaped as
  ``drf`` ``{"count", "next", "previous", "results"}`` (``nocount=1`` leaves count out),
  ``datasette`` ``{"rows", "next": token, "next_url"}``, ``jsonapi``
  ``{"data", "links": {"next"}}``, ``hal`` ``{"items", "_links": {"next": {"href"}}}``,
  ``plone`` ``{"items", "batching": {"next"}}``, ``token`` ``{"items", "next": token}``,
  ``jsonapi11`` ``{"data", "links": {"next": {"href"}}}``, ``number`` ``{"items", "next": N}``;
  null (or no link) on the last page; ``relative=1`` gives the URL as ``?page=N...``.
- ``/offset?offset=&limit=``: ``{"results": [...]}``.
- ``/cursor?before=&limit=``: ``{"items": [...]}``, newest (highest id) first, the items
  with ids below ``before``.
- ``/values?page=&per_page=&values=1,1,1,1,2``: a bare list of plain ints, the page's
  slice of ``values`` (comma-separated); with ``stuck=1`` the first page, forever.
- ``/sleep?ms=20``: waits, then answers ``{"slept": ms}``; :meth:`PagingServer.stats`
  gives the most requests ever in flight at once and the connections accepted.
"""
from __future__ import annotations

import threading
from typing import Dict
from urllib.parse import parse_qsl, urlencode

from servers import _Handler, _StdlibServer

__all__ = ["PagingServer"]

MAX_SLEEP_MS = 5000  # /sleep never waits longer than this
BACKLOG = 128         # connections the kernel queues before the server accepts them


class _Stats:
    """Connections accepted and requests in flight, counted under one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.connections = self.in_flight = self.max_in_flight = 0


class _PagingHandler(_Handler):
    def setup(self) -> None:
        super().setup()
        stats = self.server.stats
        with stats.lock:
            stats.connections += 1

    def dispatch(self) -> None:
        path, _, query = self.path.partition("?")
        self.args: Dict[str, str] = dict(parse_qsl(query))
        name = path.strip("/")
        keys = (path,) + ((self.args["key"],) if "key" in self.args else ())
        self.server.record(keys, self.command, self.path, dict(self.headers.items()))
        handler = getattr(self, f"serve_{name}", None)
        if handler is None:
            self.answer(404, {"error": "NotFound", "message": f"no route {path}"})
        else:
            handler()

    def int_arg(self, name: str, default: int) -> int:
        return int(self.args.get(name, default))

    def _slice(self, start: int, count: int) -> list:
        total = self.int_arg("total", 10)
        return [{"id": i} for i in range(start, min(start + count, total))]

    def _size(self, name: str) -> int:
        """The page size asked for in ``name`` (default 3), cut to ``cap=`` if given."""
        return min(self.int_arg(name, 3), self.int_arg("cap", 1 << 30))

    def _counter(self, name: str, default: int) -> int:
        """The page number, offset or cursor asked for, or ``default`` when ``stuck=``."""
        return default if "stuck" in self.args else self.int_arg(name, default)

    def _failing(self, page: int) -> bool:
        if page == self.int_arg("fail", 0):
            self.answer(500, {"error": "Boom", "message": f"page {page} fails on purpose"})
            return True
        return False

    def _numbered(self) -> tuple:
        """(page number, its items, the URL of the next page or None)."""
        page, per_page = self._counter("page", 1), self._size("per_page")
        items = self._slice((page - 1) * per_page, per_page)
        more = (page * per_page) < self.int_arg("total", 10)
        following = {**self.args, "page": str(page + 1)}
        if page >= self.int_arg("cycle", page + 1):
            more, following = True, {**self.args, "page": "1"}
        return page, items, f"{self.path.partition('?')[0]}?{urlencode(following)}" if more else None

    def serve_link(self) -> None:
        page, items, following = self._numbered()
        if self._failing(page):
            return
        if "next" in self.args:
            following = self.args["next"].replace("SELF", self.path)
        rel = self.args.get("rel", "next")
        self.answer(200, items, headers=[("Link", f'<{following}>; rel="{rel}"')] if following else [])

    def serve_header(self) -> None:
        page, items, following = self._numbered()
        if self._failing(page):
            return
        headers = []
        if following:
            host = self.headers.get("Host", f"127.0.0.1:{self.server.server_port}")
            headers.append((self.args.get("name", "Next-Page"), f"http://{host}{following}"))
        self.answer(200, {"data": items}, headers=headers)

    def serve_page(self) -> None:
        page, items, _ = self._numbered()
        if self._failing(page):
            return
        if "django" in self.args and page > 1 and (not items or page == self.int_arg("gone", 0)):
            self.answer(404, {"detail": "Invalid page."})
        elif "count" in self.args:
            self.answer(200, {"count": self.int_arg("total", 10), "items": items})
        else:
            self.answer(200, {"items": items})

    def serve_body(self) -> None:
        page, items, following = self._numbered()
        if following and "relative" not in self.args:
            following = f"http://{self.headers.get('Host')}{following}"
        elif following:
            following = "?" + following.partition("?")[2]
        shape = self.args.get("shape", "drf")
        token = f"opaque-{page + 1}" if following else None
        bodies = {
            "drf": {"count": self.int_arg("total", 10), "next": following, "previous": None, "results": items},
            "datasette": {"rows": items, "next": token, "next_url": following},
            "jsonapi": {"data": items, "links": {"next": following}},
            "hal": {"items": items, "_links": {"next": {"href": following}} if following else {}},
            "plone": {"items": items, "batching": {"next": following} if following else {}},
            "token": {"items": items, "next": token},
            "jsonapi11": {"data": items, "links": {"next": {"href": following, "meta": {}} if following else None}},
            "number": {"items": items, "next": page + 1 if following else None},
        }
        body = bodies[shape]
        if "nocount" in self.args:
            body.pop("count", None)
        self.answer(200, body)

    def serve_offset(self) -> None:
        offset, limit = self._counter("offset", 0), self._size("limit")
        if not self._failing(offset // limit + 1):
            self.answer(200, {"results": self._slice(offset, limit)})

    def serve_cursor(self) -> None:
        total, limit = self.int_arg("total", 10), self._size("limit")
        before = min(self._counter("before", total), total)
        if not self._failing((total - before) // limit + 1):
            ids = range(before - 1, max(before - 1 - limit, -1), -1)
            self.answer(200, {"items": [{"id": i} for i in ids]})

    def serve_values(self) -> None:
        values = [int(v) for v in self.args.get("values", "1,1,1,1,2").split(",") if v]
        page, per_page = self._counter("page", 1), self._size("per_page")
        self.answer(200, values[(page - 1) * per_page:page * per_page])

    def serve_sleep(self) -> None:
        stats = self.server.stats
        with stats.lock:
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            ms = min(self.int_arg("ms", 20), MAX_SLEEP_MS)
            self.server.stopping.wait(ms / 1000)
        finally:
            with stats.lock:
                stats.in_flight -= 1
        self.answer(200, {"slept": ms})


class PagingServer(_StdlibServer):
    """The paging server on 127.0.0.1, a free port; a context manager."""

    handler = _PagingHandler

    def __init__(self) -> None:
        super().__init__()
        # No client knows the URL before __init__ returns, so no handler runs without it.
        self._server.stats = _Stats()
        # socketserver listens with a backlog of 5: a 6th simultaneous connect would
        # wait a second for its SYN to be resent. Listening again raises the backlog.
        self._server.socket.listen(BACKLOG)

    def stats(self) -> Dict[str, int]:
        """``{"connections", "max_in_flight"}`` since the last :meth:`reset_stats`."""
        stats = self._server.stats
        with stats.lock:
            return {"connections": stats.connections, "max_in_flight": stats.max_in_flight}

    def reset_stats(self) -> None:
        stats = self._server.stats
        with stats.lock:
            stats.connections = stats.max_in_flight = 0
