"""The restish exception tree, and the mapping from HTTP status to class.

::

    RestishError
    ├── MapError                 bad resources.yaml / defaults.yaml / OpenAPI document
    ├── UnknownResource          name not in the map (also AttributeError / LookupError)
    ├── MethodNotAllowed         verb not allowed for the route (raised before I/O)
    ├── InvalidValue             a value restish cannot send (also ValueError)
    ├── DecodeError              a body that does not match its Content-Type (also ValueError)
    ├── LoginError               login failed (never carries the password)
    ├── TransportError           no usable HTTP response
    │   ├── ConnectionError      refused, reset, DNS, TLS, a response cut short
    │   ├── Timeout              connect or read timeout
    │   └── RedirectError        too many redirects, a bad Location, a body verb
    │                            redirected where its body cannot follow
    └── RequestError             the server answered 4xx/5xx
        ├── ClientError          4xx: BadRequest, Unauthorized, Forbidden, NotFound,
        │                        Conflict, PreconditionFailed, TooManyRequests
        └── ServerError          5xx: InternalServerError, BadGateway,
                                 ServiceUnavailable, GatewayTimeout
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable

from . import problems
from .redact import redact_url, scrub, secret_values, spelled

if TYPE_CHECKING:
    import requests

__all__ = [
    "RestishError", "MapError", "UnknownResource", "UnknownAttribute", "UnknownItem",
    "MethodNotAllowed", "InvalidValue", "DecodeError", "LoginError", "TransportError", "ConnectionError",
    "Timeout", "RedirectError",
    "RequestError", "ClientError", "ServerError", "BadRequest", "Unauthorized",
    "Forbidden", "NotFound", "Conflict", "PreconditionFailed", "TooManyRequests",
    "InternalServerError", "BadGateway", "ServiceUnavailable", "GatewayTimeout",
    "error_for_response",
]

_SNIPPET = 200   # characters of a body that is not JSON
_LIMIT = 1000    # characters of a description read from a JSON error body
_NOT_PICKLED = frozenset({"response"})  # holds the request: its headers carry the secrets


class RestishError(Exception):
    """Root of every error restish raises.

    Every one survives ``pickle`` (a process pool sends it back to its parent):
    it is rebuilt from its message and attributes, not by calling ``__init__``
    again, and without ``response``, which holds the request and its secrets.
    The message and the other attributes were masked when the error was made.
    """

    def __reduce__(self) -> tuple:
        state = {k: v for k, v in vars(self).items() if k not in _NOT_PICKLED}
        return _rebuilt, (type(self), self.args, state)


class MapError(RestishError):
    """A bad endpoint map, defaults file or OpenAPI document."""

    def __init__(self, reason: str, source: str | None = None, line: int | None = None):
        self.reason, self.source, self.line = reason, source, line
        where = source or "<map>"
        if line is not None:
            where = f"{where}, line {line}"
        super().__init__(f"{where}: {reason}")


class UnknownResource(RestishError):
    """A name that is not in the endpoint map.

    Raised as :class:`UnknownAttribute` (also an ``AttributeError``) for
    attribute access and :class:`UnknownItem` (also a ``LookupError``) for
    item access, so ``hasattr`` and ``getattr(x, name, default)`` behave.
    """

    def __init__(self, path: str, name: str, suggestions: list[str] | tuple[str, ...] = (), hint: str = ""):
        self.path, self.name, self.suggestions, self.hint = path, name, tuple(suggestions), hint
        message = f"{path or '/'}: no resource {name!r} in the map"
        if suggestions:
            message += "; did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
        if hint:  # how to reach what was likely meant: api.people['alice'], api['headers']
            message += f" ({hint})"
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would repr() the message otherwise
        return self.args[0]


class ShadowedWarning(UserWarning):
    """A map's top-level name that a Client attribute hides (``/headers``): reach it as ``api['headers']``."""


class UnknownAttribute(UnknownResource, AttributeError):
    """Attribute access to a name that is not in the map."""


class UnknownItem(UnknownResource, LookupError):
    """Item access to a name that is not in the map."""


class MethodNotAllowed(RestishError):
    """The map does not allow this verb on this route. Raised before any I/O."""

    def __init__(self, method: str, path: str, allowed: tuple[str, ...] | frozenset[str]):
        self.method, self.path, self.allowed = method, path, tuple(sorted(allowed))
        allowed_text = " ".join(self.allowed) or "nothing (no route ends here)"
        super().__init__(f"{method} {path}: method not allowed by the map; allowed: {allowed_text}")


class InvalidValue(RestishError, ValueError):
    """A value restish cannot send: a bad path segment, payload or option."""


class DecodeError(RestishError, ValueError):
    """A response body that cannot be decoded as its Content-Type says."""


class LoginError(RestishError):
    """Login failed. Never carries the password."""


class TransportError(RestishError):
    """No HTTP response arrived: connection refused or reset, timeout, bad TLS."""

    def __init__(self, method: str, url: str, cause: str):
        self.method, self.url = method, redact_url(url)
        super().__init__(f"{method} {self.url} -> {cause}")


