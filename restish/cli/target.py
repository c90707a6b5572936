"""Where PATH points: a path under the base URL (through the map), or a full URL, with its ``?query``.

A full URL under the base URL is resolved through the map like a path; any
other full URL is its own origin, called in permissive mode (no map). Each
path segment is percent-decoded once, as a browser or curl user wrote it, and
encoded again by the client as one segment.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..redact import redact_url
from .common import UsageError
from .items import add_query

__all__ = ["Target", "resolve", "navigate", "is_full_url"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass
class Target:
    """What PATH names: the client's base URL, the segments below it, and the query it carries."""

    base: str
    segments: list[str]
    query: dict[str, Any] = field(default_factory=dict)
    foreign: bool = False    # a full URL not under the base URL (or with none): permissive mode
    elsewhere: bool = False  # ... and a base URL was configured: its credentials stay home
    trailing_slash: bool = False


def is_full_url(path: str) -> bool:
    return path.lower().startswith(("http://", "https://"))


def resolve(path: str, base: str | None) -> Target:
    """The :class:`Target` of PATH against ``base`` (None: PATH must be a full URL).

    Raises UsageError when there is no base URL for a relative PATH.
    """
    if is_full_url(path):
        parts = urlsplit(path)
        if base and _under(parts, base):
            below = parts.path[len(urlsplit(base).path.rstrip("/")):]
            return _target(base, below, parts.query)
        return _target(f"{parts.scheme}://{parts.netloc}", parts.path, parts.query, foreign=True,
                       elsewhere=bool(base))
    if not base:
        raise UsageError("no URL: give --url URL, set RESTISH_URL, or make PATH a full URL (http://...)")
    below, _, query = path.partition("?")
    return _target(base, below, query)


def navigate(client: Any, target: Target) -> Any:
    """The proxy for ``target`` (``client[seg][seg]...``), so the map checks every segment.

    The client itself stands for the base URL (PATH ``/``): its verbs are the root's.
    """
    resource = client
    for segment in target.segments:
        resource = resource[segment]
    return resource


def _target(base: str, below: str, query: str, foreign: bool = False, elsewhere: bool = False) -> Target:
    segments = [unquote(segment) for segment in below.split("/") if segment]
    target = Target(base, segments, foreign=foreign, elsewhere=elsewhere, trailing_slash=bool(segments) and below.endswith("/"))
    for key, value in parse_qsl(query, keep_blank_values=True):
        add_query(target.query, key, value)
    return target


def _under(parts: Any, base: str) -> bool:
    """Whether the URL ``parts`` is the base URL or below it (same scheme, host, port, path prefix)."""
    home = urlsplit(base)
    if _origin(parts) != _origin(home):
        return False
    prefix = home.path.rstrip("/")
    return parts.path.rstrip("/") == prefix or parts.path.startswith(prefix + "/")


def _origin(parts: Any) -> tuple:
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError as exc:  # a port that is not a number
        raise UsageError(f"bad URL {redact_url(parts.geturl())!r}: {exc}") from exc
    return parts.scheme.lower(), (parts.hostname or "").lower(), port
