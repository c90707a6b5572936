"""One call: its record (:class:`Call`), its reserved options, and how an answer body is decoded.

The record is filled by :mod:`restish.build` and read by every step after it
(uploads, the send chain, the result), so it sits below them all.
"""
from __future__ import annotations

import json
import math
from numbers import Real
from typing import TYPE_CHECKING, Any, Callable

from requests.structures import CaseInsensitiveDict

from .errors import DecodeError, InvalidValue
from .redact import redact_url

if TYPE_CHECKING:
    import requests

__all__ = ["Call", "RESERVED", "UPLOAD_PREFIX", "check_timeout", "decode", "header"]

# kwargs every verb keeps for itself: they are options, never payload or query.
RESERVED = frozenset({"data", "form", "qs", "headers", "timeout", "expand", "stream_to", "progress"})
UPLOAD_PREFIX = "upload_file"


class Call:
    """One call being made: the prepared request and its per-call options.

    A plain class with slots, not a dataclass: one is made for every call.
    """

    __slots__ = ("method", "resource", "prepared", "timeout", "stream_to", "progress", "cleanups", "settings")

    def __init__(self, method: str, resource: Any, prepared: "requests.PreparedRequest", timeout: Any,
                 stream_to: Any = None, progress: Callable[[int, int | None], Any] | None = None) -> None:
        self.method = method
        self.resource = resource  # the proxy (or exact target) called: .path names it in messages
        self.prepared = prepared
        self.timeout = timeout
        self.stream_to = stream_to
        self.progress = progress
        self.cleanups: list = []  # run when the call ends, whatever happens
        self.settings: dict = {}  # proxies, verify, cert for this origin

    def __repr__(self) -> str:
        return f"<Call {self.where}>"

    @property
    def where(self) -> str:
        """``VERB /path``, the head of every message about this call."""
        return f"{self.method} {self.resource.path}"

    def close(self) -> None:
        """Run the cleanups (close the files restish opened for an upload)."""
        for cleanup in self.cleanups:
            cleanup()


def check_timeout(timeout: Any, where: str = "") -> float | tuple:
    """A number or (connect, read) of positive, finite seconds; never unbounded.

    Raises InvalidValue, its message led by ``where`` (``"GET /path: "``).
    """
    values = timeout if isinstance(timeout, tuple) and len(timeout) == 2 else (timeout,)
    if all(isinstance(v, Real) and not isinstance(v, bool) and 0 < v < math.inf for v in values):
        return timeout
    raise InvalidValue(f"{where}timeout must be a positive number or (connect, read) of positive numbers, "
                       f"not {timeout!r}: restish never waits without bound")


def header(headers: Any, name: str, default: Any = None) -> Any:
    """``headers.get(name, default)``; requests' CaseInsensitiveDict read straight from its store
    (its ``get`` goes through the Mapping ABC and a caught KeyError)."""
    if type(headers) is CaseInsensitiveDict:
        pair = headers._store.get(name.lower())  # type: ignore[attr-defined]
        return default if pair is None else pair[1]
    return headers.get(name, default)


def decode(response: "requests.Response", method: str = "GET") -> Any:
    """A JSON body decoded; an empty body None; ``text/*`` a str; else bytes."""
    content = response.content
    if not content:
        return None
    mime = header(response.headers, "Content-Type", "").split(";", 1)[0].strip().lower()
    if mime == "application/json" or mime.endswith("+json"):
        try:
            return json.loads(content)
        except ValueError as exc:
            raise DecodeError(f"{method} {redact_url(response.url)}: body is not valid JSON although "
                              f"Content-Type says {mime}: {exc}") from exc
    if mime.startswith("text/"):
        return response.text
    return content
