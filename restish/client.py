"""Client: settings, the session, and the send chain.

A call passes each step once: the proxy names the path, :meth:`Client._prepare_call`
builds the request (payloads), :meth:`Client._send_handling_auth` renews a token
after a 401, :meth:`Client._exchange` logs what :func:`transport.send` sends
(retries, redirects), and :meth:`Client._result` turns the response into a
value or a typed error.
"""
from __future__ import annotations

import functools
import json
import threading
import time
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Callable, Iterable, Iterator, Mapping
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import requests
from requests.hooks import default_hooks
from requests.structures import CaseInsensitiveDict
from requests.utils import get_auth_from_url

from . import __version__, logs, paging, payloads, transport
from . import auth as _auth
from .errors import (DecodeError, InvalidValue, MapError, MethodNotAllowed, TransportError,
                     UnknownItem, error_for_response)
from .headers import check_headers, first_header_problem
from .redact import redact_text, redact_url
from .resources import NotAContainer, Resource, ResourceCollection
from .routes import RouteMap, bundled_path, load_map

__all__ = ["Client", "BUNDLED"]


class _Bundled:
    """The type of :data:`BUNDLED`; there is only one, checked with ``is``."""

    def __repr__(self) -> str:
        return "BUNDLED"

    def __reduce__(self) -> str:
        # By reference: pickle stores "restish.client.BUNDLED", and copy/deepcopy
        # return this very object, so the ``is BUNDLED`` checks hold in the copy.
        return "BUNDLED"


#: Default for ``resources`` / ``defaults``: the maps installed with restish.
BUNDLED: Any = _Bundled()
DEFAULT_TIMEOUT = (5, 30)
# Public proxy attributes and verbs that a Client, lacking its own, takes from its root proxy.
_ROOT_ATTRIBUTES = frozenset(name for name in vars(Resource) if not name.startswith("_"))
RESERVED = frozenset({"data", "qs", "headers", "timeout", "expand", "stream_to", "progress"})
UPLOAD_PREFIX = "upload_file"
USER_AGENT = f"restish/{__version__} python-requests/{requests.__version__}"


@functools.lru_cache(maxsize=1)
def bundled_map() -> RouteMap:
    """The bundled MAX map, compiled once per process (it is immutable)."""
    return load_map(bundled_path("resources.yaml"), bundled_path("defaults.yaml"))


def check_timeout(timeout: Any, where: str = "") -> float | tuple:
    """A number or (connect, read) of positive seconds; never unbounded.

    Raises InvalidValue, its message led by ``where`` (``"GET /path: "``).
    """
    values = timeout if isinstance(timeout, tuple) and len(timeout) == 2 else (timeout,)
    if all(isinstance(v, Real) and not isinstance(v, bool) and v > 0 for v in values):
        return timeout
    raise InvalidValue(f"{where}timeout must be a positive number or (connect, read) of positive numbers, "
                       f"not {timeout!r}: restish never waits without bound")


@dataclass
class Call:
    """One call being made: the prepared request and its per-call options."""

    method: str
    resource: Resource
    prepared: requests.PreparedRequest
    timeout: Any
    stream_to: Any = None
    progress: Callable[[int, int | None], Any] | None = None
    cleanups: list = field(default_factory=list)  # run when the call ends, whatever happens
    settings: dict = field(default_factory=dict)   # proxies, verify, cert for this origin

    def close(self) -> None:
        """Run the cleanups (close the files restish opened for an upload)."""
        for cleanup in self.cleanups:
            cleanup()


class RpcMethod:
    """``api.getUser(username=...)``: a route and verb named in the map's ``names:``."""

    __slots__ = ("_client", "name", "route", "method")

    def __init__(self, client: "Client", name: str, route: Any, method: str) -> None:
        self._client, self.name, self.route, self.method = client, name, route, method

    def __call__(self, /, **kwargs: Any) -> Any:
        """Route variables are taken from kwargs by name; the rest is payload or query.

        ``self`` is positional-only, so a route variable may be called ``self``.
        """
        return self._client._call_rpc(self.route, self.method, kwargs)

    def iterate(self, /, **kwargs: Any) -> Iterator[Any]:
        """The items of every page of a GET listing, as ``.iterate()`` on its proxy gives them.

        Raises InvalidValue when the name is not a GET.
        """
        if self.method != "GET":
            raise InvalidValue(f"{self.method} {self.route.template}: {self.name}.iterate() pages GET "
                               f"listings, and {self.name} is a {self.method}")
        return self._client._rpc_resource(self.route, self.method, kwargs).iterate(**kwargs)

    @property
    def __doc__(self) -> str:  # type: ignore[override]  # help() shows the map's doc
        route = self.route
        doc = route.docs.get(self.method) if route.docs else route.doc  # the doc of this verb
        return f"{self.method} {route.template}\n\n{doc or ''}".strip()

    def __repr__(self) -> str:
        return f"<rpc {self.name}: {self.method} {self.route.template}>"


