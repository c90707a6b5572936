"""Logging in (OAuth2 password grant) and renewing the token after a 401.

``Client.login`` runs the password grant and installs the token. The client
then keeps what it needs to renew the token on a 401: the refresh token when
the server issued one (the password is forgotten then), else the password. It
lives in memory only, in a :class:`TokenGrant` whose repr shows neither.

The client is reached through :class:`Account`, the little this module needs
of it: its URL, its auth (replaced by a token-carrying one), ``on_token``, the
grant, whether it uses the bundled MAX map, the token URL its OpenAPI document
names, and ``_side_request`` (a request outside the map and without auth).

The token endpoint is, in this order: ``token_url=``; the OAuth2 password
flow's ``tokenUrl`` of the client's OpenAPI document; the MAX ``GET /info``
convention; plone.restapi's ``@login``. That one is not an OAuth2 form grant
but a JSON login answered with a JWT: :class:`JWTGrant` speaks it, and
renews the JWT through ``@login-renew`` before its ``exp``
(:func:`renew_if_due`, called before each call), since an expired one cannot
be renewed.
"""
from __future__ import annotations

import base64
import json
import logging
import sys
import threading
import time
from typing import Any, Callable, Iterable, Protocol
from urllib.parse import urljoin, urlsplit

import requests
from requests.exceptions import UnrewindableBodyError
from requests.utils import rewind_body

from .auth import Bearer, Headers, MaxOAuth, sign
from .errors import InvalidValue, LoginError, RestishError, TransportError, error_for_response, json_or_none
from .headers import header_problem
from .redact import auth_headers, redact_url, scrub, spelled
from .transport import origin_of

__all__ = ["Account", "TokenGrant", "JWTGrant", "LoginUnreachable", "login", "new_grant", "renew", "renew_if_due",
           "find_token_url", "discover_token_url", "token_auth", "scrub_secrets"]

_log = logging.getLogger("restish.auth")  # the logger these messages always had
_HINT = "; give the token URL: login(token_url=...) or restish --token-url URL"


class Account(Protocol):
    """What login and renewal need of a client."""

    url: str
    auth: Any
    on_token: Callable[[str], Any] | None
    _grant: "TokenGrant | JWTGrant | None"
    _bundled_map: bool                  # a token for a client without auth goes in MaxOAuth headers
    _document_token_url: str | None     # the OpenAPI password flow's tokenUrl, as written

    def _side_request(self, method: str, url: str, form: Any = None, *,
                      json: Any = None, bearer: str | None = None) -> requests.Response: ...


# -- tokens -----------------------------------------------------------------


class TokenGrant:
    """How a logged-in client gets a new token: the token URL, and a refresh token or the password."""

    def __init__(self, token_url: str, username: str, password: str, scope: str | None) -> None:
        self.token_url, self.username, self.scope = token_url, username, scope
        self._password: str | None = password
        self._refresh_token: str | None = None
        self._token: str | None = None  # the last access token, scrubbed from messages too
        self.lock = threading.Lock()  # one renewal at a time per client

    def fetch(self, client: "Account", action: str) -> str:
        """A new access token from the token endpoint. Raises ``LoginError``."""
        if self._refresh_token:
            form = {"grant_type": "refresh_token", "refresh_token": self._refresh_token}
        else:
            form = {"grant_type": "password", "username": self.username, "password": self._password or ""}
        if self.scope:
            form["scope"] = self.scope
        secrets = [self._password, self._refresh_token, self._token]  # the form's secret fields among them
        answer = _token_answer(client, self.token_url, form, f"{action} as {self.username!r}", secrets)
        if answer.get("refresh_token"):
            # A refresh token renews from now on: the password need not stay in memory.
            self._refresh_token, self._password = str(answer["refresh_token"]), None
        self._token = answer["access_token"]
        return self._token

    def __repr__(self) -> str:
        return f"<TokenGrant {self.username} at {redact_url(self.token_url)}>"


