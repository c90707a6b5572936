"""What a pickled Client carries: its settings without a secret, and a handle to the secrets here.

A pickle is bytes that travel (to disk, to another process, into a cache),
so it holds no credential: not the auth object, the token ``login()``
installed, the password kept for renewal, a session's auth and cookies, nor
the user info of the URL. Instead it holds a random handle to the client it
was made from, which this process keeps (weakly) in :data:`_clients`:

- unpickled in this process (``copy.deepcopy``, a pickle round trip, a
  worker forked after the client was made), the handle finds the original and
  the copy gets its credentials, the current login token included;
- unpickled anywhere else, or once the original is gone, the copy has none:
  its auth is :class:`Forgotten`, which raises ``LoginError`` at the first call
  saying so, rather than sending the call unauthenticated.
"""
from __future__ import annotations

import secrets
import threading
import weakref
from typing import Any

import requests
from requests.auth import AuthBase

from .errors import LoginError
from .redact import redact_url

__all__ = ["handle_for", "original", "Forgotten"]

_clients: "weakref.WeakValueDictionary[str, Any]" = weakref.WeakValueDictionary()
_lock = threading.Lock()


def handle_for(client: Any) -> str:
    """The client's handle (made once): what its pickles carry instead of its secrets."""
    with _lock:
        handle = client.__dict__.get("_keep_handle")
        if handle is None:
            handle = client.__dict__["_keep_handle"] = secrets.token_urlsafe(16)
            _clients[handle] = client
        return handle


def original(handle: str) -> Any:
    """The client a handle was made for, if it lives in this process; else None."""
    return _clients.get(handle)


class Forgotten(AuthBase):
    """The auth of a client unpickled away from its credentials: every call raises ``LoginError``."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        raise LoginError(f"{request.method} {redact_url(request.url or '?')}: this client was unpickled where its "
                         "credentials are not (a pickle never holds them); give auth= again "
                         "or call login()")

    def __repr__(self) -> str:
        return "<Forgotten credentials>"
