"""Building what a call sends: kwargs expansion, defaults merge, query strings, bodies."""
from __future__ import annotations

import json
import re
from typing import Any, Mapping
from urllib.parse import quote_plus

from .errors import InvalidValue

QUERY_VERBS = frozenset({"GET", "HEAD", "OPTIONS"})
BODY_VERBS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_TYPE = "application/json"

# Splits "object_content" at the first separator that has a name on both
# sides, so "_limit" and "trailing_" stay whole.
_SEPARATOR = re.compile(r"(?<=[^_.])[_.](?=[^_.])")
# A key with a dot chose dots: "object.display_name" splits on dots only.
_DOT = re.compile(r"(?<=[^.])\.(?=[^.])")


def expand(kwargs: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> dict:
    """Nest ``key_subkey`` and ``key.subkey`` kwargs into dicts.

    A key with a dot is split on dots only (``object.display_name`` ->
    ``{"object": {"display_name": ...}}``). A key the default payload holds
    literally, at the same depth, stays whole: with defaults
    ``{"display_name": ...}``, ``display_name=`` is not nested. ``kwargs`` and
    the dicts in it are not changed. Raises InvalidValue for keys that conflict.
    """
    out: dict = {}
    for key, value in kwargs.items():
        _place(out, key, value, defaults)
    return out


def _place(target: dict, key: str, value: Any, defaults: Any) -> None:
    original = key
    separator = _DOT if "." in key else _SEPARATOR
    while not (isinstance(defaults, Mapping) and key in defaults):
        match = separator.search(key)
        if match is None:
            break
        head, key = key[: match.start()], key[match.end():]
        child = target.setdefault(head, {})
        if not isinstance(child, dict):
            raise InvalidValue(f"keyword {original!r} nests under {head!r}, which is already set to a {type(child).__name__}")
        target = child
        defaults = defaults.get(head) if isinstance(defaults, Mapping) else None
    existing = target.get(key)
    if isinstance(existing, dict) and isinstance(value, Mapping):
        target[key] = deep_merge(existing, plain_copy(value))
    elif isinstance(existing, dict):
        raise InvalidValue(f"keyword {original!r} would replace the nested {key!r} built from other keywords")
    elif isinstance(value, dict):
        target[key] = plain_copy(value)  # later keywords nest into it: leave the caller's dict alone
    else:
        target[key] = value


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
    pairs = []
    for key, value in params.items():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if item is None:
                continue
            pairs.append(f"{quote_plus(str(key))}={quote_plus(_query_text(key, item))}")
    return "&".join(pairs)


def _query_text(key: str, value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (Mapping, set, bytes)):
        raise InvalidValue(f"query parameter {key!r}: cannot send a {type(value).__name__} in a query string")
    return str(value)


def json_body(payload: Any, method: str, path: str) -> bytes:
    """UTF-8 JSON, or InvalidValue naming what could not be encoded."""
    try:
        return json.dumps(payload, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise InvalidValue(f"{method} {path}: payload is not JSON-serialisable: {exc}") from exc


def raw_body(data: Any, method: str, path: str) -> tuple[bytes | None, str | None]:
    """``data=``: dict/list as JSON, str/bytes as is. Returns (body, content type)."""
    if data is None:
        return None, None
    if isinstance(data, (Mapping, list, tuple)):
        return json_body(data, method, path), JSON_TYPE
    if isinstance(data, str):
        return data.encode("utf-8"), None
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data), None
    raise InvalidValue(f"{method} {path}: data= must be a dict, list, str or bytes, not {type(data).__name__}")
