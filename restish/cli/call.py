"""``restish METHOD PATH [ITEM ...]``: the command line -> one call (or a listing, or a
download), its answer printed."""
from __future__ import annotations

import argparse
import difflib
import sys
from typing import Any, Sequence

from ..errors import RequestError, RestishError, TransportError
from .common import OK, VERBS, UsageError
from .connect import base_url, make_client
from .exchange import parts_to_print, show_exchange, show_request, show_retries
from .items import Items, parse_items
from .target import Target, navigate, resolve

__all__ = ["run_call", "words"]


def run_call(args: argparse.Namespace, subcommands: Sequence[str] = ()) -> int:
    """Make the call ``args`` describe and print its result. Returns the exit code;
    raises RestishError (UsageError for bad input) for main() to report."""
    method, path, items = words(args.words, subcommands)
    letters = parts_to_print(args.print, args.verbose)
    _check_modes(args, method)
    target = resolve(path, base_url(args))
    from .request import build_kwargs  # items and stdin -> the verb's kwargs
    kwargs = build_kwargs(args, method, _all_items(items, args), target)
    session = _session(args, target)
    client = make_client(args, target.base, permissive=target.foreign, env_credentials=not target.elsewhere,
                         session=session, trailing_slash=target.trailing_slash)
    resource = navigate(client, target)
    if args.dry_run:  # make_client did not log in: nothing at all is sent
        from ..curl import to_curl
        print(to_curl(resource.prepare(method, **kwargs)))
        return OK
    stop_showing = show_retries(sys.stderr) if args.verbose else None
    try:
        return _send(args, client, resource, method, kwargs, letters)
    finally:
        if stop_showing is not None:
            stop_showing()
        if session is not None and client.last_response is not None:
            session.save(client)


def words(given: list[str], subcommands: Sequence[str] = ()) -> tuple[str, str, list[str]]:
    """METHOD, PATH and the items; a UsageError that names what is missing."""
    if not given:
        raise UsageError("missing METHOD and PATH, e.g. restish GET people (see restish --help)")
    method = given[0].upper()
    if method not in VERBS:
        close = difflib.get_close_matches(given[0], subcommands, n=1)
        hint = f"; did you mean the subcommand 'restish {close[0]}'?" if close else ""
        if len(given) == 1 and not close:
            raise UsageError(f"missing METHOD before {given[0]!r} (one of {' '.join(VERBS)}), "
                             f"e.g. restish GET {given[0]}")
        raise UsageError(f"unknown METHOD {given[0]!r}: use one of {' '.join(VERBS)}{hint}")
    if len(given) == 1:
        raise UsageError(f"missing PATH after {method}, e.g. restish {method} people (see restish --help)")
    return method, given[1], given[2:]


def _check_modes(args: argparse.Namespace, method: str) -> None:
    if args.all and method != "GET":
        raise UsageError(f"--all follows the pages of a GET listing, not of a {method}")
    if args.all and (args.download or args.output):
        raise UsageError("--all prints items one a line; it cannot go with --download / -o")


def _all_items(items: list[str], args: argparse.Namespace) -> Items:
    """The items, with the older spellings --qs K=V and --file FIELD=PATH as K==V and FIELD@PATH."""
    spelled = list(items)
    for spec in args.qs:
        key, found, value = spec.partition("=")
        if not found or not key.strip():
            raise UsageError(f"malformed --qs {spec!r}: use K=V")
        spelled.append(f"{_escape(key)}=={value}")
    for spec in args.file:
        key, found, value = spec.partition("=")
        if not found or not key.strip():
            raise UsageError(f"malformed --file {spec!r}: use FIELD=PATH")
        spelled.append(f"{_escape(key)}@{value}")
    return parse_items(spelled)


def _escape(key: str) -> str:
    return "".join("\\" + char if char in "=:@;\\" else char for char in key)


def _session(args: argparse.Namespace, target: Target) -> Any:
    if not args.session:
        return None
    from .sessions import Session
    return Session(args.session, target.base)


def _send(args: argparse.Namespace, client: Any, resource: Any, method: str, kwargs: dict, letters: str) -> int:
    """Send and print. The exchange goes to stdout with -p, to stderr with -v alone."""
    exchange_out = sys.stdout if args.print is not None else sys.stderr
    try:
        if args.all:
            return _listing(resource, kwargs)
        if args.download or args.output:
            from .download import download
            verb = getattr(resource, method.lower())
            download(lambda **more: verb(**kwargs, **more), args.output, lambda: client.last_response)
            show_exchange(client.last_response, letters.replace("b", ""), exchange_out)
            return OK
        result = getattr(resource, method.lower())(**_with_upload_bar(kwargs))
    except RequestError as exc:
        show_exchange(exc.response, letters, exchange_out)
        if "b" in letters and exc.response is not None:
            from .output import show_response_body
            show_response_body(exc.response, args.raw, sys.stdout)
        raise
    except TransportError:
        _show_attempt(resource, method, kwargs, letters, exchange_out)
        raise
    from .output import show_result
    show_exchange(client.last_response, letters, exchange_out)
    if "b" in letters:
        show_result(result, client.last_response, args.raw, sys.stdout)
    return OK


def _with_upload_bar(kwargs: dict) -> dict:
    """``kwargs`` with a progress bar on stderr for an upload, when stderr is a terminal."""
    if any(key.startswith("upload_file") for key in kwargs) and sys.stderr.isatty():
        from .progress import ProgressBar
        return {**kwargs, "progress": ProgressBar(sys.stderr)}
    return kwargs


def _listing(resource: Any, kwargs: dict) -> int:
    """--all: every item of every page, one JSON line each, printed as it comes."""
    from .output import show_item
    for item in resource.iterate(**kwargs):
        show_item(item, sys.stdout)
    return OK


def _show_attempt(resource: Any, method: str, kwargs: dict, letters: str, out: Any) -> None:
    """After a transport error (no response to show): the request that was tried, for -v / -p."""
    if "H" not in letters and "B" not in letters:
        return
    if any(key.startswith("upload_file") for key in kwargs):
        return  # preparing again would open the files again; the error names the call anyway
    try:
        show_request(resource.prepare(method, **kwargs), letters, out)
    except RestishError:  # only a courtesy: the transport error is what is reported
        pass
