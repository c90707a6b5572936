"""A :class:`~restish.call.Call` built from a proxy, a verb and kwargs; its response as a value or an error.

:func:`prepare` checks the verb, splits the kwargs into options, query and
payload, encodes the body (JSON, raw ``data=``, or a streamed upload) and
fills a ``requests.PreparedRequest`` directly, auth applied. :func:`result`
turns the answer into what the verb returns, or raises the typed error.

The sender it is given (a :class:`restish.sending.Sender`, the Client) lends
its settings: ``session``, ``headers``, ``timeout``, ``expand``, ``auth``,
``verify`` and ``environment``. The target (a proxy, or :class:`Exact`) lends
``path``, ``url``, ``methods``, ``_default_payload(method)`` and
``_body_shape(method)`` (what the map declares of the body).

Every call sends ``Accept: application/json`` (``*/*`` for a ``stream_to=``
download) unless the session, the client or the call names another.
"""
from __future__ import annotations

import sys
from collections.abc import ItemsView, Mapping  # not typing's: its isinstance is several times slower
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity, to_native_string

from . import auth as _auth
from . import payloads
from .call import RESERVED, UPLOAD_PREFIX, Call, check_timeout, decode, header
from .errors import InvalidValue, MethodNotAllowed, error_for_response
from .headers import check_headers, first_header_problem
from .redact import is_secret_name
from .routes import VERBS

__all__ = ["Exact", "RequestHeaders", "prepare", "result"]


@dataclass(frozen=True)
class Exact:
    """A target outside the map: one URL, any verb, no default payload (a fetched document)."""

    url: str
    path: str
    methods: tuple = VERBS

    def _default_payload(self, method: str) -> None:
        return None

    def _url_for(self, method: str) -> str:
        return self.url

    def _body_shape(self, method: str) -> payloads.BodyShape:
        return payloads.BodyShape()  # nothing declared: as in permissive mode


def prepare(sender: Any, resource: Any, method: str, kwargs: dict, url: str | None = None) -> Call:
    """The call to send; ``url``, an exact URL (a next-page link), replaces the resource's.

    Raises MethodNotAllowed, or InvalidValue whose message starts with "VERB path".
    Each check names the call where it raises: those that know it (payloads'
    bodies, uploads, auth) say it themselves; for those that don't (timeout,
    query values, keyword expansion, headers) this module adds it.
    """
    if method not in resource.methods:
        raise MethodNotAllowed(method, resource.path, resource.methods)
    options = {k: kwargs.pop(k) for k in RESERVED.intersection(kwargs)}
    files = {k: kwargs.pop(k) for k in [k for k in kwargs if k.startswith(UPLOAD_PREFIX)]} if kwargs else {}
    if method in payloads.QUERY_VERBS:
        shape, query = _NO_BODY, kwargs  # what the map says of a body does not matter: there is none
    else:  # the query parameters a body verb declares (GitHub's upload ?name=, a DELETE's ?force=)
        shape = resource._body_shape(method)
        query = {k: kwargs.pop(k) for k in [k for k in kwargs if k in shape.query and not _declared(shape, k)]}
    try:
        encoded = _query(sender, resource, method, query, options.get("qs"), url)
        body, content_type, payload, plain = _body(sender, resource, method, kwargs, options, shape, bool(files))
    except RecursionError:  # json.dumps and the merges recurse: a 5,000-deep payload exhausts the stack
        raise InvalidValue(f"{method} {resource.path}: a value is nested too deeply to send "
                           f"(deeper than Python's recursion limit, {sys.getrecursionlimit()})") from None
    timeout = sender.timeout
    if "timeout" in options:
        timeout = check_timeout(options["timeout"], f"{method} {resource.path}: ")
    url = url or resource._url_for(method)
    if encoded:
        url = f"{url}{'&' if '?' in url else '?'}{encoded}"
    call = Call(method, resource, requests.PreparedRequest(), timeout,
                options.get("stream_to"), options.get("progress"))
    if files or plain is not None or call.stream_to is not None or call.progress is not None:
        from . import uploads  # only calls that move files pay for importing toolbelt
        uploads.check_options(call)
        if files or plain is not None:
            body, content_type = uploads.multipart(call, files, payload, plain)
    try:
        call.settings = _fill(sender, call, url, body, content_type, options.get("headers"))
    except BaseException:
        call.close()  # the upload's files were opened already
        raise
    return call


_NO_BODY = payloads.BodyShape(None)


