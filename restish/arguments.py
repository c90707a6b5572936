"""A Client's arguments checked when it is built: a wrong type or value is an InvalidValue there.

Without these checks ``auth="token"``, ``headers=[...]``, ``session="s"`` or
``timeout=float('inf')`` were accepted and failed at the first call with a raw
``TypeError`` (or never: an unbounded wait), and ``verify=""``, ``0`` or
``()`` silently turned TLS checking off. Each check names the argument and
what it accepts, never a secret value.
"""
from __future__ import annotations

import os
from typing import Any, Mapping

import requests

from .errors import InvalidValue
from .headers import check_headers

__all__ = ["check_verify", "check_auth", "check_headers_argument", "check_session", "check_callable",
           "check_expand", "check_ca_bundle"]


def check_verify(verify: Any) -> Any:
    """``verify`` as given: None (not given), True, False, or an existing CA bundle file or directory.

    Anything else (``""``, ``0``, ``"false"``, ``[]``, a missing path) is an
    InvalidValue: TLS checking is never switched off by accident.
    """
    if verify is None or verify is True or verify is False:
        return verify
    if isinstance(verify, (str, os.PathLike)) and os.fspath(verify):
        path = os.fspath(verify)
        if not isinstance(path, str):
            path = os.fsdecode(path)
        check_ca_bundle(path, "Client(verify=...)")
        return path
    raise InvalidValue(f"Client(verify=...) must be True, False or the path of a CA bundle file or "
                       f"directory, not {verify!r}: TLS checking is not switched off by accident")


def check_ca_bundle(path: str, where: str) -> None:
    """InvalidValue unless ``path`` is a CA bundle file or directory that exists."""
    if not os.path.exists(path):
        raise InvalidValue(f"{where}: the CA bundle {path!r} does not exist")


def check_auth(auth: Any) -> None:
    """None, a requests auth (a callable such as any ``AuthBase``) or a ``(user, password)`` pair."""
    if auth is None or callable(auth):
        return
    if isinstance(auth, tuple) and len(auth) == 2 and all(isinstance(part, (str, bytes)) for part in auth):
        return  # requests' Basic shorthand
    hint = " (a token? use restish.auth.Bearer(token))" if isinstance(auth, (str, bytes)) else ""
    raise InvalidValue(f"Client(auth=...) must be a requests auth object or a (user, password) "
                       f"pair, not a {type(auth).__name__}{hint} (value not shown)")


def check_headers_argument(headers: Any) -> None:
    """None or a mapping of header names to values that HTTP can carry (None removes one)."""
    if headers is None:
        return
    if not isinstance(headers, Mapping):
        raise InvalidValue(f"Client(headers=...) must be a mapping of names to values, "
                           f"not a {type(headers).__name__} (value not shown)")
    check_headers(headers, "Client(headers=...)")


def check_session(session: Any) -> None:
    if session is not None and not isinstance(session, requests.Session):
        raise InvalidValue(f"Client(session=...) must be a requests.Session, not a {type(session).__name__}")


def check_callable(value: Any, name: str) -> None:
    if value is not None and not callable(value):
        raise InvalidValue(f"Client({name}=...) must be callable or None, not a {type(value).__name__}")


def check_expand(expand: Any) -> None:
    if expand is not None and not isinstance(expand, bool):
        raise InvalidValue(f"Client(expand=...) must be True, False or None (nest as the map knows), "
                           f"not {expand!r}")
