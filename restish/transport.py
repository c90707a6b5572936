"""Sending a prepared request: per-origin environment settings, transport errors.

``requests.Session.request`` re-reads proxy variables, the CA bundle variables
and ``~/.netrc`` on every call; that is about a third of its cost. restish
resolves them once per origin and reuses the result while the environment
variables they come from stay the same, so a changed ``HTTPS_PROXY`` still
takes effect on the next call.
"""
from __future__ import annotations

import os
import re
import threading
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.utils import get_netrc_auth

from .errors import TransportError
from .redact import redact_text

_ENV_NAMES = tuple(
    name for base in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    for name in (base, base.upper())
) + ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NETRC", "HOME")
_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>: ")


class EnvironmentCache:
    """``Session.merge_environment_settings`` and netrc auth, memoised per origin."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple, tuple[dict, Any]] = {}

    def settings(self, session: requests.Session, url: str, verify: Any) -> tuple[dict, Any]:
        """``(send kwargs, netrc auth or None)`` for ``url``'s origin."""
        key = (_origin(url), verify, session.trust_env, tuple(session.proxies.items()),
               session.verify, session.cert, _environment_fingerprint() if session.trust_env else None)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._resolve(session, url, verify)
            with self._lock:
                if len(self._entries) > 256:  # origins are few; bound it anyway
                    self._entries.clear()
                self._entries[key] = entry
        return entry

    @staticmethod
    def _resolve(session: requests.Session, url: str, verify: Any) -> tuple[dict, Any]:
        settings = session.merge_environment_settings(url, {}, None, verify, None)
        netrc = get_netrc_auth(url) if session.trust_env else None
        return settings, netrc


def mount_adapters(session: requests.Session, retries: Any, pool_size: int = 10) -> None:
    """Mount restish's HTTP(S) adapters: pooled connections, ``pool_size`` per host."""
    for prefix in ("http://", "https://"):
        session.mount(prefix, requests.adapters.HTTPAdapter(pool_connections=10, pool_maxsize=pool_size))


def _origin(url: str) -> str:
    # scheme://host:port is all that proxies, no_proxy and netrc depend on.
    end = url.find("/", url.find("//") + 2)
    return url if end < 0 else url[:end]


def _environment_fingerprint() -> tuple:
    get = os.environ.get
    return tuple(get(name) for name in _ENV_NAMES)


def send(session: requests.Session, prepared: requests.PreparedRequest, settings: dict,
         timeout: Any, stream: bool) -> requests.Response:
    """``session.send`` with environment settings given, errors converted."""
    try:
        return session.send(
            prepared, timeout=timeout, stream=stream, allow_redirects=True,
            proxies=settings["proxies"], verify=settings["verify"], cert=settings["cert"],
        )
    except requests.RequestException as exc:
        raise TransportError(prepared.method or "?", prepared.url or "?", describe(exc)) from exc


def describe(exc: BaseException) -> str:
    """A one-line cause for a transport failure, secrets masked."""
    if isinstance(exc, requests.ConnectTimeout):
        kind = "connect timeout"
    elif isinstance(exc, requests.Timeout):
        kind = "read timeout"
    elif isinstance(exc, requests.exceptions.SSLError):
        kind = "TLS error"
    elif isinstance(exc, requests.TooManyRedirects):
        return f"too many redirects: {exc}"
    elif isinstance(exc, requests.ConnectionError):
        kind = "connection failed"
    else:
        kind = type(exc).__name__
    return f"{kind}: {redact_text(_innermost(exc))}"


def _innermost(exc: BaseException) -> str:
    """The root reason, without urllib3's pool and object reprs."""
    reason: Any = exc.args[0] if exc.args else exc
    while getattr(reason, "reason", None) is not None:
        reason = reason.reason
    text = str(reason)
    text = _OBJECT_REPR.sub("", text)
    match = re.search(r"\(Caused by \w+\((.*)\)\)$", text)
    return (match.group(1) if match else text).strip("'\" ")


def origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with default ports filled in; for redirect checks."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port