def result(call: Call, response: requests.Response) -> Any:
    """What the verb returns: the decoded body, the bytes written (``stream_to=``), or
    HEAD's headers. Raises the typed RequestError of a 4xx/5xx answer, DecodeError."""
    if response.status_code >= 400:
        raise error_for_response(response, call.method)
    if call.stream_to is not None:
        from . import uploads
        return uploads.download(call, response)
    if call.method == "HEAD":
        return response.headers
    return decode(response, call.method)


def _query(sender: Any, resource: Any, method: str, params: dict, qs: Any, url: str | None) -> str:
    """The call's encoded query: ``params`` (a query verb's kwargs, a body verb's declared
    query parameters), then ``qs=``, under the session's params."""
    query = dict(params)
    if qs:
        if not isinstance(qs, Mapping):
            raise InvalidValue(f"{method} {resource.path}: qs= must be a dict, not {type(qs).__name__}")
        query.update(qs)
    params = sender.session.params
    if params:  # as requests does: the session's, then the call's on top
        query = _with_session_params(params, query, url)
    if not query:
        return ""
    try:
        return payloads.encode_query(query)
    except InvalidValue as exc:
        raise _naming(exc, method, resource) from exc


def _declared(shape: payloads.BodyShape, key: str) -> bool:
    """True when ``key`` is a body field the map declares (it then stays in the body)."""
    return isinstance(shape.known, Mapping) and key in shape.known


def _body(sender: Any, resource: Any, method: str, kwargs: dict, options: dict,
          shape: payloads.BodyShape, multipart: bool = False) -> tuple:
    """``(body bytes or None, content type, payload dict, plain form fields)`` for the call.

    ``data=`` is the body as given, ``form=`` an urlencoded one, else the JSON
    payload, or, where the map says the body takes no JSON (``encoding:``), the
    payload as a form (``form``) or as plain fields (``multipart``, returned as
    plain fields with no body). With ``multipart`` (files to upload) the body is
    left to uploads.multipart, which sends the payload as its ``json_data`` field and
    the plain fields (``form=``, and payload fields the map declares as
    multipart form fields) as form fields. Raises InvalidValue when something
    given would be dropped: body kwargs beside ``data=`` or ``form=``.
    """
    where = f"{method} {resource.path}"
    body_kwargs = sorted(kwargs) if method not in payloads.QUERY_VERBS else []
    form = options.get("form")
    if form is not None and not isinstance(form, Mapping):
        raise InvalidValue(f"{where}: form= must be a dict, not {type(form).__name__}")
    if "data" in options:
        if multipart or form is not None:
            raise InvalidValue(f"{where}: data= sends exactly that body, so it cannot go with "
                               f"{'upload_file' if multipart else 'form='}")
        if body_kwargs:
            raise InvalidValue(f"{where}: data= sends exactly that body, so {', '.join(body_kwargs)} "
                               f"would be dropped; put them in data= or leave data= out")
        return (*payloads.raw_body(options["data"], method, resource.path), None, None)
    if method in payloads.QUERY_VERBS:
        if form is not None:
            raise InvalidValue(f"{where}: form= is a body, and {method} sends none; use qs=")
        return None, None, None, None
    if form is not None and not multipart:
        if body_kwargs:
            raise InvalidValue(f"{where}: form= is the whole body, so {', '.join(body_kwargs)} would be "
                               f"dropped; put them in form=")
        return payloads.form_body(form, method, resource.path), payloads.FORM_TYPE, None, None
    nest = _nesting(sender, options, shape.nest, where)
    if shape.encoding:
        nest = None  # a form is flat, as a query string is: kwargs go as named
    payload = _payload(resource, method, kwargs, shape.known, nest)
    if multipart:  # a body that takes no JSON (encoding:) has every field plain
        names = list(payload) if shape.encoding else [k for k in payload if k in shape.multipart]
        plain = {key: payload.pop(key) for key in names}
        twice = sorted(plain.keys() & form.keys()) if form else []
        if twice:  # one of the two values would be dropped
            raise InvalidValue(f"{where}: {', '.join(twice)} given both as a keyword and in form=; give each once")
        return None, None, payload, {**plain, **(form or {})}
    if not payload:
        return None, None, payload, None
    if shape.encoding == "form":  # the operation takes no JSON (FastAPI's Form(...) fields)
        return payloads.form_body(payload, method, resource.path), payloads.FORM_TYPE, None, None
    if shape.encoding == "multipart":
        return None, None, None, payload  # plain multipart fields, no file
    return payloads.json_body(payload, method, resource.path), payloads.JSON_TYPE, payload, None


