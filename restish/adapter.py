"""requests' session step and HTTP adapter, with what they look up on every call looked up once.

``Session.send`` and ``HTTPAdapter.send`` redo, on every call, work whose
answer rarely changes: the urllib3 pool of the origin (a URL parse and a
pool-key build), the proxy choice (two more parses), the TLS settings of the
pool, a ``Timeout`` object, and the cookie parsing of answers that set no
cookie. Measured on a loopback GET, that was a third of requests' share.
:class:`PooledAdapter` overrides only the hooks requests documents for
subclasses, keeping its ``send`` (and so its error conversions) whole; where a
proxy applies, requests decides everything, every time. :func:`send_once` is
``Session.send`` without redirects, for a plain ``requests.Session``.
"""
from __future__ import annotations

import functools
import http.client
from datetime import timedelta
from typing import Any, Callable

import requests
import urllib3
from requests.adapters import TimeoutSauce
from requests.cookies import extract_cookies_to_jar
from requests.hooks import dispatch_hook
from requests.models import REDIRECT_STATI
from requests.sessions import preferred_clock
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from . import wire

__all__ = ["PooledAdapter", "send_once", "read_body", "is_redirect", "origin"]

_MAX_POOLS = 64  # origins x TLS settings remembered; past it, all are looked up afresh


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``, as written: all that proxies, no_proxy and netrc depend on."""
    end = url.find("/", url.find("//") + 2)
    return url if end < 0 else url[:end]


class PooledAdapter(wire.Adapter):
    """requests' ``HTTPAdapter`` (reading responses as :mod:`restish.wire` says), its per-call
    lookups remembered while they hold.

    - The pool of an origin and TLS settings is kept until it is closed (the
      adapter closes those it kept when it is closed), then looked up again.
    - Its TLS settings are applied once, when it is first used.
    - Without a proxy, the request line is the URL's path (what requests
      computes by parsing it twice).
    - A timeout becomes a urllib3 ``Timeout`` once per value.
    - An answer that sets no cookie is not handed to the cookie parser.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pools: dict[tuple, Any] = {}

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self._pools = {}

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        return super().send(request, stream, _timeout(timeout), verify, cert, proxies)

    def get_connection_with_tls_context(self, request: requests.PreparedRequest, verify: Any,
                                        proxies: Any = None, cert: Any = None) -> Any:
        if proxies:  # which proxy applies depends on the URL and no_proxy: requests decides
            return super().get_connection_with_tls_context(request, verify, proxies, cert)
        key = (origin(request.url or ""), verify, cert)
        pool = self._pools.get(key)
        if pool is None or pool.pool is None:  # urllib3 sets .pool to None when it closes one
            pool = super().get_connection_with_tls_context(request, verify, proxies, cert)
            if len(self._pools) >= _MAX_POOLS:
                self._pools.clear()
            self._pools[key] = pool
        return pool

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # requests sets the same TLS attributes on the pool at every call (and looks
        # for the CA bundle on disk); the pool's key already holds those settings.
        if getattr(conn, "_restish_tls", None) != (url[:5].lower(), verify, cert):
            super().cert_verify(conn, url, verify, cert)
            conn._restish_tls = (url[:5].lower(), verify, cert)

    def request_url(self, request: requests.PreparedRequest, proxies: Any) -> str:
        if proxies:
            return super().request_url(request, proxies)
        return request.path_url  # what requests returns when no proxy applies

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        if sets_cookies(resp):
            return super().build_response(req, resp)
        # requests' build_response, less the cookie extraction that would find nothing.
        response = requests.Response()
        response.status_code = getattr(resp, "status", None)  # type: ignore[assignment]
        response.headers = _headers_of(resp)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url.decode("utf-8") if isinstance(req.url, bytes) else req.url  # type: ignore[assignment]
        response.request = req
        response.connection = self  # type: ignore[attr-defined]
        return response

    def close(self) -> None:
        pools, self._pools = self._pools, {}
        for pool in pools.values():
            pool.close()  # one the pool manager dropped (it closes none) is still held here
        super().close()


def _headers_of(resp: Any) -> CaseInsensitiveDict:
    """``CaseInsensitiveDict(resp.headers)``, as requests makes it: a repeated header's values
    joined by ", ". From urllib3's own store when it has one: copying through the Mapping
    ABCs costs a look-up, a lower() and a join per header, and more than the socket's read."""
    headers = getattr(resp, "headers", {})
    container = getattr(headers, "_container", None)
    if type(headers) is not urllib3.HTTPHeaderDict or type(container) is not dict:
        return CaseInsensitiveDict(headers)
    made: CaseInsensitiveDict = CaseInsensitiveDict.__new__(CaseInsensitiveDict)
    made._store = {lower: (values[0], ", ".join(values[1:]))  # type: ignore[attr-defined]
                   for lower, values in container.items()}
    return made


