"""OpenAPI body schemas -> the fields a route declares, and its plain multipart form fields.

:func:`body_fields` reads an operation's ``requestBody`` (OpenAPI 3: every
media type's schema, ``allOf``/``anyOf``/``oneOf`` merged) or its Swagger 2.0
``in: body`` and ``in: formData`` parameters, and gives:

- the field tree the map's ``fields:`` holds: ``{name: None}`` for a plain
  field, ``{name: {...its own fields}}`` for an object (``{}`` when the object
  declares no properties, e.g. a map of ``additionalProperties``), read down to
  ``MAX_DEPTH`` levels, so that recursive schemas end;
- the names that travel as plain form fields beside an upload: the
  non-file properties of a ``multipart/form-data`` schema, and Swagger's
  ``in: formData`` parameters that are not ``type: file``;
- the encoding of a body that cannot be JSON: ``form`` (urlencoded) or
  ``multipart`` when the operation offers no JSON media type (FastAPI's
  ``Form(...)`` endpoints, Swagger ``in: formData``).

A ``$ref`` is followed with the ``resolve`` callable the caller gives (the
document's own); one that cannot be followed leaves that part undeclared, so
a body schema never makes a document unusable.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Callable, Mapping

from .errors import MapError
from .payloads import known_shape

__all__ = ["Body", "body_fields", "MAX_DEPTH"]

MAX_DEPTH = 4          # levels of nested objects read from a schema
_COMBINATIONS = ("allOf", "anyOf", "oneOf")
Resolve = Callable[[Any, str], Any]


@dataclass
class Body:
    """What an operation declares of its request body."""

    fields: dict | None = None      # the field tree; None when no body is declared
    multipart: list = dc_field(default_factory=list)  # plain form fields beside an upload
    encoding: str | None = None     # "form" or "multipart" when the body cannot be JSON


def body_fields(operation: Mapping, parameters: Mapping, resolve: Resolve, where: str) -> Body:
    """The :class:`Body` an operation declares.

    ``parameters``: the operation's ``{(name, in): parameter}``, path-level ones included.
    """
    body = Body()
    content = _content(operation.get("requestBody"), resolve, where)
    for media, schema in content:
        properties = _properties(schema, resolve, where, 0)
        if properties is None:
            continue
        body.fields = known_shape(body.fields, _tree(properties, resolve, where, 1))
        if _media(media) == "multipart/form-data":
            body.multipart += [name for name, prop in properties.items() if not _is_file(prop, resolve, where)]
    body.encoding = _encoding({_media(media) for media, _ in content})
    files = False
    for (name, place), parameter in parameters.items():
        if place == "body" and isinstance(parameter, Mapping):
            properties = _properties(parameter.get("schema"), resolve, where, 0)
            if properties is not None:
                body.fields = known_shape(body.fields, _tree(properties, resolve, where, 1))
        elif place == "formData":
            body.fields = {**(body.fields or {}), name: None}
            if isinstance(parameter, Mapping) and parameter.get("type") == "file":
                files = True
            else:
                body.multipart.append(name)
            consumes = {_media(str(m)) for m in operation.get("consumes") or ()}
            body.encoding = "multipart" if files or "multipart/form-data" in consumes else "form"
    body.multipart = list(dict.fromkeys(body.multipart))
    return body


def _media(media: str) -> str:
    return media.split(";")[0].strip().lower()


def _encoding(media: set) -> str | None:
    """``form`` or ``multipart`` when the body takes no JSON and takes one of those; else None."""
    if any(m == "application/json" or m.endswith("+json") for m in media):
        return None
    if "application/x-www-form-urlencoded" in media:
        return "form"
    return "multipart" if "multipart/form-data" in media else None


def _content(body: Any, resolve: Resolve, where: str) -> list[tuple[str, Any]]:
    body = _resolved(body, resolve, where)
    content = body.get("content") if isinstance(body, Mapping) else None
    if not isinstance(content, Mapping):
        return []
    return [(str(media), spec.get("schema")) for media, spec in content.items() if isinstance(spec, Mapping)]


def _properties(schema: Any, resolve: Resolve, where: str, depth: int) -> dict | None:
    """``{name: property schema}`` of an object schema (combinations merged); None if not an object."""
    schema = _resolved(schema, resolve, where)
    if not isinstance(schema, Mapping) or depth > MAX_DEPTH:
        return None
    found = None
    for key in _COMBINATIONS:  # in document order, the schema's own properties last (they win)
        parts = schema.get(key)
        for part in parts if isinstance(parts, list) else ():
            more = _properties(part, resolve, where, depth + 1)
            if more is not None:
                found = {**(found or {}), **more}
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        found = {**(found or {}), **properties}
    if found is None and (schema.get("type") == "object" or "additionalProperties" in schema):
        return {}
    return found


def _tree(properties: Mapping, resolve: Resolve, where: str, depth: int) -> dict:
    tree: dict = {}
    for name, prop in properties.items():
        below = _properties(prop, resolve, where, depth) if depth <= MAX_DEPTH else None
        tree[str(name)] = _tree(below, resolve, where, depth + 1) if below is not None else None
    return tree


def _is_file(schema: Any, resolve: Resolve, where: str) -> bool:
    """A binary property: ``format: binary``/``base64``, ``contentMediaType``, or an array of those."""
    schema = _resolved(schema, resolve, where)
    if not isinstance(schema, Mapping):
        return False
    if schema.get("type") == "array":
        return _is_file(schema.get("items"), resolve, where)
    return (schema.get("format") in ("binary", "base64") or "contentMediaType" in schema
            or "contentEncoding" in schema)


def _resolved(node: Any, resolve: Resolve, where: str) -> Any:
    try:
        return resolve(node, where)
    except MapError:
        return None  # a broken or circular $ref: that part stays undeclared
