"""A small OAuth2 token server with protected resources, as a WSGI app for the auth tests.

- ``POST /token``: form ``grant_type=password`` (``username``, ``password``,
  optional ``scope``) or ``grant_type=refresh_token``; answers
  ``{"access_token", "token_type"[, "refresh_token"]}`` or 400 ``invalid_grant``.
  ``mode`` makes it misbehave: ``"html"`` answers a 200 HTML page, ``"500"`` a
  server error, ``"echo-form"`` a 500 text echoing the raw form (URL-encoded),
  ``"echo-json"`` a 500 text echoing the form as JSON, ``"echo-400"`` a 400
  ``invalid_grant`` whose description echoes the raw form, ``"echo-long"`` a 500
  text of padding then the raw form (cut short in error messages), ``"bad-token"``
  a 200 whose access token holds a line break.
  Refresh tokens hold ``/``, ``+`` and ``=``, so their URL-encoded form differs.
- ``GET /info``: ``{"max.oauth_server": <its own URL>}``.
- ``POST /share`` (protected): a new access token for the caller in a link, a 201
  whose ``Location`` is ``<url>/info?access_token=<it>`` and whose
  ``Content-Location`` is ``<url>/info#access_token=<it>``.
- ``GET /authorize?redirect_uri=U&state=S`` (protected): the OAuth implicit grant,
  a 302 to ``U#access_token=<a new access token>&token_type=bearer&state=S``.
- anything else: protected; a valid token (``X-Oauth-Token`` or
  ``Authorization: Bearer``) gets 200 ``{"user", "method", "path", "body"}``,
  anything else 401.

Every request is recorded in ``requests`` as ``(method, path, headers, form)``.
"""
from __future__ import annotations

import itertools
import json
import threading
from urllib.parse import parse_qs


class TokenApp:
    def __init__(self, users: dict[str, str] | None = None, refresh: bool = False) -> None:
        self.users = users if users is not None else {"alice": "s3cret-pw"}
        self.refresh = refresh           # issue refresh tokens?
        self.mode = "json"
        self.raw_form = ""               # the last /token body, as sent (the echo modes send it back)
        self.pad = 0                     # echo-long: characters before the echoed form
        self.url = ""                    # set once served; /info names it
        self.tokens: dict[str, str] = {}   # live access token -> user
        self.refresh_tokens: dict[str, str] = {}
        self.requests: list[tuple[str, str, dict, dict]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # -- test controls -------------------------------------------------

    def expire(self) -> None:
        """Every access token stops working (refresh tokens still do)."""
        with self._lock:
            self.tokens.clear()

    def revoke_refresh(self) -> None:
        with self._lock:
            self.refresh_tokens.clear()

    def grants(self) -> list[str]:
        """The grant types asked for at /token, in order."""
        return [form.get("grant_type", "") for method, path, _, form in self.requests if path == "/token"]

    def hits(self, path: str) -> int:
        return sum(1 for _, p, _, _ in self.requests if p == path)

    # -- WSGI -----------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        size = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(size) if size else b""
        headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
        form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()} if path == "/token" else {}
        if path == "/token":
            self.raw_form = raw.decode()
        with self._lock:
            self.requests.append((method, path, headers, form))
        more: list[tuple[str, str]] = []
        if path == "/token":
            status, body, ctype = self._token(form)
        elif path == "/info":
            status, body, ctype = "200 OK", {"max.oauth_server": self.url}, "application/json"
        elif path == "/expire-all" and method == "POST":  # expire() and revoke_refresh() for another process
            self.expire()
            self.revoke_refresh()
            status, body, ctype = "200 OK", {}, "application/json"
        else:
            status, body, ctype = self._protected(method, path, headers, raw)
            if status.startswith("200") and path in ("/share", "/authorize"):
                status, more = self._token_link(path, body["user"], parse_qs(environ.get("QUERY_STRING", "")))
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(data))), *more])
        return [data]

    def _token_link(self, path: str, user: str, query: dict) -> tuple[str, list[tuple[str, str]]]:
        """``/share`` and ``/authorize``: a new token for ``user`` in the Location header(s)."""
        with self._lock:
            token = f"access-{next(self._ids)}-{user}"
            self.tokens[token] = user
        if path == "/share":
            return "201 Created", [("Location", f"{self.url}/info?access_token={token}"),
                                   ("Content-Location", f"{self.url}/info#access_token={token}")]
        back, state = query.get("redirect_uri", [f"{self.url}/info"])[-1], query.get("state", [""])[-1]
        return "302 Found", [("Location", f"{back}#access_token={token}&token_type=bearer&state={state}")]

    def _token(self, form: dict):
        if self.mode == "html":
            return "200 OK", "<html><body>Sign in</body></html>", "text/html; charset=utf-8"
        if self.mode == "500":
            return "500 Internal Server Error", "Traceback (most recent call last): ...", "text/plain"
        if self.mode == "echo-form":
            return "500 Internal Server Error", f"cannot parse {self.raw_form}", "text/plain"
        if self.mode == "echo-json":
            return "500 Internal Server Error", f"cannot parse {json.dumps(form)}", "text/plain"
        if self.mode == "echo-400":
            return ("400 Bad Request", {"error": "invalid_grant", "error_description": f"bad request: {self.raw_form}"},
                    "application/json")
        if self.mode == "echo-long":
            return "500 Internal Server Error", "x" * self.pad + self.raw_form, "text/plain"
        if self.mode == "bad-token":
            return "200 OK", {"access_token": "tok\nen", "token_type": "bearer"}, "application/json"
        with self._lock:
            user = self._grant_user(form)
            if user is None:
                return ("400 Bad Request", {"error": "invalid_grant", "error_description": "Bad credentials"},
                        "application/json")
            n = next(self._ids)
            answer = {"access_token": f"access-{n}-{user}", "token_type": "bearer"}
            self.tokens[answer["access_token"]] = user
            if self.refresh:
                answer["refresh_token"] = f"refresh-{n}-{user}/r+t="
                self.refresh_tokens[answer["refresh_token"]] = user
        return "200 OK", answer, "application/json"

    def _grant_user(self, form: dict) -> str | None:
        if form.get("grant_type") == "password":
            user = form.get("username", "")
            return user if user in self.users and self.users[user] == form.get("password") else None
        if form.get("grant_type") == "refresh_token":
            return self.refresh_tokens.pop(form.get("refresh_token", ""), None)
        return None

    def _protected(self, method: str, path: str, headers: dict, raw: bytes):
        bearer = headers.get("Authorization", "")
        token = headers.get("X-Oauth-Token") or (bearer[7:] if bearer.startswith("Bearer ") else "")
        with self._lock:
            user = self.tokens.get(token)
        if user is None:
            return ("401 Unauthorized", {"error": "InvalidOAuthCredentials", "error_description": "Invalid token"},
                    "application/json")
        return "200 OK", {"user": user, "method": method, "path": path, "body": raw.decode()}, "application/json"
