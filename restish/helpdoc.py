"""What ``help()`` and IPython's ``?`` show for a verb or an RPC name, read from the map.

The route and the verb's template, the verb's doc, its default payload, the
parameters and body fields an OpenAPI document declares, and how kwargs
travel; and a real :class:`inspect.Signature` whose keyword-only parameters are
the route variables (required) and the documented parameters (optional).
"""
from __future__ import annotations

import inspect
import json
import keyword
import re
from typing import Any, Iterable, Mapping

from .call import RESERVED, UPLOAD_PREFIX
from .payloads import QUERY_VERBS
from .routes import Route

__all__ = ["verb_help", "verb_signature", "HOW"]

# How each verb's kwargs travel: what the plain verb methods used to say.
HOW = {
    "GET": "kwargs and qs= become the query string. Returns the decoded body.",
    "HEAD": "kwargs become the query string. Returns the response headers (a case-insensitive mapping).",
    "OPTIONS": "kwargs become the query string. Returns the decoded body.",
    "POST": "kwargs are merged with the default payload into the JSON body (key_subkey nests as the map says).",
    "PUT": "kwargs are merged with the default payload into the JSON body (key_subkey nests as the map says).",
    "PATCH": "kwargs are merged with the default payload into the JSON body (key_subkey nests as the map says).",
    "DELETE": "kwargs, if any, are merged with the default payload into the JSON body.",
}
_RESERVED = ("Options of every call, never payload: qs=, headers=, timeout=, data=, form=, expand=, "
             "upload_file=, upload_file_<field>=, stream_to=, progress=.")


_QUERY_LINE = re.compile(r"^(?:[A-Z]+ )?query: ")


class _Optional:
    """The default shown for a documented parameter that may be left out: ``limit=...``."""

    def __repr__(self) -> str:
        return "..."


OPTIONAL = _Optional()


def verb_help(route: Route | None, verb: str, path: str | None = None, name: str | None = None,
              default: Any = None) -> str:
    """The help text of ``verb`` on ``route`` (None: permissive mode), reached at ``path`` or
    through the RPC ``name``; ``default`` is the default payload (the route's when None)."""
    if route is None:
        head = f"{verb} {path} (permissive mode: no route, the path is sent as built)"
        return "\n\n".join((head, HOW[verb], _RESERVED))
    template = route.template_for(verb, name)
    head = f"{verb} {template}" + (f"  (as {path})" if path and path != template else "")
    parts = [head]
    doc = _doc(route, verb)
    if doc:
        parts.append(doc)
    variables = route.variables_for(verb, name)
    if name and variables:
        parts.append("Route variables (keyword arguments): " + ", ".join(variables))
    query, fields = documented(route, verb)
    if query:
        parts.append("Query parameters: " + ", ".join(query))
    if fields:
        clash = [f for f in fields if _reserved(f)]
        parts.append("Body fields: " + ", ".join(f + "*" * _reserved(f) for f in fields)
                     + (f"\n(* also an option of the call: send such fields inside data={{...}})" if clash else ""))
    payload = route.defaults.get(verb) if default is None else default
    if payload:
        parts.append("Default payload: " + json.dumps(payload, default=str, ensure_ascii=False))
    parts += [HOW[verb], _RESERVED]
    return "\n\n".join(parts)


def _doc(route: Route, verb: str) -> str:
    """The verb's doc; without the "query: ..." lines an OpenAPI map's doc repeats, when the
    map lists the query parameters themselves (they are shown once, below)."""
    doc = (route.docs.get(verb) if route.docs else route.doc) or ""
    if route.query:
        doc = "\n".join(line for line in doc.splitlines() if not _QUERY_LINE.match(line))
    return doc.strip()


def verb_signature(route: Route | None, verb: str, name: str | None = None) -> inspect.Signature:
    """``(*, <route variables>, <documented parameters>=..., **kwargs)``: the variables only
    for an RPC ``name`` (a proxy has them filled already)."""
    params: list[inspect.Parameter] = []
    seen: set[str] = set()
    if route is not None:
        required = route.variables_for(verb, name) if name else ()
        query, fields = documented(route, verb)
        for names, default in ((required, inspect.Parameter.empty), ((*query, *fields), OPTIONAL)):
            for param in names:
                if _usable(param) and param not in seen and not _reserved(param):
                    seen.add(param)
                    params.append(inspect.Parameter(param, inspect.Parameter.KEYWORD_ONLY, default=default))
    params.append(inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(params)


def documented(route: Route, verb: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(query parameter names, top-level body field names)`` the map declares for ``verb``."""
    query: Iterable[str] = route.query.get(verb, ())
    fields: Mapping[str, Any] = route.fields.get(verb) or {}
    body = () if verb in QUERY_VERBS else tuple(fields)
    return tuple(sorted(query) if isinstance(query, (set, frozenset)) else query), body


def _reserved(name: str) -> bool:
    """An option of every call (``data=``, ``qs=``...): never a payload kwarg."""
    return name in RESERVED or name.startswith(UPLOAD_PREFIX)


def _usable(name: str) -> bool:
    """A name that can be a keyword argument of the signature (else it goes through ``**kwargs``)."""
    return name.isidentifier() and not keyword.iskeyword(name) and name != "kwargs"
