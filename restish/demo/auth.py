"""The public endpoints (``/info``, ``/token``) and the check every other route makes.

MAX delegates login to an OAuth2 server named by ``GET /info`` as
``max.oauth_server``; the demo is its own OAuth server. ``POST /token`` grants
tokens for any username with the password ``demo`` (password grant) and
renews them (refresh_token grant). Other routes want the headers
``X-Oauth-Token``, ``X-Oauth-Username`` and ``X-Oauth-Scope`` (or
``Authorization: Bearer <token>``), else 401.
"""
from __future__ import annotations

import hmac
import itertools
import math
import secrets
import time
from typing import Any

from .http import BadRequest, MaxError, Request, Response, Unauthorized, json_response
from .routing import view
from .store import Grant, Store

DEMO_PASSWORD = "demo"
DEFAULT_SCOPE = "widgetcli"
VERSION = "5.1-restish-demo"
CHALLENGE = [("WWW-Authenticate", 'MaxOAuth realm="restish demo"')]


class OAuthError(MaxError):
    """RFC 6749 section 5.2 errors: 400 with ``error`` among its codes."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description, headers=[("Cache-Control", "no-store")])
        self.error = error


@view("GET", "/info", public=True)
def info(req: Request, store: Store) -> Response:
    return json_response({"max.oauth_server": req.base_url, "max.server_id": "restish-demo",
                          "version": VERSION})


@view("POST", "/token", public=True)
def token(req: Request, store: Store) -> Response:
    try:
        form = req.form()
    except BadRequest as exc:
        raise OAuthError("invalid_request", exc.description) from None
    grant_type = form.get("grant_type")
    if grant_type == "password":
        return _issue(store, _password_grant(form), req.settings)
    if grant_type == "refresh_token":
        refresh = form.get("refresh_token", "")
        if refresh not in store.refresh_tokens:
            raise OAuthError("invalid_grant", "Unknown refresh token")
        return _issue(store, store.refresh_tokens[refresh], req.settings, refresh)
    raise OAuthError("unsupported_grant_type", f"grant_type must be password or refresh_token, not {grant_type!r}")


def _password_grant(form: dict) -> Grant:
    username, password = form.get("username", ""), form.get("password", "")
    if not username.strip():
        raise OAuthError("invalid_request", "Missing username")
    if not hmac.compare_digest(password.encode("utf-8"), DEMO_PASSWORD.encode("utf-8")):
        raise OAuthError("invalid_grant", "Invalid username or password (the demo password is 'demo')")
    return Grant(username, form.get("scope") or DEFAULT_SCOPE, math.inf)


def _issue(store: Store, grant: Grant, settings: Any, refresh: str | None = None) -> Response:
    """A new access token; a refresh grant keeps its refresh token.

    Logins must not grow the store without bound: expired access tokens are
    dropped, and past ``settings.max_tokens`` of either kind the oldest go.
    """
    access, ttl = secrets.token_hex(20), settings.token_ttl
    if refresh is None:
        refresh = secrets.token_hex(20)
        store.refresh_tokens[refresh] = grant
        _keep_newest(store.refresh_tokens, settings.max_tokens)
    moment = time.monotonic()
    for expired in [key for key, old in store.tokens.items() if old.expires <= moment]:
        del store.tokens[expired]
    store.tokens[access] = Grant(grant.username, grant.scope, moment + ttl)
    _keep_newest(store.tokens, settings.max_tokens)
    body = {"access_token": access, "token_type": "bearer", "expires_in": int(ttl),
            "refresh_token": refresh, "scope": grant.scope}
    return json_response(body, headers=[("Cache-Control", "no-store"), ("Pragma", "no-cache")])


def _keep_newest(tokens: dict, most: int) -> None:
    """Forget the oldest entries (dicts keep insertion order) until at most ``most`` are left."""
    for oldest in list(itertools.islice(tokens, max(0, len(tokens) - most))):
        del tokens[oldest]


def authenticate(req: Request, store: Store) -> str:
    """The username the request's token was issued to; Unauthorized otherwise."""
    token, username = req.header("X-Oauth-Token"), req.header("X-Oauth-Username")
    bearer = req.header("Authorization")
    if not token and bearer[:7].lower() == "bearer ":
        token = bearer[7:].strip()
        username = username or _owner(store, token)
    elif not (token and username and req.header("X-Oauth-Scope")):
        raise Unauthorized("Missing X-Oauth-Token, X-Oauth-Username or X-Oauth-Scope header",
                           headers=CHALLENGE)
    grant = store.tokens.get(token)
    if grant is None or grant.expires <= time.monotonic():
        store.tokens.pop(token, None)
        raise Unauthorized("Invalid or expired token", headers=CHALLENGE)
    if grant.username != username:
        raise Unauthorized(f"The token was not issued to {username}", headers=CHALLENGE)
    return username


def _owner(store: Store, token: str) -> str:
    grant = store.tokens.get(token)
    return grant.username if grant else ""
