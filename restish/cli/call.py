"""``restish METHOD PATH [items]``: command-line arguments -> one client call."""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ..headers import header_problem
# payloads is light: json, re and urllib.parse, which the command loads already.
from ..payloads import QUERY_VERBS
from . import OK, VERBS, UsageError, output

__all__ = ["run_call", "build_kwargs", "parse_item"]


def run_call(args: argparse.Namespace) -> int:
    """Make the call ``args`` describe and print its result. Returns the exit code;
    raises RestishError (UsageError for bad input) for main() to report."""
    method = args.method.upper()
    if method not in VERBS:
        raise UsageError(f"unknown METHOD {args.method!r}: use one of {' '.join(VERBS)}")
    kwargs = build_kwargs(args)
    client = make_client(args)
    resource = navigate(client, args.path)
    if args.dry_run:  # make_client did not log in: nothing at all is sent
        print(output.curl_line(resource.prepare(method, **kwargs)))
        return OK
    if args.file and sys.stderr.isatty():
        kwargs["progress"] = output.ProgressBar(sys.stderr)
    try:
        result = getattr(resource, method.lower())(**kwargs)
    finally:
        if args.verbose:
            output.show_exchange(client.last_response, sys.stderr)
    output.show_result(result, client.last_response, args.raw, sys.stdout)
    return OK


def make_client(args: argparse.Namespace) -> Any:
    """The Client for ``args``: URL, map, auth, headers; logged in with --login.

    With --dry-run nothing is sent, login included: the client holds the
    auth login would install (MaxOAuth headers, or a Bearer), with a placeholder token (curl
    lines show auth values as ``***`` anyway). Raises UsageError without a
    URL, for --login without a user, or a password to ask with no terminal.
    """
    url = args.url or os.environ.get("RESTISH_URL")
    if not url:
        raise UsageError("no URL: give --url URL or set RESTISH_URL")
    token_url = getattr(args, "token_url", None)
    if token_url and not args.login:
        raise UsageError("--token-url is where --login gets its token: give --login too")
    from ..client import Client  # the call path is the one that pays for requests
    client = Client(url, auth=_auth(args), headers=_headers(args.header), **map_kwargs(args))
    if args.login:
        _login(client, args, token_url)
    return client


def _login(client: Any, args: argparse.Namespace, token_url: str | None) -> None:
    """--login: the password grant as --user (or RESTISH_USER), or its stand-in for --dry-run."""
    user = args.user or os.environ.get("RESTISH_USER")
    if not user:
        raise UsageError("--login needs --user NAME[:PASSWORD] or RESTISH_USER")
    name, sep, password = user.partition(":")
    if getattr(args, "dry_run", False):
        from ..login import token_auth
        client.auth = token_auth(client, DRY_RUN_TOKEN, name)  # the kind login would install
        return
    # Asked here, as for Basic auth, so that "no terminal to ask" is the same usage error (exit 2).
    client.login(name, password if sep else _ask_password(name), token_url=token_url)


DRY_RUN_TOKEN = "<token from --login>"  # what --dry-run --login signs with; shown as *** anyway


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


def navigate(client: Any, path: str) -> Any:
    """``client[seg][seg]...`` for PATH, so the map checks every segment (UnknownResource)."""
    resource = client._root  # PATH '/' is the base URL itself
    for segment in (s for s in path.split("/") if s):
        resource = resource[segment]
    return resource


def build_kwargs(args: argparse.Namespace) -> dict:
    """The verb's kwargs from items, --qs, --file and --data. Raises UsageError."""
    kwargs = dict(parse_item(item) for item in args.items)
    if args.data is not None and kwargs and args.method.upper() not in QUERY_VERBS:
        # --data is the whole body: body items would be dropped silently (httpie refuses too).
        raise UsageError(f"--data sends exactly that body, so it cannot go with key=value items "
                         f"({', '.join(sorted(kwargs))}): put them in the JSON, or use --qs for the query")
    if args.qs:
        kwargs["qs"] = _query(args.qs)
    for spec in args.file:
        field, path = _pair(spec, "=", "--file", "FIELD=PATH")
        kwargs["upload_file" if field == "file" else f"upload_file_{field}"] = path
    if args.data is not None:
        kwargs["data"] = _data(args.data)
    return kwargs


def parse_item(item: str) -> tuple[str, Any]:
    """``key=value`` -> (key, 'value'); ``key:=json`` -> (key, decoded JSON). Raises UsageError."""
    key, sep, value = item.partition("=")
    if not sep or not key or key == ":":
        raise UsageError(f"malformed item {item!r}: use key=value or key:=json")
    if key.endswith(":"):
        return key[:-1], _json(value, f"item {key[:-1]!r}")
    return key, value


def _query(specs: list[str]) -> dict[str, Any]:
    """--qs k=v items; a repeated key collects a list (sent as a repeated parameter)."""
    query: dict[str, Any] = {}
    for spec in specs:
        key, value = _pair(spec, "=", "--qs", "K=V")
        if key in query:
            previous = query[key]
            query[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            query[key] = value
    return query


def _data(text: str) -> Any:
    """--data JSON or @file holding JSON: dict/list go as JSON, other JSON text as is."""
    where = "--data"
    if text.startswith("@"):
        where = f"--data file {text[1:]!r}"
        try:
            with open(text[1:], encoding="utf-8") as file:
                text = file.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {where}: {getattr(exc, 'strerror', None) or exc}") from exc
    value = _json(text, where)
    return value if isinstance(value, (dict, list)) else text


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"invalid JSON in {where}: {exc}") from exc


def _pair(spec: str, sep: str, option: str, form: str) -> tuple[str, str]:
    """``spec`` split at the first ``sep``; UsageError when the key is missing."""
    key, found, value = spec.partition(sep)
    if not found or not key.strip():
        raise UsageError(f"malformed {option} {spec!r}: use {form}")
    return key, value


def _headers(specs: list[str]) -> dict[str, str]:
    """-H 'Name: value' options as a dict. Raises UsageError for a header HTTP cannot carry,
    naming it without its value (it may be a key)."""
    headers = {}
    for spec in specs:
        name, value = (part.strip() for part in _pair(spec, ":", "-H", "'Name: value'"))
        problem = header_problem(name, value)
        if problem:
            raise UsageError(f"bad -H: {problem}")
        headers[name] = value
    return headers


def _auth(args: argparse.Namespace) -> Any:
    """--token / --user (or RESTISH_TOKEN / RESTISH_USER) as an auth object, or None.

    A token alone is a Bearer token; a token and a user are MAX OAuth headers;
    a user alone is Basic auth, its password asked on a terminal when not given.
    """
    if args.login:
        return None
    from ..auth import credentials
    # --dry-run shows the password as *** in any case: no need to ask for it.
    ask = (lambda name: DRY_RUN_PASSWORD) if getattr(args, "dry_run", False) else _ask_password
    return credentials(args.user or os.environ.get("RESTISH_USER"),
                       args.token or os.environ.get("RESTISH_TOKEN"), ask)


DRY_RUN_PASSWORD = "<password>"


def _ask_password(name: str) -> str:
    """The password, asked with getpass, as Client.login does: only on a terminal."""
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(f"--user {name!r} has no password and stdin is not a terminal to ask for it: "
                         f"use --user {name}:PASSWORD")
    import getpass
    return getpass.getpass(f"Password for {name}: ")
