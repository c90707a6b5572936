"""httpie's request items (``key=value``, ``key:=json``, ``key==value``, ``Header:value``,
``key=@file``, ``key:=@file.json``, ``field@path``) parsed into the parts of a call.

Each item is split at its first separator; where several start at the same place
the longest wins (``a:=1`` is JSON, not the header ``a`` with ``=1``). A backslash
keeps the next character literal (``a\\=b=c`` is the field ``a=b``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .common import UsageError

__all__ = ["Items", "parse_items", "SEPARATORS", "RESERVED", "read_text", "add_query"]

# Longest first, so that at one position the longest separator is found first.
SEPARATORS = (":=@", "==@", "=@", ":@", ":=", "==", "=", ":", ";", "@")
# The verbs' reserved kwargs (API.md section 4): a body field of one of these names
# would be taken as the option, so it is refused instead of sent as something else.
RESERVED = frozenset({"data", "form", "qs", "headers", "timeout", "expand", "stream_to", "progress"})
_UPLOAD = "upload_file"


@dataclass
class Items:
    """The call's parts that items give: body fields, query, headers and files to upload."""

    fields: dict[str, Any] = field(default_factory=dict)   # key=value, key:=json (body or query)
    query: dict[str, Any] = field(default_factory=dict)    # key==value (a repeated key: a list)
    headers: dict[str, Any] = field(default_factory=dict)  # Header:value (None: not sent)
    files: dict[str, str] = field(default_factory=dict)    # field@path -> upload_file[_field]


def parse_items(items: list[str]) -> Items:
    """All ``items`` as one :class:`Items`. Raises UsageError naming the bad item."""
    parts = Items()
    for item in items:
        key, separator, value = split_item(item)
        _add(parts, item, key, separator, value)
    return parts


def split_item(item: str) -> tuple[str, str, str]:
    """``(key, separator, value)`` with escapes resolved in the key. Raises UsageError."""
    key: list[str] = []
    index = 0
    while index < len(item):
        char = item[index]
        if char == "\\" and index + 1 < len(item):
            key.append(item[index + 1])
            index += 2
            continue
        for separator in SEPARATORS:
            if item.startswith(separator, index):
                if separator == ";" and index + 1 < len(item):
                    continue  # 'Header;' (an empty header) ends the item; elsewhere ';' is text
                if not key:
                    break  # an empty key: malformed, reported below
                return "".join(key), separator, item[index + len(separator):]
        else:
            key.append(char)
            index += 1
            continue
        break
    raise UsageError(f"malformed item {item!r}: use key=value, key:=json, key==value (query), "
                     f"Header:value or field@path (upload)")


def _add(parts: Items, item: str, key: str, separator: str, value: str) -> None:
    if separator in (":", ":@", ";"):
        text = read_text(value, item) if separator == ":@" else value.strip()
        parts.headers[key] = None if separator == ":" and not text else text
    elif separator in ("==", "==@"):
        add_query(parts.query, key, read_text(value, item) if separator == "==@" else value)
    elif separator == "@":
        if not value:
            raise UsageError(f"malformed item {item!r}: field@path needs the path of the file to upload")
        parts.files[_UPLOAD if key == "file" else f"{_UPLOAD}_{key}"] = value
    else:
        if separator == "=":
            parts.fields[key] = value
        elif separator == "=@":
            parts.fields[key] = read_text(value, item)
        else:
            text = read_text(value, item) if separator == ":=@" else value
            parts.fields[key] = _json(text, f"item {key!r}")


def add_query(query: dict[str, Any], key: str, value: Any) -> None:
    """Add ``key=value`` to ``query``; a repeated key collects a list (a repeated parameter)."""
    if key in query:
        previous = query[key]
        query[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
    else:
        query[key] = value


def read_text(path: str, where: str) -> str:
    """The UTF-8 text of the file at ``path``. Raises UsageError naming ``where``."""
    if not path:
        raise UsageError(f"malformed item {where!r}: name the file after '@'")
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path!r} for {where!r}: {getattr(exc, 'strerror', None) or exc}") from exc


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"invalid JSON in {where}: {exc}") from exc
