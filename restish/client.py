"""Client: the façade that composes the layers: a Sender that knows an endpoint map.

A proxy names a path (:mod:`restish.resources`); the Client's send chain
(:mod:`restish.sending`) builds the call (:mod:`restish.build`), sends it and
turns the answer into a value. What the Client adds here is the map, the root
proxy, RPC-style names, login, ``concurrently()`` and ``from_openapi()``.
"""
from __future__ import annotations

import copy
import functools
import pickle
import inspect
import sys
import warnings
import weakref
from typing import Any, Callable, Iterable, Iterator, Mapping


import requests

from . import helpdoc, keep, paging
from . import login as _login
from .errors import InvalidValue, MapError, ShadowedWarning, UnknownItem
from .payloads import QUERY_VERBS, quoted
from .redact import is_secret_name, redact_url
from .resources import ROOT_ATTRIBUTES, NotAContainer, Resource, ResourceCollection, _quoted
from .routes import RouteMap, bundled_path, fill_segment, load_map, parse_segment
from .sending import DEFAULT_TIMEOUT, Sender

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


@functools.lru_cache(maxsize=1)
def bundled_map() -> RouteMap:
    """The bundled MAX map, compiled once per process (it is immutable)."""
    return load_map(bundled_path("resources.yaml"), bundled_path("defaults.yaml"))


class RpcMethod:
    """``api.getUser(username=...)``: a route and verb named in the map's ``names:``."""

    __slots__ = ("_client", "name", "route", "method")

    def __init__(self, client: "Client", name: str, route: Any, method: str) -> None:
        self._client, self.name, self.route, self.method = client, name, route, method

    def __call__(self, /, **kwargs: Any) -> Any:
        """Make the call: route variables by name, the rest as payload or query (see above)."""
        # self is positional-only, so a route variable may be called "self".
        return self._client._call_rpc(self.route, self.method, kwargs, self.name)

    def iterate(self, /, **kwargs: Any) -> Iterator[Any]:
        """The items of every page of a GET listing, as ``.iterate()`` on its proxy gives them.

        Raises InvalidValue when the name is not a GET.
        """
        if self.method != "GET":
            raise InvalidValue(f"{self.method} {self.route.template}: {self.name}.iterate() pages GET "
                               f"listings, and {self.name} is a {self.method}")
        return self._client._rpc_resource(self.route, self.method, kwargs, self.name).iterate(**kwargs)

    @property
    def __doc__(self) -> str:  # type: ignore[override]  # help() and ? show the map's verb
        return helpdoc.verb_help(self.route, self.method, name=self.name)

    @property
    def __signature__(self) -> inspect.Signature:
        """Route variables (required) and documented parameters, keyword-only."""
        return helpdoc.verb_signature(self.route, self.method, self.name)

    @property
    def __name__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<rpc {self.name}: {self.method} {self.route.template_for(self.method, self.name)}>"


