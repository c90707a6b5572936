"""Reading a server's error body: an error name and a description, from the common shapes.

Shapes read (section 5 of the contract), first match wins for the description's head:

- MAX / OAuth2: ``{"error": "...", "error_description": "..."}``;
- ``message`` (Kinto, GitHub, many others), ``detail`` as a string (DRF,
  FastAPI's ``HTTPException``), RFC 9457 problem details (``title``, ``detail``);
- ``{"error": {"code": ..., "message": ...}}`` (Google-style);
- a list of errors, under ``detail`` (FastAPI, pydantic: ``{loc, msg}`` items
  read as ``body.age: msg``) or ``errors`` (RFC 9457, JSON:API ``errors[].detail``,
  GitHub's ``{field, code}``), appended after the head;
- field-error objects (Django REST framework: ``{"name": ["This field may not
  be blank."]}`` reads ``name: This field may not be blank.``), nested fields
  joined with dots; a body whose every value is a list or an object is read so,
  whatever its keys (a field may be called ``status`` or ``title``).

Every error of a list is kept, joined with ``"; "``; cutting to length is the
caller's job (:mod:`restish.errors` masks secrets first). Nothing here imports
from restish.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping

__all__ = ["error_name", "describe"]

_HEADS = ("error_description", "message", "detail")
_HEAD_KEYS = frozenset(_HEADS)
_TEXT_KEYS = ("detail", "message", "msg", "description", "error_description", "title", "reason", "code")
_WHERE_KEYS = ("loc", "pointer", "source", "field", "name", "param", "parameter", "location")
# Keys of a problem body that are about the error, not fields that failed.
_PROBLEM_KEYS = _HEAD_KEYS | {"error", "errors", "title", "type", "status", "code", "errno",
                             "instance", "documentation_url", "details"}
# Keys that hold an error list or object themselves: a body with one is not DRF's field errors.
_ERROR_HOLDERS = ("error", "errors", "detail")


def error_name(body: Any, reason: str) -> str:
    """The short error name: ``error``, ``title``, a nested error's code, JSON:API's first title, else ``reason``."""
    if not isinstance(body, Mapping):
        return reason
    error = body.get("error")
    if isinstance(error, Mapping):
        return str(error.get("code") or error.get("type") or error.get("status") or reason)
    if error and isinstance(error, (str, int)):
        return str(error)
    if body.get("title") and isinstance(body["title"], str):  # a list is DRF's errors of a field 'title'
        return body["title"]
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping) and errors[0].get("title"):
        return str(errors[0]["title"])
    return reason


def describe(body: Any) -> str:
    """Every message a decoded JSON error body holds, joined with ``"; "``; ``""`` when none."""
    return "; ".join(part for part in _parts(body) if part)


def _parts(body: Any) -> Iterator[str]:
    if not isinstance(body, Mapping):
        yield from _messages(body)
        return
    if _field_errors(body):  # every key a field, even one called status, title or message
        yield from _fields(body)
        return
    head = next((body[key] for key in _HEADS if body.get(key)), None)
    error = body.get("error")
    if head is None and isinstance(error, Mapping):
        head = error.get("message") or error.get("errors")
    if head is None and body.get("title") and not body.get("errors"):
        head = body["title"]  # an RFC 9457 body with a title alone
    if head is not None:
        yield from _messages(head)
    if body.get("errors"):
        yield from _messages(body["errors"])
    if head is None and not body.get("errors"):
        yield from _fields({k: v for k, v in body.items() if k not in _PROBLEM_KEYS})


def _field_errors(body: Mapping) -> bool:
    """Is ``body`` DRF's field errors? Every value a list or an object (a problem body's
    ``status`` or ``title`` is a scalar), no key holding an error list itself, and not
    only head keys (NestJS's ``{"message": [...]}`` is a list of messages)."""
    return (not any(key in body for key in _ERROR_HOLDERS) and not body.keys() <= _HEAD_KEYS
            and all(isinstance(value, (list, tuple, Mapping)) for value in body.values()))


def _messages(value: Any, where: str = "") -> Iterator[str]:
    """Messages in a string, a list of strings or error objects, or a field-error object."""
    if isinstance(value, Mapping):
        message = _item(value)
        if message is not None:
            yield f"{where}: {message}" if where else message
        else:
            yield from _fields(value, where)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _messages(item, where)
    elif value is not None and value != "":
        yield f"{where}: {value}" if where else str(value)


def _item(error: Mapping) -> str | None:
    """One error object as ``where: text`` (pydantic's ``{loc, msg}``, JSON:API, GitHub); None if it is not one."""
    text = next((error[key] for key in _TEXT_KEYS if isinstance(error.get(key), (str, int)) and error.get(key) != ""),
                None)
    if text is None:
        return None
    where = next((_where(error[key]) for key in _WHERE_KEYS if error.get(key)), "")
    return f"{where}: {text}" if where else str(text)


def _where(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ".".join(str(part) for part in value)           # pydantic's loc
    if isinstance(value, Mapping):                              # JSON:API's source
        return str(value.get("pointer") or value.get("parameter") or value.get("header") or "")
    return str(value)


def _fields(fields: Mapping, where: str = "") -> Iterator[str]:
    """DRF-style field errors: ``{"name": ["msg"], "address": {"city": ["msg"]}}``."""
    for key, value in fields.items():
        path = f"{where}.{key}" if where else str(key)
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, Mapping) for v in value):
            for index, item in enumerate(value):   # a list of nested serializers: items.1.qty
                if item:
                    yield from _messages(item, f"{path}.{index}")
        else:
            yield from _messages(value, path)