class ConnectionError(TransportError):  # noqa: A001  # restish.ConnectionError, as requests.ConnectionError
    """The connection failed: refused, reset, DNS, TLS, or a response cut short
    (closed inside its status line, its headers or its declared body)."""


class Timeout(TransportError):
    """No connection within the connect timeout, or no whole response within the read bound."""


class RedirectError(TransportError):
    """A redirect restish does not follow: too many, a ``Location`` that does not parse,
    or a POST, PUT, PATCH or DELETE sent away from its origin or unable to send its body again.

    Following would change the call silently (its verb, its body, where it goes);
    the message names the ``Location``.
    """


class RequestError(RestishError):
    """The server answered with a 4xx or 5xx status.

    A server may echo the token or password it was sent ("token abc123
    expired"), so every spelling of the request's secrets, and of ``secrets``
    (more secrets the caller knows of, such as login's password, masked
    whatever their length), is masked in ``url``, ``error`` and ``description``
    before the description is cut short: a secret cut in two leaves no head.
    """

    def __init__(self, response: "requests.Response", method: str | None = None,
                 secrets: Iterable[str | None] = ()):
        self.response = response
        self.code: int = response.status_code
        self.method: str = method or response.request.method or "?"
        known = _request_secrets(response, secrets)
        self.url: str = _scrubbed(redact_url(response.url), known)
        self.error, self.description = _error_fields(response, known)
        message = f"{self.method} {self.url} -> {self.code} {self.error}"
        message = f"{message}: {self.description}" if self.description else message
        note = getattr(response, "_restish_note", None)  # what the client knows more (login.renew)
        super().__init__(f"{message}; {note}" if note else message)


class ClientError(RequestError):
    """4xx."""


class ServerError(RequestError):
    """5xx."""


class BadRequest(ClientError): """400."""
class Unauthorized(ClientError): """401."""
class Forbidden(ClientError): """403."""
class NotFound(ClientError): """404."""
class Conflict(ClientError): """409."""
class PreconditionFailed(ClientError): """412."""
class TooManyRequests(ClientError): """429."""
class InternalServerError(ServerError): """500."""
class BadGateway(ServerError): """502."""
class ServiceUnavailable(ServerError): """503."""
class GatewayTimeout(ServerError): """504."""


_BY_STATUS: dict[int, type[RequestError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
    412: PreconditionFailed, 429: TooManyRequests, 500: InternalServerError,
    502: BadGateway, 503: ServiceUnavailable, 504: GatewayTimeout,
}


def _rebuilt(cls: type, args: tuple, state: dict) -> RestishError:
    """An error unpickled: its class, its message, its attributes; ``__init__`` is not run again."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    if issubclass(cls, RequestError):
        error.response = None  # not pickled: see RestishError
    return error


def error_for_response(response: "requests.Response", method: str | None = None,
                       secrets: Iterable[str | None] = ()) -> RequestError:
    """The typed error for a 4xx/5xx response; ``secrets`` as for :class:`RequestError`."""
    status = response.status_code
    cls = _BY_STATUS.get(status) or (ClientError if status < 500 else ServerError)
    return cls(response, method, secrets)


def _error_fields(response: "requests.Response", secrets: frozenset[str]) -> tuple[str, str]:
    """``(error, description)`` from the body's shape (see :mod:`restish.problems`), ``secrets`` masked.

    A JSON body's description keeps every message up to ``_LIMIT`` characters;
    any other body gives a ``_SNIPPET`` of its text.
    """
    reason = response.reason or f"HTTP {response.status_code}"
    body = json_or_none(response)
    if isinstance(body, (dict, list)):
        return (_scrubbed(problems.error_name(body, reason), secrets),
                _short(problems.describe(body), secrets, _LIMIT))
    return _scrubbed(reason, secrets), _short(response.text if response.content else "", secrets)


def _request_secrets(response: "requests.Response", more: Iterable[str | None]) -> frozenset[str]:
    """Every spelling of the secrets the request carried (auth headers, secret fields) and of ``more``.

    Those found in the request have a length floor (:func:`restish.redact.secret_values`);
    ``more`` are secrets the caller named, masked whatever their length.
    """
    found = set(filter(None, more))
    request = getattr(response, "request", None)
    if request is not None and hasattr(request, "headers"):
        found |= secret_values(request)
    return spelled(frozenset(found)) if found else frozenset()


def _scrubbed(text: str, secrets: frozenset[str]) -> str:
    """``text`` with ``secrets`` (spellings already) masked."""
    if not secrets:
        return text
    return scrub(text, secrets)


def json_or_none(response: "requests.Response") -> Any:
    """The body parsed as JSON, whatever its Content-Type; None when it is not JSON."""
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _short(text: str, secrets: frozenset[str], limit: int = _SNIPPET) -> str:
    """``text`` on one line, ``secrets`` masked, then cut to ``limit`` characters.

    Masking comes first: a secret the cut fell inside would no longer match.
    """
    text = _scrubbed(" ".join(text.split()), secrets)  # spellings include whitespace made one space
    return text if len(text) <= limit else text[: limit - 1] + "…"