def _nesting(sender: Any, options: dict, nest: bool, where: str) -> bool | None:
    """Whether undeclared ``key_subkey`` kwargs nest: ``expand=`` of the call, else of the
    client, else the map's own rule (``nest``); None when nothing is expanded at all."""
    expand = options.get("expand", sender.expand)
    if expand is None:
        return nest
    if not isinstance(expand, bool):
        raise InvalidValue(f"{where}: expand= must be True, False or None, not {expand!r}")
    return True if expand else None


def _payload(resource: Any, method: str, kwargs: dict, known: Any, nest: bool | None) -> dict:
    """The default payload with the kwargs, expanded as far as ``known`` says, laid over it."""
    defaults = resource._default_payload(method)
    try:
        given = kwargs if nest is None else payloads.expand(kwargs, known, nest)
    except InvalidValue as exc:
        raise _naming(exc, method, resource) from exc
    return payloads.deep_merge(defaults, given) if defaults else dict(given)


def _fill(sender: Any, call: Call, url: str, body: Any, content_type: str | None,
          headers: Mapping[str, str] | None) -> dict:
    """Fill ``call.prepared`` directly (URL and body are already encoded); return send settings."""
    prepared, method, session = call.prepared, call.method, sender.session
    prepared.method = method
    prepared.url = url
    if headers:
        # Before requests' check, whose message would hold the value.
        check_headers(headers, call.where)
    accept = None
    if header(session.headers, "Accept", "*/*") == "*/*":  # requests' own default: nobody chose it
        # JSON unless a download may be anything (plone.restapi answers as an API only then).
        accept = _ACCEPT_ANY if call.stream_to is not None else _ACCEPT_JSON
    layers = (session.headers, accept, sender.headers, {"Content-Type": content_type} if content_type else None,
              headers)
    try:
        merged = _merged(_base_store(sender, layers[:3]), layers[3:])
        if any(layers[3:]):  # the base was checked when it was merged (see _base_store)
            _check_sendable(merged._store, getattr(sender, "_sendable_headers", None))  # type: ignore[attr-defined]
    except requests.exceptions.InvalidHeader:
        # A session header. from None: requests' message, and so its traceback, holds the value.
        problem = first_header_problem(_flat(layers)) or "a session header cannot be sent"
        raise InvalidValue(f"{call.where}: {problem}") from None
    prepared.headers = merged  # its hooks are those PreparedRequest() made: fresh, empty
    # An upload's tell(): requests rewinds to it for a 307/308 (None: nothing to rewind).
    prepared._body_position = body.tell() if hasattr(body, "tell") else None  # type: ignore[attr-defined]
    if _holds_cookies(session.cookies):
        prepared.prepare_cookies(session.cookies)
    else:
        # Where requests keeps the cookies of a redirect's next hop (and digest auth, of its
        # retry). One policy serves every such jar, as requests' own jar copies share theirs.
        prepared._cookies = requests.cookies.RequestsCookieJar(_COOKIE_POLICY)  # type: ignore[attr-defined]
    prepared.body = body
    prepared.prepare_content_length(body)
    if hasattr(body, "read") and "Content-Length" not in prepared.headers:
        # A stream of unknown size (an upload from a pipe); saying so lets requests
        # refuse to resend it on a 307/308 instead of sending it empty.
        prepared.headers["Transfer-Encoding"] = "chunked"
    try:
        settings, netrc = sender._environment.settings(session, url, sender.verify)
    except InvalidValue as exc:
        raise InvalidValue(f"{call.where}: {exc}") from None
    auth = sender.auth or session.auth or netrc
    if auth:
        _auth.sign(prepared, auth, url)
    if session.hooks.get("response"):
        # After auth's, as requests orders them: a session hook sees the answer
        # after a digest challenge, not the 401.
        prepared.register_hook("response", session.hooks["response"])
    return settings


def _holds_cookies(jar: Any) -> bool:
    """``bool(jar)``; an empty requests jar answered from its store (its ``len()`` walks
    every cookie, through two generators)."""
    if type(jar) is requests.cookies.RequestsCookieJar and not jar._cookies:  # type: ignore[attr-defined]
        return False
    return bool(jar)


_COOKIE_POLICY = DefaultCookiePolicy()  # what RequestsCookieJar() makes for itself, unchanged
_ACCEPT_JSON = {"Accept": payloads.JSON_TYPE}  # never changed: shared by every call
_ACCEPT_ANY = {"Accept": "*/*"}