class Client(NotAContainer):
    """One client object that navigates a REST API by attribute and item access.

    >>> api = Client("http://localhost:8081")                 # doctest: +SKIP
    >>> api.people['alice'].activities.get(qs={'limit': 10})  # doctest: +SKIP

    A ``session=`` you bring behaves as in requests: its headers, cookies, auth,
    ``params`` (under each call's own query) and ``hooks['response']`` apply to
    every call. restish mounts its retrying adapters only where the session still
    has requests' default ``HTTPAdapter`` for ``http://`` / ``https://``; an
    adapter you mounted there is kept, with its own pool and retries, and
    ``retries=`` does not apply to it. The retry policy belongs to the session:
    Clients sharing one must give the same ``retries=`` (InvalidValue otherwise).
    """

    def __init__(
        self,
        url: str,
        resources: Any = BUNDLED,
        defaults: Any = BUNDLED,
        auth: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: Any = DEFAULT_TIMEOUT,
        retries: Any = 3,
        verify: Any = True,
        app: Any = None,
        session: requests.Session | None = None,
        expand: bool = True,
        on_token: Callable[[str], Any] | None = None,
    ) -> None:
        self._settings = dict(url=url, resources=resources, defaults=defaults, auth=auth,
                              headers=headers, timeout=timeout, retries=retries, verify=verify,
                              app=app, session=session, expand=expand, on_token=on_token)
        self.url, url_auth = _base_url(url)
        self._map = _choose_map(resources, defaults)
        # As requests does: user:password in the base URL is Basic auth unless auth= is given.
        self.auth = auth if auth is not None else url_auth
        self.on_token = on_token  # told of every new token (login, renewal)
        self._grant: _auth.TokenGrant | None = None  # set by login(): how to renew
        if headers:
            check_headers(headers, "Client(headers=...)")  # once here, not at every call
        self.headers = CaseInsensitiveDict({"User-Agent": USER_AGENT, **(headers or {})})
        self.timeout = check_timeout(timeout)
        self.retries = retries
        self.verify = verify
        self.expand = expand
        self.session = session if session is not None else requests.Session()
        # A shared session's restish adapters are kept when they retry alike; another
        # policy is refused (InvalidValue): see transport.mount_adapters.
        for replaced in transport.mount_adapters(self.session, retries):
            replaced.close()
        self._pool_size = transport.POOL_SIZE  # concurrently() grows it, under the lock
        self._pool_lock = threading.Lock()
        if app is not None:
            from .wsgi import WSGIAdapter  # only in-process clients pay for it
            self.session.mount(f"{transport.origin(self.url)}/", WSGIAdapter(app))
        self._environment = transport.EnvironmentCache()
        self._local = threading.local()
        self._root = ResourceCollection(self, self._map.root, "")
        self._check_rpc_names()  # last: instance attributes (url, session...) are set by now

    @classmethod
    def from_openapi(cls, spec: Any, url: str | None = None, **kw: Any) -> "Client":
        """A client whose map comes from an OpenAPI 3.x / Swagger 2.0 document (path, URL or dict).

        Without ``url`` the base URL comes from the document. Raises MapError.
        """
        from . import openapi  # only clients built from OpenAPI pay for it
        return openapi.client_from_openapi(cls, spec, url, **kw)

    # -- navigation ------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        rpc = self._map.rpc.get(name)
        if rpc is not None:
            return RpcMethod(self, name, *rpc)
        if name in _ROOT_ATTRIBUTES:
            # The root proxy's verbs and attributes (api.get() is GET /, api.path is "/"),
            # as on any proxy they shadow a child of the same name: api['get'] reaches /get.
            return getattr(self._root, name)
        return self._root.__getattr__(name)  # straight to the child: the usual case stays cheap

    def __getitem__(self, value: Any) -> Resource:
        return self._root[value]

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._map.rpc) | set(dir(self._root)))

    def _ipython_key_completions_(self) -> list[str]:
        return self._root._ipython_key_completions_()

    # Like a proxy, a client names a place, not a container: NotAContainer refuses iter() and 'in'.
    _verbs_on = "api.<collection>"

    def _what(self) -> str:
        return "a restish Client"

    def __repr__(self) -> str:
        mode = "permissive" if self._map.permissive else f"{len(self._map.routes)} routes"
        return f"<restish.Client {redact_url(self.url)} ({mode})>"

    def __reduce__(self):
        return (_restore_client, (self._settings,))

    def _check_rpc_names(self) -> None:
        """MapError for an RPC name that a Client attribute (method or instance attribute) hides,
        or that would hide the root proxy's verbs and attributes (api.get, api.iterate, api.path...).

        Refused whether or not the map has a root route: an RPC named ``get`` would make
        ``api.get()`` call another route than every other proxy's ``get()`` does.
        """
        for name, (route, _) in self._map.rpc.items():
            if hasattr(type(self), name) or name in self.__dict__:
                raise MapError(f"route {route.template}: RPC name {name!r} is taken by Client.{name}",
                               self._map.source)
            if name in _ROOT_ATTRIBUTES:
                raise MapError(f"route {route.template}: RPC name {name!r} is taken by the root proxy's "
                               f"api.{name}, as on every proxy; choose another name", self._map.source)

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

    @property
    def routes(self) -> RouteMap:
        """The compiled endpoint map."""
        return self._map

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def concurrently(self, calls: Iterable[Callable[[], Any]], workers: int = 8) -> list:
        """Run zero-argument callables on ``workers`` threads over the pooled connections.

        Returns their results in order, a failed call's exception object in its
        place; ``last_response`` stays per thread. Raises InvalidValue for a bad
        ``workers``. See :func:`restish.paging.concurrently`.
        """
        return paging.concurrently(self, calls, workers)

    def _ensure_pool(self, size: int) -> None:
        """Keep at least ``size`` connections per host, so that no worker waits for one."""
        with self._pool_lock:
            if size <= self._pool_size:
                return
            # An adapter the user mounted on their session is kept, pool and all (see mount_adapters).
            replaced = transport.mount_adapters(self.session, self.retries, size)
            self._pool_size = size
        for adapter in replaced:
            adapter.close()  # idle sockets now; busy ones close when given back

    # -- calls -----------------------------------------------------------

    def _call(self, resource: Resource, method: str, kwargs: dict, url: str | None = None) -> Any:
        call = self._prepare_call(resource, method, kwargs, url)
        try:
            response = self._send_handling_auth(call)
            return self._result(call, response)
        finally:
            call.close()

    def _call_rpc(self, route, method: str, kwargs: dict) -> Any:
        return self._call(self._rpc_resource(route, method, kwargs), method, kwargs)

    def _rpc_resource(self, route, method: str, kwargs: dict) -> Resource:
        """The proxy of ``route`` with its variables popped from ``kwargs`` (the rest is the payload)."""
        resource = self._root
        where = f"{method} {route.template}"
        for segment in route.template.strip("/").split("/") if route.template != "/" else ():
            if segment.startswith("{"):
                name = segment[1:-1]
                if name not in kwargs:
                    raise InvalidValue(f"{where}: {route.names[method]}() is missing route variable {name!r}")
                try:
                    resource = resource._variable(str(kwargs.pop(name)))
                except InvalidValue as exc:
                    raise InvalidValue(f"{where}: {exc}") from exc
            else:
                resource = resource._fixed(segment, UnknownItem)
        return resource

    def _prepare_call(self, resource: Resource, method: str, kwargs: dict,
                      url: str | None = None) -> Call:
        """The call to send; ``url``, an exact URL (a next-page link), replaces the resource's.

        Raises MethodNotAllowed, or InvalidValue whose message starts with "VERB path".
        Each check names the call where it raises: those that know it (payloads'
        bodies, uploads, auth) say it themselves; for those that don't (timeout,
        query values, keyword expansion, headers) the caller here adds it.
        """
        self._check_method(resource, method)
        options = {k: kwargs.pop(k) for k in RESERVED.intersection(kwargs)}
        files = {k: kwargs.pop(k) for k in [k for k in kwargs if k.startswith(UPLOAD_PREFIX)]}
        encoded = self._query(resource, method, kwargs, options.get("qs"), url)
        body, content_type, payload = self._body(resource, method, kwargs, options, bool(files))
        timeout = self.timeout
        if "timeout" in options:
            timeout = check_timeout(options["timeout"], f"{method} {resource.path}: ")
        url = url or resource.url
        if encoded:
            url = f"{url}{'&' if '?' in url else '?'}{encoded}"
        call = Call(method, resource, requests.PreparedRequest(), timeout,
                    options.get("stream_to"), options.get("progress"))
        if files or call.stream_to is not None or call.progress is not None:
            from . import uploads  # only calls that move files pay for importing toolbelt
            uploads.check_options(call)
            if files:
                body, content_type = uploads.multipart(call, files, payload)
        try:
            call.settings = self._fill(call.prepared, resource, method, url, body, content_type,
                                       options.get("headers"))
        except BaseException:
            call.close()  # the upload's files were opened already
            raise
        return call

    def _query(self, resource: Resource, method: str, kwargs: dict, qs: Any, url: str | None) -> str:
        """The call's encoded query: a query verb's kwargs, then ``qs=``, under the session's params."""
        query = dict(kwargs) if method in payloads.QUERY_VERBS else {}
        if qs:
            if not isinstance(qs, Mapping):
                raise InvalidValue(f"{method} {resource.path}: qs= must be a dict, not {type(qs).__name__}")
            query.update(qs)
        if self.session.params:  # as requests does: the session's, then the call's on top
            query = _with_session_params(self.session.params, query, url)
        if not query:
            return ""
        try:
            return payloads.encode_query(query)
        except InvalidValue as exc:
            raise _naming(exc, method, resource) from exc

    def _check_method(self, resource: Resource, method: str) -> None:
        if method not in resource.methods:
            raise MethodNotAllowed(method, resource.path, resource.methods)

    def _body(self, resource: Resource, method: str, kwargs: dict, options: dict,
              multipart: bool = False) -> tuple:
        """``(body bytes or None, content type, payload dict)`` for the call.

        With ``multipart`` (files to upload) the body is left to uploads.multipart,
        which sends the payload as its ``json_data`` field.
        """
        if "data" in options:
            if multipart:
                raise InvalidValue(f"{method} {resource.path}: data= sends exactly that body, "
                                   f"so it cannot go with upload_file")
            return (*payloads.raw_body(options["data"], method, resource.path), None)
        if method in payloads.QUERY_VERBS:
            return None, None, None
        defaults = self._defaults_for(resource, method)
        try:
            given = payloads.expand(kwargs, defaults) if options.get("expand", self.expand) else kwargs
        except InvalidValue as exc:
            raise _naming(exc, method, resource) from exc
        payload = payloads.deep_merge(defaults, given) if defaults else dict(given)
        if not payload or multipart:
            return None, None, payload
        return payloads.json_body(payload, method, resource.path), payloads.JSON_TYPE, payload

    def _defaults_for(self, resource: Resource, method: str) -> Mapping[str, Any] | None:
        if self._map.permissive:
            return self._map.raw_defaults.get(resource.path, {}).get(method)
        route = resource._route
        return route.defaults.get(method) if route else None

    def _fill(self, prepared: requests.PreparedRequest, resource: Resource, method: str, url: str,
              body: Any, content_type: str | None, headers: Mapping[str, str] | None) -> dict:
        """Fill ``prepared`` directly (URL and body are already encoded); return send settings."""
        session = self.session
        merged = dict(session.headers)
        merged.update(self.headers)
        if content_type:
            merged["Content-Type"] = content_type
        if headers:
            merged.update(headers)
        prepared.method = method
        prepared.url = url
        if headers:
            # Before requests' check, whose message would hold the value.
            check_headers(headers, f"{method} {resource.path}")
        try:
            prepared.prepare_headers({k: v for k, v in merged.items() if v is not None})
        except requests.exceptions.InvalidHeader:
            # A session header. from None: requests' message, and so its traceback, holds the value.
            problem = first_header_problem(merged) or "a session header cannot be sent"
            raise InvalidValue(f"{method} {resource.path}: {problem}") from None
        prepared.hooks = default_hooks()
        # An upload's tell(): requests rewinds to it for a 307/308 (None: nothing to rewind).
        prepared._body_position = body.tell() if hasattr(body, "tell") else None  # type: ignore[attr-defined]
        if session.cookies:
            prepared.prepare_cookies(session.cookies)
        else:
            prepared._cookies = requests.cookies.RequestsCookieJar()  # type: ignore[attr-defined]
        prepared.body = body
        prepared.prepare_content_length(body)
        if hasattr(body, "read") and "Content-Length" not in prepared.headers:
            # A stream of unknown size (an upload from a pipe); saying so lets requests
            # refuse to resend it on a 307/308 instead of sending it empty.
            prepared.headers["Transfer-Encoding"] = "chunked"
        settings, netrc = self._environment.settings(session, url, self.verify)
        auth = self.auth or session.auth or netrc
        if auth:
            _auth.sign(prepared, auth, url)
        if session.hooks.get("response"):
            # After auth's, as requests orders them: a session hook sees the answer
            # after a digest challenge, not the 401.
            prepared.register_hook("response", session.hooks["response"])
        return settings

    def _send_handling_auth(self, call: Call) -> requests.Response:
        """Send; after a 401 that a new token can cure, renew once and send once more."""
        response = self._send(call)
        if response.status_code == 401 and _auth.renew(self, call.prepared, response):
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
        """One logged round trip, redirects followed: every request restish sends goes here."""
        started = time.perf_counter()
        try:
            response = transport.send(self.session, prepared, settings, timeout, stream)
        except TransportError as exc:
            logs.failed(exc, started)
            raise
        logs.answered(prepared, response, started, stream)
        return response

    def _side_request(self, method: str, url: str, form: Mapping[str, str] | None = None) -> requests.Response:
        """A request outside the map and without auth (login's token and /info calls)."""
        headers = {k: v for k, v in self.headers.items() if v is not None}
        headers["Accept"] = "application/json"
        # The session's response hooks run, as for every call. Its query parameters are
        # not added: the token endpoint may be another host, and they may hold an API key.
        prepared = requests.Request(method, url, data=form, headers=headers, hooks=self.session.hooks).prepare()
        settings, _ = self._environment.settings(self.session, url, self.verify)
        return self._exchange(prepared, settings, self.timeout)

    def login(self, username: str | None = None, password: str | None = None,
              token_url: str | None = None) -> str:
        """OAuth2 password grant: install the token on this client and return it.

        A missing username or password is asked for on a terminal. Without
        ``token_url``, ``GET /info`` names the OAuth server (``max.oauth_server``).
        The token goes in the client's kind of auth (``MaxOAuth`` headers unless
        it holds a ``Bearer``); a later 401 renews it once. Raises ``LoginError``.
        """
        return _auth.login(self, username, password, token_url)

    def _result(self, call: Call, response: requests.Response) -> Any:
        if response.status_code >= 400:
            raise error_for_response(response, call.method)
        if call.stream_to is not None:
            from . import uploads
            return uploads.download(call, response)
        if call.method == "HEAD":
            return response.headers
        return decode(response, call.method)