class LoginUnreachable(LoginError, TransportError):
    """Login got no answer from the token endpoint or ``/info`` (refused, timeout...).

    A ``LoginError`` and a ``TransportError`` both: the command exits 3, as for
    any call that got no answer.
    """

    def __init__(self, message: str, method: str, url: str) -> None:
        self.method, self.url = method, redact_url(url)
        RestishError.__init__(self, message)


def _token_answer(client: "Account", url: str, form: dict | None, what: str, secrets: list[str | None],
                  key: str = "access_token", not_found: str | None = None, **send: Any) -> dict:
    """The token endpoint's JSON answer, holding a str at ``key``. Raises ``LoginError``
    naming the server and the user, with every one of ``secrets`` (the grant's: password,
    tokens) scrubbed, whatever its length (a server may echo the form it was sent).
    ``not_found``: the message's end for a 404 or 405 (no such endpoint there).
    ``send``: ``json=`` or ``bearer=`` for :meth:`Account._side_request`."""
    where = f"{what} at {redact_url(url)}"
    failure = None
    try:
        response = client._side_request("POST", url, form, **send)
    except TransportError as exc:
        failure = scrub_secrets(f"{where} failed: {exc}", secrets)
    if failure is not None:
        # Raised outside the except block: ``from None`` hides the chained error, but
        # ``__context__`` would still hold it, and through it the request: the form,
        # password included.
        raise LoginUnreachable(failure, "POST", url)
    if response.status_code in (404, 405) and not_found:
        raise LoginError(f"{where} failed: {response.status_code}; {not_found}") from None
    if response.status_code >= 400:
        # The error masks the secrets before it cuts the description short.
        error = error_for_response(response, "POST", secrets)
        verdict = "refused" if response.status_code < 500 else "failed"
        raise LoginError(f"{where} {verdict}: {error.code} {error.error}: {error.description}") from None
    answer = json_or_none(response)
    if not isinstance(answer, dict) or not isinstance(answer.get(key), str):
        kind = response.headers.get("Content-Type") or "no Content-Type"
        raise LoginError(f"{where} failed: the token endpoint answered {response.status_code} "
                         f"with {kind}, not a JSON object holding a {key}") from None
    if header_problem("Authorization", answer[key]):  # so renewal never fails to sign
        raise LoginError(f"{where} failed: the token endpoint answered an access_token that cannot "
                         f"be sent in an HTTP header (a line break, or characters outside Latin-1)")
    return answer


