"""``--session NAME``: cookies and the login token kept per host between calls.

A session lives in ``$XDG_CONFIG_HOME/restish/sessions/<host>_<port>/<NAME>.json``
(``~/.config`` without XDG_CONFIG_HOME), in a directory only the user can
enter, written whole under a temporary name with mode 0600 and renamed. It
holds the cookies the server set and the token of ``--login`` or ``--token``
(with the user name MAX headers need), never a password: Basic auth is not kept.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from .common import UsageError

__all__ = ["Session", "config_dir", "session_path"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def config_dir() -> str:
    """The user's restish configuration directory: XDG_CONFIG_HOME (or ~/.config) / restish;
    on Windows, %APPDATA% / restish."""
    base = os.environ.get("XDG_CONFIG_HOME") or (os.name == "nt" and os.environ.get("APPDATA")) \
        or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "restish")


def session_path(name: str, url: str) -> str:
    """Where session ``name`` for the host of ``url`` is kept. Raises UsageError for a bad name."""
    if not _NAME.fullmatch(name):
        raise UsageError(f"--session {name!r}: a session name is letters, digits, '_', '.' and '-' "
                         f"(not starting with '.' or '-')")
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower(), 0)
    host = re.sub(r"[^A-Za-z0-9.-]", "_", (parts.hostname or "").lower())
    return os.path.join(config_dir(), "sessions", f"{host}_{port}", f"{name}.json")


class Session:
    """One named session: loaded into a client before the call, saved after it."""

    def __init__(self, name: str, url: str) -> None:
        self.path = session_path(name, url)
        self.token: str | None = None  # the newest token: login, renewal (on_token), --token
        self._stored = self._load()

    def _load(self) -> dict:
        try:
            with open(self.path, encoding="utf-8") as file:
                stored = json.load(file)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise UsageError(f"--session: cannot read {self.path!r}: {getattr(exc, 'strerror', None) or exc}") from exc
        return stored if isinstance(stored, dict) else {}

    def stored_auth(self) -> Any:
        """The auth kept by an earlier call (a restish.auth Bearer or MaxOAuth), or None."""
        auth = self._stored.get("auth")
        if not isinstance(auth, dict) or not isinstance(auth.get("token"), str):
            return None
        from .. import auth as kinds
        self.token = auth["token"]
        if auth.get("kind") == "maxoauth" and isinstance(auth.get("username"), str):
            return kinds.MaxOAuth(auth["username"], auth["token"], auth.get("scope") or kinds.MaxOAuth.DEFAULT_SCOPE)
        return kinds.Bearer(auth["token"])

    def load_cookies(self, jar: Any) -> None:
        """Put the kept cookies in ``jar`` (a client's ``session.cookies``)."""
        from requests.cookies import create_cookie
        for cookie in self._stored.get("cookies") or []:
            if isinstance(cookie, dict) and {"name", "value"} <= cookie.keys():
                jar.set_cookie(create_cookie(**{k: cookie[k] for k in _COOKIE_FIELDS if k in cookie}))

    def told(self, token: str) -> None:
        """``on_token``: a new token (login, renewal) is the one to keep."""
        self.token = token

    def save(self, client: Any) -> None:
        """Write the client's cookies and token (if its auth holds one) to the session file."""
        data: dict[str, Any] = {"cookies": [{k: getattr(c, k) for k in _COOKIE_FIELDS}
                                            for c in client.session.cookies]}
        auth = self._auth_record(client.auth)
        if auth:
            data["auth"] = auth
        _write_private(self.path, json.dumps(data, indent=2).encode("utf-8"))

    def _auth_record(self, auth: Any) -> dict | None:
        from .. import auth as kinds
        if self.token is None:
            return None
        if isinstance(auth, kinds.MaxOAuth):
            return {"kind": "maxoauth", "username": auth.username, "scope": auth.scope, "token": self.token}
        if isinstance(auth, kinds.Bearer):
            return {"kind": "bearer", "token": self.token}
        return None  # Basic (a password) or anything else: never kept


_COOKIE_FIELDS = ("name", "value", "domain", "path", "secure", "expires")


def _write_private(path: str, data: bytes) -> None:
    """``data`` to ``path`` readable by the user only, replacing it whole (never half written)."""
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        temp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}")
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
    except OSError as exc:
        raise UsageError(f"--session: cannot write {path!r}: {exc.strerror or exc}") from exc