def decode(response: requests.Response, method: str = "GET") -> Any:
    """A JSON body decoded; an empty body None; ``text/*`` a str; else bytes."""
    content = response.content
    if not content:
        return None
    mime = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if mime == "application/json" or mime.endswith("+json"):
        try:
            return json.loads(content)
        except ValueError as exc:
            raise DecodeError(f"{method} {redact_url(response.url)}: body is not valid JSON although "
                              f"Content-Type says {mime}: {exc}") from exc
    if mime.startswith("text/"):
        return response.text
    return content


def _naming(exc: InvalidValue, method: str, resource: Resource) -> InvalidValue:
    """``exc`` from a check that does not know the call, its message led by the call."""
    return InvalidValue(f"{method} {resource.path}: {exc}")


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
    return base, _auth.Basic(user, password) if user or password else None


def _with_session_params(params: Any, query: dict, url: str | None) -> dict:
    """The session's query parameters under the call's own (which win, None removing one).

    A session's params that are not a mapping are ignored, as requests ignores them.
    An exact URL (a next-page link) keeps the parameters it carries: the server
    built it from a request that had the session's already.
    """
    if not isinstance(params, Mapping):
        return query
    if url is not None and "?" in url:
        present = {name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
        params = {k: v for k, v in params.items() if k not in present}
    return {**params, **query}


def _choose_map(resources: Any, defaults: Any) -> RouteMap:
    if isinstance(resources, RouteMap):
        return resources
    if resources is BUNDLED and defaults is BUNDLED:
        return bundled_map()
    if resources is BUNDLED:
        resources = bundled_path("resources.yaml")
    return load_map(resources, None if defaults is BUNDLED else defaults)


def _restore_client(settings: dict) -> Client:
    return Client(**settings)