class _Timeout(TimeoutSauce):
    """urllib3's ``Timeout``, whose ``clone()`` (urllib3 clones the one it is given twice per
    request, so that each has its own clock) copies the values without validating them again:
    they were when this one was made. The clones are of this class too."""

    def clone(self) -> "_Timeout":
        copied = _Timeout.__new__(_Timeout)
        copied._connect, copied._read, copied.total = self._connect, self._read, self.total
        copied._start_connect = None  # a clone's clock has not started
        return copied


@functools.lru_cache(maxsize=64)
def _timeout_of(timeout: Any) -> Any:
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    return _Timeout(connect=connect, read=read)


def _timeout(timeout: Any) -> Any:
    """A urllib3 ``Timeout`` for a number or a (connect, read) pair, made once per value.

    urllib3 clones the one it is given, so a shared one is never changed.
    Anything else (None, a Timeout, a bad tuple) goes to requests as it came.
    """
    if isinstance(timeout, (int, float)) or (isinstance(timeout, tuple) and len(timeout) == 2):
        try:
            return _timeout_of(timeout)
        except (TypeError, ValueError):  # unhashable or invalid: requests says what is wrong
            return timeout
    return timeout


_COOKIE_FIELDS = ("set-cookie", "set-cookie2")  # what requests' cookie extraction reads


def sets_cookies(raw: Any) -> bool:
    """Does this urllib3 answer set a cookie? False only when its headers say none.

    requests reads cookies from the ``http.client`` message behind the answer
    (``_original_response.msg``); without one it reads nothing, as here.
    """
    message = getattr(getattr(raw, "_original_response", None), "msg", None)
    if message is None:
        return False
    if type(message) is http.client.HTTPMessage:  # one pass over its fields, not a list built per name
        return any(name.lower() in _COOKIE_FIELDS for name, _ in message._headers)  # type: ignore[attr-defined]
    try:
        return "set-cookie" in message or "set-cookie2" in message  # HTTPMessage ignores case
    except TypeError:
        return True  # not a message we know: let requests look


def send_once(session: requests.Session, request: requests.PreparedRequest, kwargs: dict,
              judge: Callable[..., Any] | None = None) -> requests.Response:
    """``session.send(request, allow_redirects=False, **kwargs)``; ``kwargs`` give every setting.

    ``judge``, for a plain Session only, is called with the answer after its
    response hooks, as a last hook would be (not added to the hooks: cheaper).

    For a plain ``requests.Session`` it is done here, step for step, less the
    two costs of an answer that is neither a redirect nor sets a cookie: the
    redirect resolver (which parses the URL before looking) and the cookie
    parser. A Session subclass may have changed any step: its ``send`` runs.
    """
    if type(session) is not requests.Session:
        if judge is not None:
            raise TypeError("send_once(judge=...) is for a plain requests.Session only")
        return session.send(request, allow_redirects=False, **kwargs)
    adapter = session.get_adapter(url=request.url or "")
    start = preferred_clock()
    response = adapter.send(request, **kwargs)
    response.elapsed = timedelta(seconds=preferred_clock() - start)
    if request.hooks and request.hooks.get("response"):  # most calls have none: dispatch_hook would return it as it is
        response = dispatch_hook("response", request.hooks, response, **kwargs)
    redirect = is_redirect(response)
    if judge is not None and redirect:  # it judges redirects only
        judge(response, **kwargs)
    for earlier in response.history:  # a hook (digest auth) may have sent again
        extract_cookies_to_jar(session.cookies, earlier.request, earlier.raw)
    if sets_cookies(response.raw):
        extract_cookies_to_jar(session.cookies, request, response.raw)
    if redirect:
        response._next = next(session.resolve_redirects(  # type: ignore[attr-defined]
            response, request, yield_requests=True, **kwargs), None)
    if not kwargs.get("stream"):
        read_body(response)  # now, as requests does, so the connection goes back
    return response


def is_redirect(response: requests.Response) -> bool:
    """``response.is_redirect``, the status looked at first: its header test
    (``"location" in headers``) raises and catches a KeyError when there is none."""
    return response.status_code in REDIRECT_STATI and response.is_redirect


def read_body(response: requests.Response) -> bytes:
    """``response.content``, read from urllib3 in one ``read()``.

    requests reads it in 10 KiB pieces through urllib3's ``stream()``, whose
    buffering costs a small answer more than its socket does. The errors are
    requests' own, as its ``Response.iter_content`` converts them.
    """
    raw = response.raw
    if response._content is not False or type(raw) is not urllib3.HTTPResponse:  # type: ignore[attr-defined]
        return response.content  # read already, or not urllib3's: requests knows best
    try:
        content = raw.read(decode_content=True)
    except urllib3.exceptions.ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ConnectionError(exc) from exc
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from exc
    response._content = content or b""  # type: ignore[attr-defined]  # where requests keeps what it read
    response._content_consumed = True  # type: ignore[attr-defined]
    return response._content  # type: ignore[attr-defined]
