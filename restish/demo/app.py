"""The demo's WSGI application: route, authenticate, read the body with a bound, answer.

One request passes these steps once: match a route (404), check the method
(405), check the OAuth headers (401), find the view (501 for a mapped route
the demo lacks), read the body (400 past its limit), run the view with the
store locked. Every error is answered MAX-style; an unexpected exception is a
500 with the same shape, logged with its traceback.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Callable, Iterable

from . import activities, auth, contexts, conversations, people
from .http import (BodyReader, MaxError, MethodNotAllowed, NotFound, NotImplementedRoute, Request,
                   Response, ServerError, error_response)
from .routing import VIEWS, Router, bundled_map, path_segments
from .store import Store

log = logging.getLogger(__name__)

# Importing these modules registers their views in routing.VIEWS.
VIEW_MODULES = (activities, auth, contexts, conversations, people)

MiB = 1024 * 1024
DEFAULT_MAX_AVATAR_BYTES = 16 * MiB
MAX_JSON_BYTES = 1 * MiB
DEFAULT_MAX_TOKENS = 10_000  # access tokens, and refresh tokens, kept at most (oldest go first)


@dataclass(frozen=True)
class Settings:
    max_avatar_bytes: int = DEFAULT_MAX_AVATAR_BYTES
    token_ttl: float = 3600.0
    max_json_bytes: int = MAX_JSON_BYTES
    max_tokens: int = DEFAULT_MAX_TOKENS


class DemoApp:
    """A WSGI callable over one in-memory :class:`Store`; safe under a threaded server."""

    def __init__(self, router: Router, settings: Settings, store: Store) -> None:
        self.router, self.settings, self.store = router, settings, store

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        reader = None
        try:
            reader = BodyReader(environ)
            response = self.handle(environ, method, reader)
        except MaxError as exc:
            response = error_response(exc)
        except Exception:
            log.exception("restish.demo: %s %s failed", method, environ.get("PATH_INFO", ""))
            response = error_response(ServerError("Internal server error; the server log has the traceback"))
        if reader is not None:
            _drain(reader)
        return self.send(method, response, start_response)

    def handle(self, environ: dict, method: str, reader: BodyReader) -> Response:
        segments = path_segments(environ)
        found = self.router.match(segments)
        if found is None:
            raise NotFound(f"No resource at /{'/'.join(segments)}")
        route, params = found
        allow = [("Allow", ", ".join(route.allowed()))]
        if method not in route.allowed():
            raise MethodNotAllowed(f"{method} is not allowed on {route.template}", headers=allow)
        if method == "OPTIONS" and "OPTIONS" not in route.views:
            return Response(204, headers=allow)
        req = Request(environ, params, self.settings, reader)
        found_view = route.view_for(method)
        if found_view is None or not found_view.public:
            with self.store.lock:
                req.actor = auth.authenticate(req, self.store)
        if found_view is None:
            raise NotImplementedRoute(f"{method} {route.template} is in the map, but the demo does not implement it")
        req.load_body()  # before taking the lock: a slow upload must not stall other requests
        with self.store.lock:
            return found_view.handler(req, self.store)

    @staticmethod
    def send(method: str, response: Response, start_response: Callable) -> list:
        headers = list(response.headers)
        bodiless = response.status in (204, 304)
        if not bodiless:  # HEAD keeps the length GET would send
            headers.append(("Content-Length", str(len(response.body))))
        start_response(response.status_line, headers)
        return [] if bodiless or method == "HEAD" else [response.body]


def _drain(reader: BodyReader) -> None:
    # An unread request body left on the socket makes the client see a reset, not our answer.
    try:
        reader.drain()
    except (OSError, ValueError):
        pass  # the client went away; nothing left to answer


@functools.lru_cache(maxsize=1)
def _router() -> Router:
    return Router(bundled_map(), VIEWS)


def make_app(*, max_avatar_bytes: int = DEFAULT_MAX_AVATAR_BYTES, token_ttl: float = 3600.0,
             max_tokens: int = DEFAULT_MAX_TOKENS) -> DemoApp:
    """A fresh demo API with empty in-memory data.

    ``max_avatar_bytes``: larger avatar uploads answer 400. ``token_ttl``:
    seconds an access token from ``POST /token`` stays valid. ``max_tokens``:
    how many access tokens, and how many refresh tokens, are kept; past it the
    oldest are forgotten (their holders must log in again).
    Raises ValueError for a limit or lifetime that is not positive.
    """
    if max_avatar_bytes <= 0 or token_ttl < 0 or max_tokens <= 0:
        raise ValueError("max_avatar_bytes and max_tokens must be positive and token_ttl not negative")
    return DemoApp(_router(), Settings(max_avatar_bytes, float(token_ttl), max_tokens=max_tokens), Store())
