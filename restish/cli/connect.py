"""The Client a command line asks for: URL, map, auth, headers, timeout, retries, TLS, session."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..headers import header_problem
from .common import UsageError
from .sessions import Session

__all__ = ["make_client", "map_kwargs", "base_url", "DRY_RUN_TOKEN", "DRY_RUN_PASSWORD"]

DRY_RUN_TOKEN = "<token from --login>"  # what --dry-run --login signs with; shown as *** anyway
DRY_RUN_PASSWORD = "<password>"


def base_url(args: argparse.Namespace) -> str | None:
    """--url, else RESTISH_URL, else None."""
    return getattr(args, "url", None) or os.environ.get("RESTISH_URL") or None


def make_client(args: argparse.Namespace, url: str | None = None, permissive: bool = False,
                env_credentials: bool = True, session: Session | None = None,
                trailing_slash: bool = False) -> Any:
    """The Client for ``args`` at ``url`` (default: --url / RESTISH_URL), logged in with --login.

    ``permissive``: no map (a full URL outside the base URL); ``trailing_slash``: the
    path ends with "/" in permissive mode (a map's templates keep their own). ``env_credentials``
    False leaves RESTISH_TOKEN / RESTISH_USER out (they belong to RESTISH_URL).
    A ``session`` gives its cookies and kept token, and is told of new tokens.
    With --dry-run nothing is sent, login included: the client holds the auth login
    would install (MaxOAuth headers, or a Bearer), with a placeholder token. Raises UsageError.
    """
    url = url or base_url(args)
    if not url:
        raise UsageError("no URL: give --url URL or set RESTISH_URL")
    token_url = getattr(args, "token_url", None)
    if token_url and not args.login:
        raise UsageError("--token-url is where --login gets its token: give --login too")
    user, token = _credentials(args, env_credentials)
    from ..client import Client  # the call path is the one that pays for requests
    kwargs = map_kwargs(args)
    if permissive:
        kwargs["resources"] = None
    if trailing_slash and "resources" in kwargs and kwargs["resources"] is None:
        kwargs["trailing_slash"] = True
    auth = None if args.login else _auth(args, user, token)
    if session is not None and auth is None and not args.login:
        auth = session.stored_auth()
    if session is not None and token:
        session.told(token)
    client = Client(url, auth=auth, headers=_headers(args.header), on_token=session.told if session else None,
                    **kwargs, **_transport_kwargs(args))
    if session is not None:
        session.load_cookies(client.session.cookies)
    if args.login:
        _login(client, args, user, token_url, session)
    return client


def map_kwargs(args: argparse.Namespace) -> dict:
    """Client's ``resources`` / ``defaults`` from --resources, --no-map, --defaults."""
    kwargs: dict[str, Any] = {}
    if getattr(args, "no_map", False):
        kwargs["resources"] = None
    elif args.resources:
        kwargs["resources"] = args.resources
    if getattr(args, "defaults", None):
        kwargs["defaults"] = args.defaults
    return kwargs


def _transport_kwargs(args: argparse.Namespace) -> dict:
    """``timeout``, ``retries`` and ``verify`` from --timeout, --retries, --verify (when given)."""
    kwargs: dict[str, Any] = {}
    if getattr(args, "timeout", None) is not None:
        kwargs["timeout"] = args.timeout
    if getattr(args, "retries", None) is not None:
        kwargs["retries"] = args.retries
    if getattr(args, "verify", None) is not None:
        kwargs["verify"] = args.verify
    return kwargs


def _credentials(args: argparse.Namespace, env: bool) -> tuple[str | None, str | None]:
    user, token = args.user, args.token
    if env:
        user = user or os.environ.get("RESTISH_USER")
        token = token or os.environ.get("RESTISH_TOKEN")
    return user, token


def _login(client: Any, args: argparse.Namespace, user: str | None, token_url: str | None,
           session: Session | None) -> None:
    """--login: the password grant as --user (or RESTISH_USER), or its stand-in for --dry-run."""
    if not user:
        raise UsageError("--login needs --user NAME[:PASSWORD] or RESTISH_USER")
    name, sep, password = user.partition(":")
    if getattr(args, "dry_run", False):
        from ..login import token_auth
        client.auth = token_auth(client, DRY_RUN_TOKEN, name)  # the kind login would install
        return
    # Asked here, as for Basic auth, so that "no terminal to ask" is the same usage error (exit 2).
    token = client.login(name, password if sep else _ask_password(name), token_url=token_url)
    if session is not None:
        session.told(token)


def _headers(specs: list[str]) -> dict[str, str]:
    """-H 'Name: value' options as a dict. Raises UsageError for a header HTTP cannot carry,
    naming it without its value (it may be a key)."""
    headers = {}
    for spec in specs:
        name, found, value = spec.partition(":")
        if not found or not name.strip():
            raise UsageError(f"malformed -H {spec!r}: use 'Name: value'")
        name, value = name.strip(), value.strip()
        problem = header_problem(name, value)
        if problem:
            raise UsageError(f"bad -H: {problem}")
        headers[name] = value
    return headers


def _auth(args: argparse.Namespace, user: str | None, token: str | None) -> Any:
    """--token / --user as an auth object, or None.

    A token alone is a Bearer token; a token and a user are MAX OAuth headers;
    a user alone is Basic auth, its password asked on a terminal when not given.
    """
    from ..auth import credentials
    # --dry-run shows the password as *** in any case: no need to ask for it.
    ask = (lambda name: DRY_RUN_PASSWORD) if getattr(args, "dry_run", False) else _ask_password
    return credentials(user, token, ask)


def _ask_password(name: str) -> str:
    """The password, asked with getpass, as Client.login does: only on a terminal."""
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(f"--user {name!r} has no password and stdin is not a terminal to ask for it: "
                         f"use --user {name}:PASSWORD")
    import getpass
    return getpass.getpass(f"Password for {name}: ")
