"""Auth kinds (Basic, Bearer, Headers, MaxOAuth) and signing a prepared request with them.

The auth classes are ``requests.auth.AuthBase`` subclasses, so they work with
plain requests too; any other ``AuthBase`` works with restish. None of their
reprs shows a secret. Logging in and renewing tokens is :mod:`restish.login`.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from .errors import InvalidValue
from .headers import check_headers, header_problem
from .redact import MASK, note_auth_headers, redact_url

__all__ = ["Basic", "Bearer", "Headers", "MaxOAuth", "credentials", "sign"]


class Basic(HTTPBasicAuth):
    """HTTP Basic auth: ``Authorization: Basic base64(user:password)``.

    Raises ``InvalidValue`` (naming neither credential) when one has characters
    outside Latin-1, which requests encodes them in. Base64 carries anything else.
    """

    def __init__(self, user: str, password: str) -> None:
        try:
            for credential in (user, password):
                if isinstance(credential, str):
                    credential.encode("latin-1")
        except UnicodeEncodeError:  # from None: the UnicodeEncodeError holds the credential
            raise InvalidValue(f"{_kind(self)} auth: {_NOT_LATIN1}") from None
        super().__init__(user, password)

    def __repr__(self) -> str:
        return f"<Basic {self.username} password={MASK}>"


class Bearer(AuthBase):
    """``Authorization: Bearer <token>``.

    Raises ``InvalidValue`` (naming the header, not the token) when the token
    cannot travel in a header; so does setting ``token`` later.
    """

    def __init__(self, token: str) -> None:
        self.token = token

    @property
    def token(self) -> str:
        return self._token

    @token.setter
    def token(self, token: str) -> None:
        # Checked here, once, rather than at every call: sign() trusts restish's own auth.
        if not isinstance(token, str):  # "Bearer None" would pass as a header, and mean nothing
            raise InvalidValue(f"{_kind(self)} auth: header 'Authorization': the token must be a str, "
                               f"not {type(token).__name__} (value not shown)")
        _check_fixed(self, {"Authorization": f"Bearer {token}"})
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def with_token(self, token: str, username: str) -> "Bearer":
        """The same kind of auth with a new token (used by login and renewal)."""
        return Bearer(token)

    def __repr__(self) -> str:
        return f"<Bearer {MASK}>"


class Headers(AuthBase):
    """Fixed headers sent with every request, e.g. ``Headers({'X-Api-Key': key})``.

    Raises ``InvalidValue`` (naming the header, not its value) when one cannot
    be sent: a bad name, a line break, a character outside Latin-1.
    """

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = dict(headers)
        _check_fixed(self, self._headers)  # once, here: sign() trusts restish's own auth

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(self._headers)
        return request

    def with_token(self, token: str, username: str) -> "MaxOAuth":
        """These headers plus MaxOAuth's with ``token`` (used by login and renewal):
        a login keeps a tenant or API key header rather than dropping it."""
        return MaxOAuth(username, token, headers=self._headers)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} " + " ".join(f"{name}={MASK}" for name in self._headers) + ">"


class MaxOAuth(Headers):
    """MAX's OAuth headers: ``X-Oauth-Token``, ``X-Oauth-Username``, ``X-Oauth-Scope``.

    ``headers`` are more fixed headers sent along (what a ``Headers`` auth held
    before ``login()``); they survive token renewal.
    """

    DEFAULT_SCOPE = "widgetcli"

    def __init__(self, username: str, token: str, scope: str = DEFAULT_SCOPE,
                 headers: Mapping[str, str] | None = None) -> None:
        self.username, self.scope = username, scope
        self.extra_headers = dict(headers or {})
        super().__init__({**self.extra_headers, "X-Oauth-Token": token, "X-Oauth-Username": username,
                          "X-Oauth-Scope": scope})

    def with_token(self, token: str, username: str) -> "MaxOAuth":
        """The same kind of auth with a new token (used by login and renewal)."""
        return MaxOAuth(username, token, self.scope, self.extra_headers)

    def __repr__(self) -> str:
        extra = "".join(f" {name}={MASK}" for name in self.extra_headers)
        return f"<MaxOAuth {self.username} scope={self.scope} token={MASK}{extra}>"


def credentials(user: str | None, token: str | None,
                ask_password: Callable[[str], str]) -> AuthBase | None:
    """The auth the restish command and ``RESTISH_*`` settings build from a user and a token.

    A token alone is a Bearer token; a token and a user are MAX OAuth headers;
    ``user`` as ``name:password`` is Basic auth, and a bare name gets its
    password from ``ask_password(name)``. Neither given: None.
    """
    if not (token or user):
        return None
    name, sep, password = (user or "").partition(":")
    if token:
        return MaxOAuth(name, token) if name else Bearer(token)
    return Basic(name, password if sep else ask_password(name))


# -- applying auth to a request -------------------------------------------


def sign(prepared: requests.PreparedRequest, auth: Any, url: str) -> None:
    """Apply ``auth`` to ``prepared`` and note which headers it set or changed.

    The note is what lets any ``AuthBase``, not only restish's, be dropped
    from a redirect that leaves the origin and masked in logs and curl lines.
    Raises ``InvalidValue``, naming the auth kind and the header but never its
    value, when auth sets a value HTTP cannot carry (a line break, a character
    outside Latin-1): requests checks headers before auth runs, and http.client
    would put the whole value, secret and all, in its error. restish's own auth
    classes checked their values when built, so only other auth is checked here.
    """
    before = prepared.headers.copy()
    try:
        prepared.prepare_auth(auth, url)
    except UnicodeError:  # requests' Basic auth (a tuple, say) encodes user and password as Latin-1
        # from None: the UnicodeError holds the credential.
        raise InvalidValue(f"{_where(prepared, url)}: {_kind(auth)} auth: {_NOT_LATIN1}") from None
    changed = {name: value for name, value in prepared.headers.items() if before.get(name) != value}
    if type(auth) not in _CHECKED_WHEN_BUILT:
        check_headers(changed, f"{_where(prepared, url)}: {_kind(auth)} auth")
    note_auth_headers(prepared, changed)


_NOT_LATIN1 = "a credential has characters outside Latin-1, which HTTP auth cannot carry (not shown)"
# Exact types: a subclass may set other headers in its own __call__.
_CHECKED_WHEN_BUILT = frozenset({Basic, Bearer, Headers, MaxOAuth})


def _check_fixed(auth: AuthBase, headers: Mapping[str, str]) -> None:
    """Raise ``InvalidValue`` naming the auth kind and the first header of ``headers`` that
    cannot be sent (never its value).

    Unlike ``Client(headers=)``, where None removes a header, None is no value for
    auth: it is a missing credential (``MaxOAuth(None, token)``), so it is refused too.
    """
    for name, value in headers.items():
        problem = header_problem(name, value)
        if problem:
            raise InvalidValue(f"{_kind(auth)} auth: {problem}")


def _where(prepared: requests.PreparedRequest, url: str) -> str:
    return f"{prepared.method or '?'} {redact_url(url)}"


def _kind(auth: Any) -> str:
    """The auth's kind for a message: its class name (a requests tuple is Basic)."""
    return "Basic" if isinstance(auth, tuple) else type(auth).__name__