class Client(Sender, NotAContainer):
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
        verify: Any = None,
        app: Any = None,
        session: requests.Session | None = None,
        expand: bool | None = None,
        trailing_slash: bool = False,
        on_token: Callable[[str], Any] | None = None,
    ) -> None:
        self._settings = dict(url=url, resources=resources, defaults=defaults, auth=auth,
                              headers=headers, timeout=timeout, retries=retries, verify=verify,
                              app=app, session=session, expand=expand, on_token=on_token,
                              trailing_slash=trailing_slash)
        _check_trailing_slash(trailing_slash, resources)
        super().__init__(url, auth, headers, timeout, retries, verify, app, session, expand, on_token)
        self._map = _choose_map(resources, defaults, trailing_slash)
        self._root = ResourceCollection(self, self._map.root, "")
        self._check_rpc_names()  # last: instance attributes (url, session...) are set by now
        _warn_shadowed(self._map, self)

    @classmethod
    def from_openapi(cls, spec: Any, url: str | None = None, **kw: Any) -> "Client":
        """A client whose map comes from an OpenAPI 3.x / Swagger 2.0 document (path, URL or dict).

        Without ``url`` the base URL comes from the document. Raises MapError.
        """
        from . import openapi  # only clients built from OpenAPI pay for it (a layer below: no cycle)
        return openapi.client_from_openapi(cls, spec, url, **kw)

    # -- navigation ------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        rpc = self._map.rpc.get(name)
        if rpc is not None:
            return RpcMethod(self, name, *rpc)
        if name in ROOT_ATTRIBUTES or _quoted(name):
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
        # No secret in the pickle: see restish.keep. The URL without user info (auth holds it),
        # no auth, no session, no secret-named header; a handle finds them in this process.
        settings = self._settings
        headers = settings["headers"]
        public = {k: v for k, v in headers.items() if not is_secret_name(str(k))} if headers else headers
        session = settings["session"]
        secret = (self.auth is not None or public != headers
                  or (session is not None and bool(session.auth or session.cookies)))
        return (_restore_client, (dict(settings, url=self.url, auth=None, headers=public, session=None),
                                  keep.handle_for(self), secret))

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
            if name in ROOT_ATTRIBUTES:
                raise MapError(f"route {route.template}: RPC name {name!r} is taken by the root proxy's "
                               f"api.{name}, as on every proxy; choose another name", self._map.source)

    @property
    def routes(self) -> RouteMap:
        """The compiled endpoint map."""
        return self._map

    def concurrently(self, calls: Iterable[Callable[[], Any]], workers: int = 8) -> list:
        """Run zero-argument callables on ``workers`` threads over the pooled connections.

        Returns their results in order, a failed call's exception object in its
        place; ``last_response`` stays per thread. Raises InvalidValue for a bad
        ``workers``. See :func:`restish.paging.concurrently`.
        """
        return paging.concurrently(self, calls, workers)

    # -- calls -----------------------------------------------------------

    def _call_rpc(self, route, method: str, kwargs: dict, name: str) -> Any:
        resource = self._rpc_resource(route, method, kwargs, name)
        template = route.template_for(method, name)
        url = resource._url_for(method, template != "/" and template.endswith("/"))
        return self._call(resource, method, kwargs, url if url != resource._url_for(method) else None)

    def _rpc_resource(self, route, method: str, kwargs: dict, name: str) -> Resource:
        """The proxy of ``route`` with its variables popped from ``kwargs`` (the rest is the payload).

        The variables are those of the name's own template (:meth:`Route.template_for`); a
        segment holding several (``{base}...{head}``) gets each value encoded on its own.
        """
        resource = self._root
        template = route.template_for(method, name)
        where = f"{method} {template}"
        for segment in template.strip("/").split("/") if template != "/" else ():
            pieces = parse_segment(segment) or ()
            if not any(is_var for is_var, _ in pieces):
                resource = resource._fixed(segment, UnknownItem)
                continue
            try:
                values = {var: str(kwargs.pop(var)) for is_var, var in pieces if is_var and var in kwargs}
                missing = [var for is_var, var in pieces if is_var and var not in values]
                if missing:
                    raise InvalidValue(f"{name}() is missing route variable {missing[0]!r}")
                if len(pieces) == 1:
                    resource = resource._variable(values[pieces[0][1]])
                else:
                    text = "".join(values[t] if is_var else t for is_var, t in pieces)
                    empty = next((var for var, value in values.items() if not value), None)
                    if empty or text in (".", ".."):
                        raise InvalidValue(f"{name}(): {text!r} cannot be the segment {segment}"
                                           + (f": {empty!r} is empty" if empty else ""))
                    encoded = fill_segment(pieces, lambda value, var: quoted(value, "", repr(var)),
                                           values.__getitem__)
                    resource = resource._variable(text, encoded)
            except InvalidValue as exc:
                raise InvalidValue(f"{where}: {exc}") from exc
        return resource

    # -- writes that wait for the commit ---------------------------------------

    @property
    def after_commit(self) -> "AfterCommit":
        """This client, its POST, PUT, PATCH and DELETE calls queued on the current transaction.

        Each such call returns a :class:`restish.Pending` and is sent only after the
        transaction commits (see :mod:`restish.commit`). The transaction manager is
        ``transaction.manager`` (Zope, Plone, pyramid_tm's default); in a Pyramid app
        that included ``restish.pyramid``, the current request's ``request.tm``.
        """
        return AfterCommit(self, self._transaction_manager())

    def after_commit_on(self, manager: Any) -> "AfterCommit":
        """As :attr:`after_commit`, queued on ``manager``'s current transaction."""
        return AfterCommit(self, manager)

    def _transaction_manager(self) -> Any:
        """The manager :attr:`after_commit` joins; restish.pyramid makes it the request's tm."""
        from .commit import default_manager  # only clients that wait for commits pay for it
        return default_manager()

    def login(self, username: str | None = None, password: str | None = None,
              token_url: str | None = None) -> str:
        """OAuth2 password grant: install the token on this client and return it.

        A missing username or password is asked for on a terminal. Without
        ``token_url``: the OpenAPI document's password flow ``tokenUrl``, else
        ``GET /info`` names the OAuth server (``max.oauth_server``). The token
        goes in the client's kind of auth; without one, ``MaxOAuth`` headers
        with the bundled map and ``Bearer`` otherwise. A later 401 renews it
        once. Raises ``LoginError``.
        """
        return _login.login(self, username, password, token_url)

    @property
    def _bundled_map(self) -> bool:
        """Does this client use the bundled (MAX) map? Then a token travels in MaxOAuth headers."""
        return self._settings["resources"] is BUNDLED

    @property
    def _document_token_url(self) -> str | None:
        """The password flow ``tokenUrl`` of the OpenAPI document the map came from."""
        return self._map.token_url