def scrub_secrets(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every spelling (see :func:`restish.redact.secret_spellings`) of every secret masked.

    No length floor: these are secrets the caller names (a short password is
    still a password), not values harvested from a request as in
    :func:`restish.redact.secret_values`. Scrub before cutting ``text`` short.
    """
    return scrub(text, spelled(frozenset(filter(None, secrets))))


# -- login ------------------------------------------------------------------


def login(client: "Account", username: str | None = None, password: str | None = None,
          token_url: str | None = None) -> str:
    """OAuth2 password grant: install the token on ``client`` and return it.

    Raises ``LoginError``: refused, token endpoint not found or broken, or a
    missing username/password with no terminal to ask for it; its subclass
    ``LoginUnreachable`` (also a ``TransportError``) when no answer came.
    No message holds the password, the refresh token or the access token, in
    any spelling a server might echo them in.
    """
    url = _endpoint(client, token_url or find_token_url(client))
    _check_scheme(client, url)
    if username is None:
        username = _ask(input, "Username: ", "username", url)
    if password is None:
        import getpass  # only an interactive login needs it
        password = _ask(getpass.getpass, f"Password for {username}: ", "password", url)
    _check_username(client, username, url)  # before the password leaves for the token endpoint
    grant = new_grant(url, username, password, _scope_for(client))
    token = grant.fetch(client, "login")
    _install(client, token, username, grant)  # before _grant: a failure here leaves the client as it was
    client._grant = grant
    return token


def _endpoint(client: "Account", url: Any) -> str:
    """``url`` read against the API's URL, as OpenAPI reads a relative ``tokenUrl``. Raises
    LoginError for what is no http(s) URL requests can send to (its own error would escape)."""
    try:
        absolute = urljoin(client.url + "/", url)
        if urlsplit(absolute).scheme.lower() in ("http", "https"):
            origin_of(absolute)  # reads the port: a bad one raises ValueError
            requests.PreparedRequest().prepare_url(absolute, None)  # its InvalidURL is a ValueError
            return absolute
    except (TypeError, ValueError):
        pass
    shown = redact_url(url)[:200] if isinstance(url, str) else type(url).__name__
    raise LoginError(f"login: the token endpoint {shown!r} is not an http(s) URL restish can send to")


def _check_scheme(client: "Account", url: str) -> None:
    """LoginError when an https API's token endpoint is plain http: the password would travel in clear."""
    if client.url.lower().startswith("https://") and url.lower().startswith("http://"):
        raise LoginError(f"login at {redact_url(url)}: the token endpoint is plain http while the API "
                         f"is https; restish does not send the password in clear")


def _check_username(client: "Account", username: Any, url: str) -> None:
    """Raise ``InvalidValue`` when the MaxOAuth headers login would install cannot carry
    ``username`` (a line break, a character outside Latin-1, not a str). Another kind of
    auth (Bearer...) gets the user name through its own ``with_token``: not checked here."""
    if _installs_max_oauth(client):
        problem = header_problem("X-Oauth-Username", username)
        if problem:
            raise InvalidValue(f"login at {redact_url(url)}: MaxOAuth auth: {problem}")


def find_token_url(client: "Account") -> str:
    """The token endpoint when ``token_url=`` is not given: the client's OpenAPI document's
    password flow ``tokenUrl`` (relative to the API's URL, as OpenAPI reads it), else MAX's
    ``/info``, else plone.restapi's ``<url>/@login`` (a site without /info may be a Plone site)."""
    documented = client._document_token_url
    if documented:
        return _endpoint(client, documented)
    try:
        return discover_token_url(client)
    except LoginUnreachable:
        raise
    except LoginError:
        return f"{client.url}/{PLONE_LOGIN}"


def discover_token_url(client: "Account") -> str:
    """The MAX convention: ``GET /info`` names ``max.oauth_server``; the token URL is ``<it>/token``."""
    info_url = f"{client.url}/info"
    hint = _HINT
    try:
        response = client._side_request("GET", info_url)
    except TransportError as exc:
        raise LoginUnreachable(f"cannot find the token endpoint: {exc}{hint}", "GET", info_url) from None
    info = json_or_none(response) if response.status_code < 400 else None
    server = None
    if isinstance(info, dict):
        nested = info.get("max")
        server = info.get("max.oauth_server") or (nested.get("oauth_server") if isinstance(nested, dict) else None)
    if not isinstance(server, str) or not server:
        raise LoginError(f"cannot find the token endpoint: GET {redact_url(info_url)} -> "
                         f"{response.status_code}, no max.oauth_server in the answer{hint}")
    return urljoin(response.url, server).rstrip("/") + "/token"


def _ask(prompt: Callable[[str], str], text: str, what: str, url: str) -> str:
    if sys.stdin is None or not sys.stdin.isatty():
        raise LoginError(f"login at {redact_url(url)}: no {what} given, "
                         "and no terminal to ask for it (stdin is not a TTY)")
    return prompt(text)


def _installs_max_oauth(client: "Account") -> bool:
    """Will the token travel in MaxOAuth headers? With ``Headers`` or ``MaxOAuth`` auth, or
    without a token-carrying auth on a client of the bundled (MAX) map; else as a Bearer."""
    auth = client.auth
    return isinstance(auth, Headers) or (getattr(auth, "with_token", None) is None and client._bundled_map)


def _scope_for(client: "Account") -> str | None:
    """The scope to ask for: the one of the MaxOAuth headers the token will travel in."""
    if isinstance(client.auth, MaxOAuth):
        return client.auth.scope
    return MaxOAuth.DEFAULT_SCOPE if _installs_max_oauth(client) else None


def token_auth(client: "Account", token: str, username: str) -> Any:
    """The auth carrying ``token``: the client's own kind (its ``with_token``: a ``Headers``
    auth keeps its headers beside MaxOAuth's), else MaxOAuth headers with the bundled map
    and ``Authorization: Bearer`` otherwise (OAuth2's ``token_type: bearer``)."""
    with_token = getattr(client.auth, "with_token", None)
    if with_token is not None:
        return with_token(token, username)
    return MaxOAuth(username, token) if client._bundled_map else Bearer(token)


def _install(client: "Account", token: str, username: str, grant: Any = None) -> None:
    """Put the token in the client's auth (see :func:`token_auth`; a Plone JWT is always
    a Bearer); tell ``on_token``."""
    client.auth = Bearer(token) if isinstance(grant, JWTGrant) else token_auth(client, token, username)
    if client.on_token is not None:
        client.on_token(token)


# -- renewal ----------------------------------------------------------------


def renew(client: "Account", prepared: requests.PreparedRequest, response: requests.Response) -> bool:
    """After a 401: get a new token and sign ``prepared`` again for one more try.

    No token is fetched when the client's current auth would sign the request
    differently: another thread renewed it meanwhile. Returns False, so that
    the 401 surfaces, when the client cannot renew (no login), the 401 came
    from another origin after a redirect, the body cannot be sent again, or
    the token endpoint refuses (logged at WARNING); no exception escapes.

    A refused renewal (the server forgot the refresh token, the password
    changed) asks for the password again on a terminal; in a script the 401
    surfaces and its message says to call ``login()`` again.
    """
    grant: TokenGrant | None = client._grant
    if grant is None or origin_of(response.url) != origin_of(prepared.url or "") or not _rewind(prepared):
        return False
    with grant.lock:
        if not _signs_differently(client.auth, prepared):
            try:
                token = grant.fetch(client, "token renewal")
            except LoginError as exc:
                _log.warning("%s; the 401 stands", exc)
                token = _login_again(client, grant, exc, response)
                if token is None:
                    return False
            _install(client, token, grant.username, grant)
    sign(prepared, client.auth, prepared.url or "")
    return True


def _login_again(client: "Account", grant: TokenGrant, refused: LoginError,
                 response: requests.Response) -> str | None:
    """After a refused renewal: a new token from the password asked on a terminal, else None,
    the 401's message then saying to call ``login()`` again (``_restish_note``, read by
    :class:`restish.errors.RequestError`)."""
    note = f"the token could not be renewed ({refused}); call login() again"
    if not isinstance(refused, LoginUnreachable) and sys.stdin is not None and sys.stdin.isatty():
        import getpass  # only an interactive session needs it
        password = getpass.getpass(f"The session of {grant.username} has ended; password: ")
        again = new_grant(grant.token_url, grant.username, password, grant.scope)
        try:
            token = again.fetch(client, "login")
        except LoginError as exc:
            note = f"the token could not be renewed ({exc}); call login() again"
        else:
            client._grant = again  # renewals go on from this login
            return token
    response._restish_note = note  # type: ignore[attr-defined]
    return None


def _signs_differently(auth: Any, prepared: requests.PreparedRequest) -> bool:
    """Would ``auth`` put other credentials on ``prepared`` than it carries now?"""
    fresh = prepared.copy()
    sign(fresh, auth, fresh.url or "")
    names = auth_headers(prepared) | auth_headers(fresh)
    return any(prepared.headers.get(name) != fresh.headers.get(name) for name in names)


def _rewind(prepared: requests.PreparedRequest) -> bool:
    """Make the body readable again; False when it is a stream that cannot be rewound."""
    body = prepared.body
    if body is None or isinstance(body, (bytes, str)):
        return True
    if not isinstance(getattr(prepared, "_body_position", None), int):
        return False
    try:
        rewind_body(prepared)
    except UnrewindableBodyError:  # e.g. an upload from a pipe, already read
        return False
    return True


# -- plone.restapi's JWT login -----------------------------------------------

PLONE_LOGIN = "@login"


def new_grant(url: str, username: str, password: str, scope: str | None) -> "TokenGrant | JWTGrant":
    """The grant that speaks the token endpoint at ``url``: plone.restapi's ``@login`` or OAuth2's."""
    if url.rstrip("/").endswith("/" + PLONE_LOGIN):
        return JWTGrant(url.rstrip("/"), username, password)
    return TokenGrant(url, username, password, scope)


class JWTGrant:
    """plone.restapi's login: ``POST @login {"login", "password"}`` answers ``{"token": JWT}``,
    sent as a Bearer. The JWT is renewed through ``@login-renew`` shortly before its ``exp``
    (see :meth:`due`): an expired JWT cannot be renewed, so then, or when the renewal is
    refused, the grant logs in again with the password, which it keeps in memory for that.
    """

    MARGIN = 60.0  # renew this many seconds before exp, or a tenth of the JWT's life if longer
    scope = None  # no OAuth2 scope: read by code that handles both grants

    def __init__(self, login_url: str, username: str, password: str) -> None:
        self.token_url, self.username = login_url, username
        self.renew_url = login_url[: -len(PLONE_LOGIN)] + "@login-renew"
        self._password = password
        self._token: str | None = None
        self._renew_at = self._expires_at = float("inf")  # time.monotonic() values
        self.lock = threading.Lock()  # one renewal at a time per client

    def due(self) -> bool:
        """True when the token expires within the margin: renew before the next call."""
        return time.monotonic() >= self._renew_at

    def fetch(self, client: "Account", action: str) -> str:
        """A new JWT: renewed while the current one is valid, else from the password."""
        secrets = [self._password, self._token]
        if self._token is not None and time.monotonic() < self._expires_at:
            try:
                return self._keep(_token_answer(client, self.renew_url, None, f"{action} of {self.username!r}",
                                                secrets, "token", bearer=self._token))
            except LoginUnreachable:
                raise
            except LoginError as exc:
                _log.info("%s; logging in again", exc)
        body = {"login": self.username, "password": self._password}
        return self._keep(_token_answer(client, self.token_url, None, f"{action} as {self.username!r}",
                                        secrets, "token", not_found=f"neither MAX's /info nor plone.restapi's "
                                        f"@login answers here{_HINT}", json=body))

    def _keep(self, answer: dict) -> str:
        self._token = answer["token"]
        life = _seconds_left(self._token)
        now = time.monotonic()
        if life is None:  # no exp: renewed after a 401 only
            self._renew_at = self._expires_at = float("inf")
        else:
            self._expires_at = now + life
            self._renew_at = self._expires_at - max(self.MARGIN, life / 10)
        return self._token

    def __repr__(self) -> str:
        return f"<JWTGrant {self.username} at {redact_url(self.token_url)}>"


def renew_if_due(client: "Account", prepared: requests.PreparedRequest) -> None:
    """Before a call: renew a JWT that expires soon and sign ``prepared`` with the new one.

    Only for a request to the login's own origin; a refused renewal is logged
    at WARNING and the call goes out with the old token (a 401 then renews
    through :func:`renew`). No exception but ``LoginUnreachable`` escapes.
    """
    grant = client._grant
    if not isinstance(grant, JWTGrant) or not grant.due():
        return
    if origin_of(prepared.url or "") != origin_of(grant.token_url):
        return  # the token is for the login's origin only
    with grant.lock:
        if grant.due():  # not renewed by another thread meanwhile
            try:
                token = grant.fetch(client, "token renewal")
            except LoginUnreachable:
                raise
            except LoginError as exc:
                _log.warning("%s; sending with the old token", exc)
                return
            _install(client, token, grant.username, grant)
    sign(prepared, client.auth, prepared.url or "")


def _seconds_left(token: str) -> float | None:
    """Seconds until the JWT's ``exp`` by this machine's clock, or None without one.

    The payload is read, not verified: only the server can verify it, and
    restish only needs to know when to renew.
    """
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = claims["exp"]
    except (IndexError, ValueError, KeyError, TypeError):
        return None
    return float(exp) - time.time() if isinstance(exp, (int, float)) else None
