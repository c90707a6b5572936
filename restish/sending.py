"""Sender: one base URL's settings and send chain (session and pool, headers, auth, timeouts).

A call passes each step once: :func:`restish.build.prepare` builds it,
:meth:`Sender._send_handling_auth` renews a token after a 401,
:meth:`Sender._exchange` logs what :func:`restish.transport.send` sends
(retries, redirects), and :func:`restish.build.result` turns the answer into a
value or a typed error. The Client is a Sender that also knows a map.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import get_auth_from_url

from . import arguments, build, login, logs, transport
from .auth import Basic
from .call import Call, check_timeout
from .errors import InvalidValue, TransportError
from .redact import redact_text, redact_url
from .version import __version__

__all__ = ["Sender", "DEFAULT_TIMEOUT", "USER_AGENT"]

DEFAULT_TIMEOUT = (5, 30)
USER_AGENT = f"restish/{__version__} python-requests/{requests.__version__}"


_NO_NAME = object()


class ClientHeaders(CaseInsensitiveDict):
    """``api.headers``: the headers sent with every call. It shadows a ``/headers`` path, so
    ``api.headers.get()`` with no name says how to reach that path instead of a bare TypeError."""

    def get(self, key: Any = _NO_NAME, default: Any = None) -> Any:
        if key is _NO_NAME:
            raise TypeError("api.headers is the client's headers, a mapping: get() takes a header name; "
                            "to call GET /headers, use api['headers'].get()")
        return super().get(key, default)


class Sender:
    """Settings and the send chain of one base URL; see :class:`restish.Client` for the arguments."""

    def __init__(
        self,
        url: str,
        auth: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: Any = DEFAULT_TIMEOUT,
        retries: Any = 3,
        verify: Any = None,
        app: Any = None,
        session: requests.Session | None = None,
        expand: bool | None = None,
        on_token: Callable[[str], Any] | None = None,
    ) -> None:
        # Every argument is checked before anything is built or mounted on a session.
        self.url, url_auth = _base_url(url)
        arguments.check_auth(auth)
        arguments.check_headers_argument(headers)
        self.timeout = check_timeout(timeout)
        # None: not given, so a session= keeps its own verify (a new session verifies).
        self.verify = arguments.check_verify(verify)
        arguments.check_callable(app, "app")
        arguments.check_session(session)
        arguments.check_expand(expand)
        arguments.check_callable(on_token, "on_token")
        # As requests does: user:password in the base URL is Basic auth unless auth= is given.
        self.auth = auth if auth is not None else url_auth
        self.on_token = on_token  # told of every new token (login, renewal)
        self._grant: login.TokenGrant | None = None  # set by login(): how to renew
        self.headers = ClientHeaders({"User-Agent": USER_AGENT, **(headers or {})})
        self.retries = retries
        self.expand = expand
        self.session = session if session is not None else requests.Session()
        # A shared session's restish adapters are kept when they retry alike; another
        # policy is refused (InvalidValue): see transport.mount_adapters.
        for replaced in transport.mount_adapters(self.session, retries):
            replaced.close()
        # Grown, under the lock, by concurrently() and by threads sharing the client (see _exchange).
        self._pool_size = transport.POOL_SIZE
        self._pool_lock = threading.Lock()
        self._in_flight = 0  # requests being sent now, by all threads
        if app is not None:
            from .wsgi import WSGIAdapter  # only in-process clients pay for it
            self.session.mount(f"{transport.origin(self.url)}/", WSGIAdapter(app))
        self._environment = transport.EnvironmentCache()
        self._sendable_headers: set = set()  # (name, value) pairs requests' header check passed (build)
        self._header_base: tuple | None = None  # the session's and this client's headers merged (build)
        self._local = threading.local()

    @property
    def last_response(self) -> requests.Response | None:
        """The ``requests.Response`` of the last call made by this thread.

        None before this thread's first call, and after a call whose sending
        started but got no response: a ``TransportError``, or the
        ``InvalidValue`` of a header that cannot be encoded, which is found only
        as the request goes out. A call refused while it is built, before
        sending starts (``InvalidValue``, ``MethodNotAllowed``), leaves it as it was.
        """
        return getattr(self._local, "response", None)

    def close(self) -> None:
        """Close the pooled connections, every one (see :func:`restish.transport.close_session`)."""
        transport.close_session(self.session)

    def __enter__(self) -> "Sender":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _ensure_pool(self, size: int) -> None:
        """Keep at least ``size`` connections per host, so that no worker waits for one."""
        with self._pool_lock:
            if size <= self._pool_size:
                return
            # An adapter the user mounted on their session is kept, pool and all (see mount_adapters).
            replaced = transport.mount_adapters(self.session, self.retries, size)
            self._pool_size = size
        for adapter in replaced:
            transport.close_pools(adapter)  # idle sockets now; busy ones close when given back

    # -- the send chain ----------------------------------------------------

    def _call(self, resource: Any, method: str, kwargs: dict, url: str | None = None) -> Any:
        call = self._prepare_call(resource, method, kwargs, url)
        try:
            response = self._send_handling_auth(call)
            return build.result(call, response)
        finally:
            call.close()

    def _prepare_call(self, resource: Any, method: str, kwargs: dict, url: str | None = None) -> Call:
        """The call to send (see :func:`restish.build.prepare`)."""
        return build.prepare(self, resource, method, kwargs, url)

    def _send_handling_auth(self, call: Call) -> requests.Response:
        """Send; after a 401 that a new token can cure, renew once and send once more.
        A token known to expire soon (a JWT's ``exp``) is renewed before sending."""
        login.renew_if_due(self, call.prepared)
        response = self._send(call)
        if response.status_code == 401 and login.renew(self, call.prepared, response):
            response.close()
            response = self._send(call)
        return response

    def _send(self, call: Call) -> requests.Response:
        stream = call.stream_to is not None
        try:
            response = self._exchange(call.prepared, call.settings, call.timeout, stream)
        except BaseException:
            self._local.response = None  # this call got no response; don't show the previous one's
            raise
        self._local.response = response
        return response

    def _exchange(self, prepared: requests.PreparedRequest, settings: dict, timeout: Any,
                  stream: bool = False) -> requests.Response:
        """One logged round trip, redirects followed: every request restish sends goes here.

        The pool grows (doubling) when more threads send at once than it keeps
        connections for: urllib3 would otherwise open a socket for each extra
        thread, warn "Connection pool is full" and throw it away after one call.
        """
        with self._pool_lock:
            self._in_flight += 1
            busy = self._in_flight
        if busy > self._pool_size:
            self._ensure_pool(max(busy, 2 * self._pool_size))
        started = time.perf_counter()
        try:
            response = transport.send(self.session, prepared, settings, timeout, stream)
        except TransportError as exc:
            logs.failed(exc, started)
            raise
        finally:
            with self._pool_lock:
                self._in_flight -= 1
        logs.answered(prepared, response, started, stream)
        return response

    def _side_request(self, method: str, url: str, form: Mapping[str, str] | None = None, *,
                      json: Any = None, bearer: str | None = None) -> requests.Response:
        """A request outside the map and without the client's auth (login's token and /info
        calls): a ``form`` or a ``json`` body; ``bearer`` a token to send (@login-renew)."""
        headers = {k: v for k, v in self.headers.items() if v is not None}
        headers["Accept"] = "application/json"
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        # The session's response hooks run, as for every call. Its query parameters are
        # not added: the token endpoint may be another host, and they may hold an API key.
        prepared = requests.Request(method, url, data=form, json=json, headers=headers,
                                    hooks=self.session.hooks).prepare()
        settings, _ = self._environment.settings(self.session, url, self.verify)
        jar = self.session.cookies
        before = {(c.domain, c.path, c.name) for c in jar}
        try:
            return self._exchange(prepared, settings, self.timeout)
        finally:
            # Cookies a login endpoint sets stay out of the session: the token is the
            # credential, and Zope's __ac cookie (set by plone.restapi's @login) holds the
            # password, which --session would then write to disk.
            for cookie in [c for c in jar if (c.domain, c.path, c.name) not in before]:
                jar.clear(cookie.domain, cookie.path, cookie.name)


def _base_url(url: Any) -> tuple[str, Any]:
    """``(base URL without user info or trailing slash, Basic auth from the user info or None)``.

    Raises InvalidValue, with secrets masked, for a URL that is not http(s),
    does not parse, or has a query or fragment (paths are appended to it).
    """
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        shown = redact_url(url) if isinstance(url, str) else url
        raise InvalidValue(f"base URL must start with http:// or https://, not {shown!r}")
    if "?" in url or "#" in url:
        shown = redact_url(url.split("#", 1)[0].split("?", 1)[0])  # a fragment may hold a token too
        raise InvalidValue(f"base URL {shown!r} has a query or fragment; paths are appended "
                           f"to the base URL, so give it without and pass query parameters with qs=")
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url, None)
    except requests.RequestException as exc:
        raise InvalidValue(f"invalid base URL {redact_url(url)!r}: {redact_text(str(exc))}") from None
    base: str = prepared.url.rstrip("/")  # type: ignore[union-attr]
    parts = urlsplit(base)
    if "@" not in parts.netloc:
        return base, None
    # requests would send user:password as Basic auth; do the same, and keep it out of .url.
    user, password = get_auth_from_url(base)
    base = urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return base, Basic(user, password) if user or password else None
