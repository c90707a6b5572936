"""Checks on request bodies and query strings: bad input is a 400 naming the problem.

Handlers read bodies only through these, so a missing key or a wrong type can
never surface as a KeyError (a 500).
"""
from __future__ import annotations

import re
from .http import BadRequest, Request, Response, json_response
from .store import sha1

_ID = re.compile(r"^[0-9a-f]{24}$")
DEFAULT_LIMIT = 10


def require_object(body: dict, *kinds: str) -> dict:
    """``body["object"]``, which must be a JSON object of one of ``kinds``."""
    obj = body.get("object")
    if obj is None:
        raise BadRequest("Missing object in request")
    if not isinstance(obj, dict):
        raise BadRequest(f"object must be a JSON object, not {type(obj).__name__}")
    check_kind(obj, kinds, "object", required=True)
    return obj


def check_kind(obj: dict, kinds: tuple, where: str, required: bool = False) -> None:
    kind = obj.get("objectType")
    if kind is None and not required:
        return
    if kind is None:
        raise BadRequest(f"Missing {where}.objectType (expected {' or '.join(kinds)})")
    if kind not in kinds:
        raise BadRequest(f"Wrong {where}.objectType {kind!r}: expected {' or '.join(kinds)}")


def text(mapping: dict, key: str, where: str = "request") -> str:
    """A required, non-empty string."""
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"Missing {key} in {where}: expected a non-empty string")
    return value


def optional_text(mapping: dict, key: str, where: str = "request") -> str | None:
    value = mapping.get(key)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"{key} in {where} must be a string, not {type(value).__name__}")
    return value


def note(body: dict, kind: str = "note") -> dict:
    """The ``object`` of a post, comment or message: ``{"objectType": kind, "content": ...}``."""
    obj = require_object(body, kind)
    return {"objectType": kind, "content": text(obj, "content", "object")}


def context_hash(obj: dict, where: str) -> str:
    """The hash of the context ``obj`` names by ``url`` (MAX's way) or by ``hash``."""
    if isinstance(obj.get("hash"), str) and obj["hash"]:
        return obj["hash"]
    return sha1(text(obj, "url", where))


def username(value: str) -> str:
    if not value or value != value.strip() or "/" in value:
        raise BadRequest(f"Invalid username: {value!r}")
    return value


def collection(req: Request, items: list) -> Response:
    """A listing, newest first, paged with ``limit`` and ``before=<id>``.

    ``X-totalItems`` counts the whole collection (filters applied, paging not),
    so a HEAD request sizes it without fetching anything.
    """
    limit, before = _limit(req), req.arg("before")
    if before is not None and not _ID.match(before):
        raise BadRequest(f"before must be an item id (24 hex digits), not {before!r}")
    page = sorted(items, key=lambda item: item["id"], reverse=True)
    if before:
        page = [item for item in page if item["id"] < before]
    if limit:  # 0: no limit, as in MAX
        page = page[:limit]
    return json_response(page, headers=[("X-totalItems", str(len(items)))])


def _limit(req: Request) -> int:
    raw = req.arg("limit", str(DEFAULT_LIMIT))
    if not (raw.isascii() and raw.isdigit()):
        raise BadRequest(f"limit must be a whole number, not {raw!r}")
    return int(raw)
