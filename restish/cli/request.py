"""The verb's kwargs from items, PATH's query, --data, stdin, --form and --no-expand."""
from __future__ import annotations

import argparse
import json
import os
import select
import stat
import sys
from typing import Any

from ..headers import header_problem
from ..payloads import QUERY_VERBS
from .common import UsageError
from .items import RESERVED, Items, add_query
from .target import Target

__all__ = ["build_kwargs", "STDIN_WAIT"]

STDIN_WAIT = 10.0  # seconds a piped stdin may take to start (or --timeout): nothing waits without bound
_JSON = "application/json"
_FORM = "application/x-www-form-urlencoded"  # of a body piped with --form


def build_kwargs(args: argparse.Namespace, method: str, items: Items, target: Target) -> dict:
    """The kwargs of ``resource.<method>(...)``. Raises UsageError before anything is sent."""
    query_verb = method in QUERY_VERBS
    kwargs: dict[str, Any] = {}
    query = dict(target.query)
    for key, value in items.query.items():
        for one in value if isinstance(value, list) else [value]:
            add_query(query, key, one)
    if query_verb:  # fields are the query: qs= keeps a field named like a reserved kwarg literal
        for key, value in items.fields.items():
            add_query(query, key, value)
    if query:
        kwargs["qs"] = query
    headers = _headers(items.headers)
    body = _body(args, method, items, query_verb, headers)
    kwargs.update(body)
    kwargs.update(items.files)
    if headers:
        kwargs["headers"] = headers
    if args.expand is not None:
        kwargs["expand"] = args.expand
    return kwargs


def _body(args: argparse.Namespace, method: str, items: Items, query_verb: bool, headers: dict) -> dict:
    fields = {} if query_verb else items.fields
    reserved = sorted(RESERVED.intersection(fields)) + sorted(k for k in fields if k.startswith("upload_file"))
    if reserved:
        raise UsageError(f"field {reserved[0]!r} has the name of a restish option: send it inside "
                         f"--data '{{\"{reserved[0]}\": ...}}' instead")
    if args.data is not None:
        if fields:  # --data is the whole body: body items would be dropped silently (httpie refuses too)
            raise UsageError(f"--data sends exactly that body, so it cannot go with key=value items "
                             f"({', '.join(sorted(fields))}): put them in the JSON, or use key==value for the query")
        return _data(args, headers)
    if args.form and (fields or items.files):  # urlencoded; with files, plain multipart fields
        return {"form": dict(fields)}
    if not fields and not items.files and not query_verb and not args.ignore_stdin and _stdin_piped():
        return _raw(_read_stdin(args.timeout), headers, args.form)
    return dict(fields)


def _data(args: argparse.Namespace, headers: dict) -> dict:
    """--data JSON, --data @FILE (JSON), --data @- (stdin as is)."""
    text = args.data
    if text == "@-":
        return _raw(_read_stdin(args.timeout), headers, args.form)
    where = "--data"
    if text.startswith("@"):
        where = f"--data file {text[1:]!r}"
        try:
            with open(text[1:], encoding="utf-8") as file:
                text = file.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {where}: {getattr(exc, 'strerror', None) or exc}") from exc
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"invalid JSON in {where}: {exc}") from exc
    return {"data": value if isinstance(value, (dict, list)) else text}


def _raw(body: bytes, headers: dict, form: bool) -> dict:
    """A body from stdin, sent as is: JSON's Content-Type when it is JSON (or a form's with --form)."""
    if not body:
        return {}
    if "content-type" not in {name.lower() for name in headers}:
        if form:
            headers["Content-Type"] = _FORM
        elif _is_json(body):
            headers["Content-Type"] = _JSON
    return {"data": body}


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _stdin_piped() -> bool:
    """Whether stdin is a pipe or a file (``cmd | restish``, ``restish < f``), not a terminal or /dev/null."""
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (AttributeError, OSError, ValueError):  # no stdin at all, or a replaced one
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode)


def _read_stdin(timeout: float | None) -> bytes:
    """All of stdin; UsageError when a pipe stays silent longer than the wait (no unbounded hang)."""
    wait = timeout or STDIN_WAIT
    try:
        ready, _, _ = select.select([sys.stdin], [], [], wait)
    except (OSError, ValueError):  # select() cannot watch this stdin (Windows pipes): just read
        ready = [sys.stdin]
    if not ready:
        raise UsageError(f"stdin is a pipe but nothing came in {wait:g} s: pipe a body, or pass --ignore-stdin")
    return sys.stdin.buffer.read()


def _headers(items: dict) -> dict:
    for name, value in items.items():
        problem = header_problem(name, value or "")
        if problem:
            raise UsageError(f"bad header item: {problem}")
    return dict(items)
