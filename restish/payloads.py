"""Building what a call sends: kwargs expansion, defaults merge, query strings, bodies."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping  # not typing's: its isinstance is several times slower
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from .errors import InvalidValue

QUERY_VERBS = frozenset({"GET", "HEAD", "OPTIONS"})
BODY_VERBS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"

@dataclass(frozen=True)
class BodyShape:
    """What a map declares of one verb's request: see :func:`expand` for ``known`` and ``nest``.

    ``multipart``: fields sent as plain form fields beside an upload; ``query``:
    parameters a body verb takes in its query string (OpenAPI ``in: query``);
    ``encoding``: ``form`` or ``multipart`` for a body that cannot be JSON.
    """

    known: Mapping[str, Any] | None = None
    multipart: frozenset = frozenset()
    query: frozenset = frozenset()
    nest: bool = False
    encoding: str | None = None  # "form" or "multipart": the kwargs travel so, not as JSON


# Splits "object_content" at the first separator that has a name on both
# sides, so "_limit" and "trailing_" stay whole.
_SEPARATOR = re.compile(r"(?<=[^_.])[_.](?=[^_.])")
# A key with a dot chose dots: "object.display_name" splits on dots only.
_DOT = re.compile(r"(?<=[^.])\.(?=[^.])")


def expand(kwargs: Mapping[str, Any], known: Mapping[str, Any] | None = None, nest: bool = True) -> dict:
    """Nest ``key_subkey`` and ``key.subkey`` kwargs into dicts, as far as ``known`` says.

    ``known`` is the shape the API declares for the body: a mapping whose keys
    are declared names, each mapped to the mapping of its own declared children
    when it is an object, else to anything else (a default payload is one, and
    so is an OpenAPI schema's :func:`restish.routes` field tree). Then:

    - a key ``known`` holds, at its depth, stays whole (``first_name``);
    - ``a_b`` nests under ``a`` where ``known`` declares ``a`` as an object
      (the longest such ``a`` first), and the rest is placed below it by the same rules;
    - any other ``a_b`` nests at its first separator only when ``nest`` is true
      (the MAX convention), else stays whole;
    - a key with a dot is split on dots only, whatever ``nest`` says
      (``object.display_name`` -> ``{"object": {"display_name": ...}}``).

    ``kwargs`` and the dicts in it are not changed. Raises InvalidValue for keys that conflict.
    """
    out: dict = {}
    for key, value in kwargs.items():
        _place(out, key, value, known, nest)
    return out


def _place(target: dict, key: str, value: Any, known: Any, nest: bool) -> None:
    original = key
    dotted = "." in key
    while not (isinstance(known, Mapping) and key in known):
        split = _split(key, known, dotted, nest)
        if split is None:
            break
        head, key = split
        child = target.setdefault(head, {})
        if not isinstance(child, dict):
            raise InvalidValue(f"keyword {original!r} nests under {head!r}, which is already set to a {type(child).__name__}")
        target = child
        known = known.get(head) if isinstance(known, Mapping) else None
    existing = target.get(key)
    if isinstance(existing, dict) and isinstance(value, Mapping):
        target[key] = deep_merge(existing, plain_copy(value))
    elif isinstance(existing, dict):
        raise InvalidValue(f"keyword {original!r} would replace the nested {key!r} built from other keywords")
    elif isinstance(value, dict):
        target[key] = plain_copy(value)  # later keywords nest into it: leave the caller's dict alone
    else:
        target[key] = value


def _split(key: str, known: Any, dotted: bool, nest: bool) -> tuple[str, str] | None:
    """``(head, rest)`` where ``key`` nests next, or None when it stays whole."""
    if dotted:
        match = _DOT.search(key)
        return (key[: match.start()], key[match.end():]) if match else None
    matches = list(_SEPARATOR.finditer(key))
    if isinstance(known, Mapping):
        for match in reversed(matches):  # the longest declared object first: a_b_c under a_b
            head = key[: match.start()]
            if isinstance(known.get(head), Mapping):
                return head, key[match.end():]
    if nest and matches:
        return key[: matches[0].start()], key[matches[0].end():]
    return None


def known_shape(*shapes: Any) -> Mapping[str, Any] | None:
    """The union of declared shapes (default payloads, field trees); None when none is a mapping."""
    mappings = [shape for shape in shapes if isinstance(shape, Mapping)]
    if len(mappings) <= 1:
        return mappings[0] if mappings else None
    merged: dict = {}
    for shape in mappings:
        merged = _union(merged, shape)
    return merged


def _union(base: Mapping[str, Any], more: Mapping[str, Any]) -> dict:
    merged = dict(base)
    for key, value in more.items():
        below = merged.get(key)
        merged[key] = _union(below, value) if isinstance(below, Mapping) and isinstance(value, Mapping) else (
            below if isinstance(below, Mapping) else value)
    return merged


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict:
    """A new dict: ``override`` laid over ``base``, recursing into dicts. Inputs are untouched."""
    merged = dict(base)
    for key, value in override.items():
        below = merged.get(key)
        if isinstance(below, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(below, value)
        else:
            merged[key] = value
    return merged


def plain_copy(value: Any) -> Any:
    """A deep, mutable copy of a default payload (dicts and lists)."""
    if isinstance(value, Mapping):
        return {k: plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_copy(v) for v in value]
    return value


def encode_query(params: Mapping[str, Any]) -> str:
    """A query string: lists repeat the key, booleans are true/false, None is left out."""
    return _urlencoded(form_pairs(params, "query parameter", "a query string"), "the query string")


def form_body(form: Any, method: str, path: str) -> bytes:
    """``form=``: an ``application/x-www-form-urlencoded`` body, by the query string's rules."""
    if not isinstance(form, Mapping):
        raise InvalidValue(f"{method} {path}: form= must be a dict, not {type(form).__name__}")
    try:
        return _urlencoded(form_pairs(form, "form field", "a form"), "the form").encode("ascii")
    except InvalidValue as exc:
        raise InvalidValue(f"{method} {path}: {exc}") from exc


def form_pairs(fields: Mapping[str, Any], what: str = "form field", where: str = "a form") -> list[tuple[str, str]]:
    """``(name, text)`` pairs: lists repeat the name, booleans are true/false, None is left out.

    Raises InvalidValue naming the field (``what``) for a value that has no text
    form (a dict, a set, bytes).
    """
    pairs = []
    for key, value in fields.items():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if item is not None:
                pairs.append((str(key), _field_text(key, item, what, where)))
    return pairs


def _urlencoded(pairs: list[tuple[str, str]], where: str) -> str:
    try:
        return "&".join(f"{_quoted(key)}={_quoted(text)}" for key, text in pairs)
    except UnicodeEncodeError as exc:
        part = "a name" if any(exc.object is key for key, _ in pairs) else "a value"
        raise InvalidValue(f"{part} in {where} {_surrogate(exc)}") from None


_TEXT_AS_IS = frozenset({str, int, float})  # exactly these types: bool (an int) is true/false
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch  # what quote_plus leaves as it is


def _quoted(text: str) -> str:
    """``quote_plus(text)``; plain text (most names and numbers) is returned without the work."""
    return text if _PLAIN(text) else quote_plus(text)


def quoted(text: str, safe: str, what: str) -> str:
    """``quote(text, safe)``; InvalidValue naming ``what`` for text that UTF-8 cannot encode."""
    try:
        return quote(text, safe=safe)
    except UnicodeEncodeError as exc:
        raise InvalidValue(f"{what} {_surrogate(exc)}") from None


def _surrogate(exc: UnicodeEncodeError) -> str:
    """The end of a message about text holding a lone surrogate (only it is shown: the text may be a secret)."""
    return f"holds {exc.object[exc.start:exc.end]!r}, a lone surrogate that UTF-8 cannot encode"


def _field_text(key: str, value: Any, what: str, where: str) -> str:
    if type(value) in _TEXT_AS_IS:  # the usual values, before the Mapping ABC's slower check
        return str(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (Mapping, set, bytes)):
        raise InvalidValue(f"{what} {key!r}: cannot send a {type(value).__name__} in {where}")
    return str(value)


def json_body(payload: Any, method: str, path: str) -> bytes:
    """UTF-8 JSON, or InvalidValue naming what could not be encoded.

    Written as UTF-8, not as ``\\u`` escapes: a lone surrogate (which JSON would
    escape into text no server can decode) is then refused here, as it is in a
    path or a query string.
    """
    try:
        return json.dumps(payload, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidValue(f"{method} {path}: a payload value {_surrogate(exc)}") from None
    except (TypeError, ValueError) as exc:
        raise InvalidValue(f"{method} {path}: payload is not JSON-serialisable: {exc}") from exc


def raw_body(data: Any, method: str, path: str) -> tuple[bytes | None, str | None]:
    """``data=``: dict/list as JSON, str/bytes as is. Returns (body, content type)."""
    if data is None:
        return None, None
    if isinstance(data, (Mapping, list, tuple)):
        return json_body(data, method, path), JSON_TYPE
    if isinstance(data, str):
        try:
            return data.encode("utf-8"), None
        except UnicodeEncodeError as exc:
            raise InvalidValue(f"{method} {path}: data= {_surrogate(exc)}") from None
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data), None
    raise InvalidValue(f"{method} {path}: data= must be a dict, list, str or bytes, not {type(data).__name__}")
