"""A :class:`~restish.call.Call` built from a proxy, a verb and kwargs; its response as a value or an error.

:func:`prepare` checks the verb, splits the kwargs into options, query and
payload, encodes the body (JSON, raw ``data=``, or a streamed upload) and
fills a ``requests.PreparedRequest`` directly, auth applied. :func:`result`
turns the answer into what the verb returns, or raises the typed error.

The sender it is given (a :class:`restish.sending.Sender`, the Client) lends
its settings: ``session``, ``headers``, ``timeout``, ``expand``, ``auth``,
``verify`` and ``environment``. The target (a proxy, or :class:`Exact`) lends
``path``, ``url``, ``methods`` and ``_default_payload(method)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.hooks import default_hooks

from . import auth as _auth
from . import payloads
from .call import RESERVED, UPLOAD_PREFIX, Call, check_timeout, decode
from .errors import InvalidValue, MethodNotAllowed, error_for_response
from .headers import check_headers, first_header_problem
from .routes import VERBS

__all__ = ["Exact", "prepare", "result"]


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
    files = {k: kwargs.pop(k) for k in [k for k in kwargs if k.startswith(UPLOAD_PREFIX)]}
    encoded = _query(sender, resource, method, kwargs, options.get("qs"), url)
    body, content_type, payload = _body(sender, resource, method, kwargs, options, bool(files))
    timeout = sender.timeout
    if "timeout" in options:
        timeout = check_timeout(options["timeout"], f"{method} {resource.path}: ")
    url = url or resource._url_for(method)
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
        call.settings = _fill(sender, call, url, body, content_type, options.get("headers"))
    except BaseException:
        call.close()  # the upload's files were opened already
        raise
    return call


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


def _query(sender: Any, resource: Any, method: str, kwargs: dict, qs: Any, url: str | None) -> str:
    """The call's encoded query: a query verb's kwargs, then ``qs=``, under the session's params."""
    query = dict(kwargs) if method in payloads.QUERY_VERBS else {}
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


def _body(sender: Any, resource: Any, method: str, kwargs: dict, options: dict,
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
    defaults = resource._default_payload(method)
    try:
        given = payloads.expand(kwargs, defaults) if options.get("expand", sender.expand) else kwargs
    except InvalidValue as exc:
        raise _naming(exc, method, resource) from exc
    payload = payloads.deep_merge(defaults, given) if defaults else dict(given)
    if not payload or multipart:
        return None, None, payload
    return payloads.json_body(payload, method, resource.path), payloads.JSON_TYPE, payload


def _fill(sender: Any, call: Call, url: str, body: Any, content_type: str | None,
          headers: Mapping[str, str] | None) -> dict:
    """Fill ``call.prepared`` directly (URL and body are already encoded); return send settings."""
    prepared, method, session = call.prepared, call.method, sender.session
    merged = dict(session.headers)
    merged.update(sender.headers)
    if content_type:
        merged["Content-Type"] = content_type
    if headers:
        merged.update(headers)
    prepared.method = method
    prepared.url = url
    if headers:
        # Before requests' check, whose message would hold the value.
        check_headers(headers, call.where)
    try:
        prepared.prepare_headers({k: v for k, v in merged.items() if v is not None})
    except requests.exceptions.InvalidHeader:
        # A session header. from None: requests' message, and so its traceback, holds the value.
        problem = first_header_problem(merged) or "a session header cannot be sent"
        raise InvalidValue(f"{call.where}: {problem}") from None
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
    settings, netrc = sender._environment.settings(session, url, sender.verify)
    auth = sender.auth or session.auth or netrc
    if auth:
        _auth.sign(prepared, auth, url)
    if session.hooks.get("response"):
        # After auth's, as requests orders them: a session hook sees the answer
        # after a digest challenge, not the 401.
        prepared.register_hook("response", session.hooks["response"])
    return settings


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