def _merged(base: dict, layers: tuple) -> CaseInsensitiveDict:
    """The headers to send: ``layers`` over the merged ``base`` (see :func:`_base_store`)."""
    # Made without __init__, whose update() through the Mapping ABC costs more than the copy.
    merged: CaseInsensitiveDict = RequestHeaders.__new__(RequestHeaders)
    merged._store = _merge_into(dict(base), layers) if any(layers) else dict(base)  # type: ignore[attr-defined]
    return merged


class RequestHeaders(CaseInsensitiveDict):
    """A request's headers (``PreparedRequest.headers``): requests' CaseInsensitiveDict whose
    ``items()`` and ``copy()``, which urllib3 asks of every request, read its store at C speed
    rather than key by key through the Mapping ABC. The same pairs, in the same order."""

    def items(self) -> ItemsView:
        return _StoredItems(self)

    def copy(self) -> "RequestHeaders":
        copied = RequestHeaders.__new__(RequestHeaders)
        copied._store = self._store.copy()  # type: ignore[attr-defined]
        return copied


class _StoredItems(ItemsView):
    __slots__ = ()

    def __iter__(self) -> Any:
        return iter(self._mapping._store.values())  # type: ignore[attr-defined]  # (name as set, value) pairs


def _base_store(sender: Any, layers: tuple) -> dict:
    """The session's headers, the Accept default and the client's headers merged, remembered
    per client while they stay the same: each call compares a snapshot of them, at C speed.
    Each is checked as requests would (see :func:`_check_sendable`) when they are merged,
    so a call that adds none of its own checks nothing. Raises requests' InvalidHeader."""
    # The Accept default is one of two shared dicts: compared by identity, not by items.
    key = (_snapshot(layers[0]), id(layers[1]), *map(_snapshot, layers[2:]))
    cached = getattr(sender, "_header_base", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    store = _merge_into({}, layers)
    _check_sendable(store, getattr(sender, "_sendable_headers", None))  # before it is remembered
    try:
        sender._header_base = (key, store)
    except AttributeError:  # a sender that keeps no state: merge every time
        pass
    return store


def _snapshot(headers: Mapping[str, Any] | None) -> tuple:
    if not headers:
        return ()
    if isinstance(headers, CaseInsensitiveDict):  # api.headers too (a subclass): read as _merge_into does
        return tuple(headers._store.values())  # type: ignore[attr-defined]
    return tuple(headers.items())


def _merge_into(store: dict, layers: tuple) -> dict:
    """``store`` (lower-case name -> (name, value), as CaseInsensitiveDict keeps them) with each
    layer laid over the one before, names compared without case, a None value taking the header
    out (as requests merges a session's and a request's)."""
    for layer in layers:
        if not layer:
            continue
        # requests' CaseInsensitiveDict holds its pairs in _store: read at C speed, not key by key.
        pairs = layer._store.values() if isinstance(layer, CaseInsensitiveDict) else layer.items()  # type: ignore[attr-defined]
        for name, value in pairs:
            if not isinstance(name, (str, bytes)):
                check_header_validity((name, value))  # raises InvalidHeader, as requests would
            name = to_native_string(name)
            if value is None:
                store.pop(name.lower(), None)
            else:
                store[name.lower()] = (name, value)
    return store


def _check_sendable(store: dict, sendable: set | None) -> None:
    """requests' check of every header (``PreparedRequest.prepare_headers``) of a store (see
    :func:`_merge_into`), made once per header and client: ``sendable`` remembers those that
    passed, but no secret's value."""
    for pair in store.values():  # (name, value)
        if sendable is None or type(pair[1]) not in (str, bytes) or pair not in sendable:
            check_header_validity(pair)  # raises requests' InvalidHeader
            if sendable is not None and len(sendable) < _SENDABLE_KEPT and not is_secret_name(pair[0]):
                sendable.add(pair)


def _flat(layers: tuple) -> dict:
    """Every header of ``layers`` in one dict, for finding which one cannot be sent."""
    return {name: value for layer in layers if layer for name, value in layer.items()}


_SENDABLE_KEPT = 256  # headers remembered as checked, per client


def _naming(exc: InvalidValue, method: str, resource: Any) -> InvalidValue:
    """``exc`` from a check that does not know the call, its message led by the call."""
    return InvalidValue(f"{method} {resource.path}: {exc}")


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