class AfterCommit(Client):
    """``api.after_commit``: the same client, its writes queued on a transaction.

    Settings, session, auth and ``last_response`` are the client's own (read
    live, so a login on either is seen by both); only navigation is its own,
    so that the proxies reached from it queue their writes. Query verbs (GET,
    HEAD, OPTIONS) are sent at once.
    """

    def __init__(self, client: Client, manager: Any) -> None:  # noqa: super().__init__ not called: a view
        vars(self).update(_base=client, _manager=manager,
                          _root=ResourceCollection(self, client._map.root, ""))

    def __getattr__(self, name: str) -> Any:
        shared = vars(self._base)
        if name in shared:
            return shared[name]
        return super().__getattr__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._base, name, value)  # login() on the view logs the client in

    def _call(self, resource: Any, method: str, kwargs: dict, url: str | None = None) -> Any:
        if method in QUERY_VERBS:
            return super()._call(resource, method, kwargs, url)
        queued = dict(kwargs)
        self._prepare_call(resource, method, kwargs, url).close()  # refused now, not after the commit
        from . import commit
        return commit.queue(self._manager, f"{method} {resource.path}",
                            lambda: Sender._call(self, resource, method, queued, url))

    def __repr__(self) -> str:
        return f"{Client.__repr__(self)[:-1]} after commit>"

    def __reduce__(self):
        return (_after_commit_of, (self._base, self._manager))


def _after_commit_of(client: Client, manager: Any) -> AfterCommit:
    return AfterCommit(client, manager)


_WARNED: "weakref.WeakSet[RouteMap]" = weakref.WeakSet()  # maps already warned about


def _warn_shadowed(route_map: RouteMap, client: Client) -> None:
    """ShadowedWarning, once per map, for top-level names a Client attribute hides (/headers, /login)."""
    shadowed = [name for name in route_map.root.fixed
                if name in ROOT_ATTRIBUTES or hasattr(type(client), name) or name in vars(client)]
    if not shadowed or route_map in _WARNED:
        return
    _WARNED.add(route_map)
    reach = ", ".join(f"/{name} as api[{name!r}]" for name in shadowed)
    warnings.warn(ShadowedWarning(f"{route_map.source}: Client attributes hide top-level names of the map "
                                  f"({', '.join(shadowed)}); reach {reach}"), stacklevel=_outside_restish())


def _outside_restish() -> int:
    """The ``stacklevel`` of the first caller outside restish: the user's Client(...) or from_openapi(...)."""
    frame, level = sys._getframe(1), 2  # level 1 is our caller, which calls warnings.warn
    while frame.f_back is not None and frame.f_globals.get("__name__", "").split(".")[0] == "restish":
        frame, level = frame.f_back, level + 1
    return level - 1


def _check_trailing_slash(trailing_slash: Any, resources: Any) -> None:
    """``trailing_slash=`` is a bool, and True only in permissive mode, where no template says."""
    if not isinstance(trailing_slash, bool):
        raise InvalidValue(f"Client(trailing_slash=...) must be True or False, not {trailing_slash!r}")
    if trailing_slash and resources is not None:
        raise InvalidValue("Client(trailing_slash=True) is for permissive mode (resources=None); with a "
                           "map, each route template says whether its path ends with '/'")


def _choose_map(resources: Any, defaults: Any, trailing_slash: bool = False) -> RouteMap:
    if isinstance(resources, RouteMap):
        return resources
    if resources is BUNDLED and defaults is BUNDLED:
        return bundled_map()
    if resources is BUNDLED:
        resources = bundled_path("resources.yaml")
    return load_map(resources, None if defaults is BUNDLED else defaults, trailing_slash)


def _restore_client(settings: dict, handle: str | None = None, secret: bool = False) -> Client:
    """A pickled Client: with its original's credentials when that lives in this process."""
    source = keep.original(handle) if handle else None
    if source is None:
        client = Client(**settings)
        if secret:
            client.auth = keep.Forgotten()  # a call says so, instead of going out without auth
        return client
    given = source._settings
    session = given["session"]
    if session is not None:
        session = pickle.loads(pickle.dumps(session))  # a copy, as pickling the session gave before
    client = Client(**dict(settings, url=given["url"], headers=given["headers"], session=session))
    client.auth, client._grant = source.auth, copy.copy(source._grant)  # a login's token and grant too
    return client
