"""OpenAPI 3.x and Swagger 2.0 documents -> a resources map and a base URL.

The document becomes a plain resources dict (the resources.yaml format) that
:func:`restish.routes.compile_map` compiles, so an OpenAPI map is checked by
the same rules as a hand-written one. What routes cannot express is adapted
and said so in :attr:`Translation.notes`:

- a trailing slash is dropped (``/pets/`` is sent as ``/pets``);
- templates that differ only by variable names or a trailing slash are merged
  into the first one seen;
- templates with a segment mixing text and a variable (``/files/{name}.json``),
  an empty segment or a repeated variable are skipped, as are TRACE operations
  and path items without operations;
- ``operationId``s become identifiers (``delete_user-data`` ->
  ``delete_user_data``, ``__heartbeat__`` -> ``heartbeat``); one already taken,
  by an earlier operation, a ``Client`` attribute or a top-level path segment,
  gets ``_<verb>`` then a number appended, in document order.
"""
from __future__ import annotations

import inspect
import json
import keyword
import logging
import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping
from urllib.parse import unquote, urljoin, urlsplit

import requests
import yaml

from . import transport
from .errors import MapError, TransportError, error_for_response
from .redact import redact_url
from .routes import VERBS, _read_text, compile_map, dump_map, read_yaml

__all__ = ["Document", "Translation", "load", "translate", "client_from_openapi", "spec_to_yaml"]

log = logging.getLogger(__name__)

FETCH_TIMEOUT = (5, 30)
ACCEPT = "application/json, application/yaml;q=0.9, text/yaml;q=0.9, */*;q=0.1"
PATH_ITEM_KEYS = frozenset({"$ref", "summary", "description", "servers", "parameters"})
_SUPPORTED_OPENAPI = re.compile(r"^3\.[012](\.\d+)?$")
_VARIABLE = re.compile(r"^\{([^{}/]+)\}$")
_NOT_IDENTIFIER = re.compile(r"[^0-9A-Za-z_]+")


@dataclass(frozen=True)
class Document:
    """A parsed OpenAPI document, where it came from, and the URL it was fetched from."""

    data: Any                        # a mapping, once check_version has passed
    source: str                      # path, URL (redacted) or "<openapi dict>"
    fetched_from: str | None = None  # relative server URLs resolve against this


@dataclass(frozen=True)
class Translation:
    """The resources map built from a document, its base URL, and what was adapted."""

    raw: dict
    base_url: str | None
    notes: tuple
    source: str
    title: str


# ---------------------------------------------------------------- loading


def load(spec: Any, verify: Any = True, app: Any = None) -> Document:
    """A :class:`Document` from a path, an ``http(s)://`` URL, an open file or a dict.

    With a WSGI ``app`` a URL is fetched from that app in-process, as
    ``Client(url, app=app)`` would. Raises MapError (unreadable, not JSON/YAML, an HTML page), TransportError
    (no answer) or the typed RequestError of a 4xx/5xx answer.
    """
    if isinstance(spec, str) and spec.lower().startswith(("http://", "https://")):
        return _fetch(spec, verify, app)
    if isinstance(spec, (Mapping, list)):  # already parsed; check_version judges it
        return Document(spec, "<openapi dict>")
    name, text = _read_text(spec, "OpenAPI document")  # a path or an open file; MapError otherwise
    return Document(_parse(text, name), name)


def _fetch(url: str, verify: Any, app: Any) -> Document:
    shown = redact_url(url)
    # A plain session: the document is public API description, not an API call.
    with requests.Session() as session:
        if app is not None:
            from .wsgi import WSGIAdapter
            session.mount(f"{transport.origin(url)}/", WSGIAdapter(app))
        try:
            response = session.get(url, headers={"Accept": ACCEPT}, timeout=FETCH_TIMEOUT, verify=verify)
        except requests.RequestException as exc:
            raise TransportError("GET", url, transport.describe(exc)) from exc
    if response.status_code >= 400:
        raise error_for_response(response, "GET")
    mime = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if "html" in mime or response.text.lstrip()[:1] == "<":
        raise MapError(f"the URL answered with an HTML page ({mime or 'no Content-Type'}), "
                       "not an OpenAPI document; give the URL of the JSON or YAML document itself", shown)
    return Document(_parse(response.text, shown), shown, response.url)


def _parse(text: str, source: str) -> Any:
    try:
        return json.loads(text)  # much faster than YAML for the usual JSON documents
    except ValueError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise MapError(f"not JSON or YAML: {problem}", source, mark.line + 1 if mark else None) from exc


def check_version(document: Document) -> str:
    """``"swagger"`` or ``"openapi"``; raises MapError for anything else."""
    data, source = document.data, document.source
    if not isinstance(data, Mapping):
        raise MapError(f"not an OpenAPI document: the top level is a {type(data).__name__}, not a mapping", source)
    if "openapi" in data:
        version = str(data["openapi"])
        if not _SUPPORTED_OPENAPI.match(version):
            raise MapError(f"unsupported OpenAPI version {version!r}: restish reads OpenAPI 3.0, 3.1, "
                           "3.2 and Swagger 2.0", source)
        return "openapi"
    version = data.get("swagger", data.get("swaggerVersion"))
    if version is not None:
        if str(version) != "2.0":
            raise MapError(f"unsupported Swagger version {str(version)!r}: restish reads Swagger 2.0 and "
                           "OpenAPI 3.0, 3.1, 3.2", source)
        return "swagger"
    raise MapError("not an OpenAPI document: no 'openapi' or 'swagger' version key at the top", source)


# ---------------------------------------------------------------- $ref


class Refs:
    """Resolves ``#/json/pointer`` references within one document."""

    def __init__(self, document: Document) -> None:
        self.data, self.source = document.data, document.source

    def resolve(self, node: Any, where: str) -> Any:
        """``node`` with ``$ref`` chains followed; sibling keys override the target's."""
        chain: list[str] = []
        while isinstance(node, Mapping) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#"):
                raise MapError(f"{where}: external $ref {ref!r} is not supported; "
                               "only references within the document ('#/...')", self.source)
            if ref in chain:
                raise MapError(f"{where}: circular $ref {' -> '.join([*chain, ref])}", self.source)
            chain.append(ref)
            target = self.pointer(ref, where)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **siblings} if siblings and isinstance(target, Mapping) else target
        return node

    def pointer(self, ref: str, where: str) -> Any:
        """The node a ``#/a/b~1c`` JSON pointer names; MapError if there is none."""
        node: Any = self.data
        pointer = unquote(ref[1:])
        if pointer and not pointer.startswith("/"):
            raise MapError(f"{where}: broken $ref {ref!r}: not a JSON pointer ('#/...')", self.source)
        for part in pointer.split("/")[1:] if pointer else ():
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise MapError(f"{where}: broken $ref {ref!r}: nothing at {part!r}", self.source)
        return node

    def check_all(self) -> None:
        """Every local ``$ref`` in the document must point somewhere."""
        for where, ref in _refs_in(self.data):
            if isinstance(ref, str) and ref.startswith("#"):
                self.pointer(ref, where)


def _refs_in(data: Any) -> Iterator[tuple[str, Any]]:
    """``(where, ref)`` for every ``$ref`` key; each container is visited once (YAML aliases)."""
    stack: list[tuple[str, Any]] = [("#", data)]
    seen: set[int] = set()
    while stack:
        where, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Mapping):
            if "$ref" in node:
                yield where, node["$ref"]
            stack.extend((f"{where}/{_escape(k)}", v) for k, v in node.items() if isinstance(v, (Mapping, list)))
        elif isinstance(node, list):
            stack.extend((f"{where}/{i}", v) for i, v in enumerate(node) if isinstance(v, (Mapping, list)))


def _escape(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


# ---------------------------------------------------------------- translating


def translate(document: Document) -> Translation:
    """The resources map, base URL and notes for a loaded document. Raises MapError."""
    kind = check_version(document)
    refs = Refs(document)
    refs.check_all()
    paths = document.data.get("paths")
    if not isinstance(paths, Mapping):
        raise MapError("the document has no 'paths' mapping: nothing to call", document.source)
    notes: list[str] = []
    operations = _collect(paths, refs, notes)
    raw = _build_map(operations, notes)
    info = document.data.get("info")
    title = " ".join(str(info.get("title", "")).split()) if isinstance(info, Mapping) else ""
    base = _swagger_base(document) if kind == "swagger" else _server_base(document)
    return Translation(raw, base, tuple(notes), document.source, title)


@dataclass
class _Route:
    template: str
    operations: list      # [(VERB, operation dict)], document order
    docs: list            # summaries/descriptions, document order
    query: dict           # VERB -> [query parameter names]


def _collect(paths: Mapping, refs: Refs, notes: list) -> dict[str, _Route]:
    """Routes by normalized template; merged, skipped and adapted templates noted."""
    routes: dict[str, _Route] = {}
    shapes: dict[str, str] = {}   # template with variables blanked -> template kept
    for template, item in paths.items():
        where = f"paths {template}"
        item = refs.resolve(item, where)
        if not isinstance(item, Mapping):
            raise MapError(f"{where}: expected a path item mapping, got {type(item).__name__}", refs.source)
        normalized, problem = _normalize(str(template))
        if problem:
            notes.append(f"skipped {template}: {problem}")
            continue
        operations = _operations(template, item, notes)
        if not operations:
            notes.append(f"skipped {template}: no operation restish can send")
            continue
        shape = re.sub(r"\{[^/]*\}", "{}", normalized)
        kept = shapes.setdefault(shape, normalized)
        if kept != template:
            notes.append(f"{template} is sent as {kept}" if kept == normalized
                         else f"merged {template} into {kept} (same path, other variable names)")
        route = routes.setdefault(kept, _Route(kept, [], [], {}))
        _add(route, template, item, operations, refs, notes)
    return routes


def _normalize(template: str) -> tuple[str, str | None]:
    """``(template without trailing slash, None)``, or ``(template, why it cannot be a route)``."""
    if not template.startswith("/") or "?" in template or "#" in template:
        return template, "a path template must start with '/' and hold no query or fragment"
    trimmed = "/" + template.strip("/") if template != "/" else "/"
    names: list[str] = []
    for segment in trimmed.strip("/").split("/") if trimmed != "/" else ():
        match = _VARIABLE.match(segment)
        if not segment:
            return template, "empty path segment"
        if "{" in segment or "}" in segment:
            if not match:
                return template, f"segment {segment!r} mixes text and a variable, which restish routes cannot express"
            if match.group(1) in names:
                return template, f"variable {{{match.group(1)}}} appears twice"
            names.append(match.group(1))
    return trimmed, None


def _operations(template: str, item: Mapping, notes: list) -> list[tuple[str, Mapping]]:
    out = []
    for key, operation in item.items():
        verb = str(key).upper()
        if verb in VERBS and isinstance(operation, Mapping):
            out.append((verb, operation))
        elif key not in PATH_ITEM_KEYS and not str(key).startswith("x-"):
            notes.append(f"skipped {verb} {template}: restish does not send {verb}")
    return out


def _add(route: _Route, template: str, item: Mapping, operations: list, refs: Refs, notes: list) -> None:
    shared = _parameters(item.get("parameters"), refs, f"paths {template}")
    route.docs.extend(_doc_of(item))
    for verb, operation in operations:
        if any(verb == known for known, _ in route.operations):
            notes.append(f"skipped {verb} {template}: {verb} {route.template} is already mapped")
            continue
        route.operations.append((verb, operation))
        route.docs.extend(_doc_of(operation))
        where = f"paths {template} {verb.lower()}"
        # Operation-level parameters override path-level ones of the same name and place.
        merged = {**shared, **_parameters(operation.get("parameters"), refs, where)}
        query = [name for name, place in merged if place == "query"]
        if query:
            route.query[verb] = query


def _parameters(parameters: Any, refs: Refs, where: str) -> dict[tuple[str, str], Mapping]:
    """``{(name, in): parameter}`` with ``$ref``s resolved."""
    if parameters is None:
        return {}
    if not isinstance(parameters, list):
        raise MapError(f"{where}: 'parameters' must be a list", refs.source)
    out = {}
    for parameter in parameters:
        parameter = refs.resolve(parameter, f"{where} parameters")
        if not isinstance(parameter, Mapping) or "name" not in parameter or "in" not in parameter:
            raise MapError(f"{where}: a parameter needs 'name' and 'in'", refs.source)
        out[(str(parameter["name"]), str(parameter["in"]))] = parameter
    return out


def _doc_of(node: Mapping) -> list[str]:
    text = node.get("summary") or node.get("description")
    return [text.strip()] if isinstance(text, str) and text.strip() else []


def _build_map(routes: dict[str, _Route], notes: list) -> dict:
    """The resources dict: methods, doc (first summary, then query parameters), names."""
    taken = _client_names()
    taken |= {t.strip("/").split("/")[0] for t in routes if not t.startswith("/{")} - {""}
    raw: dict = {}
    for template, route in routes.items():
        spec: dict = {"methods": [verb for verb, _ in route.operations]}
        doc = "\n\n".join(filter(None, (route.docs[0] if route.docs else "", _query_doc(route))))
        if doc:
            spec["doc"] = doc
        names = {}
        for verb, operation in route.operations:
            name = _rpc_name(operation.get("operationId"), verb, taken, notes, template)
            if name:
                names[verb.lower()] = name
        if names:
            spec["names"] = names
        raw[template] = spec
    return raw


def _client_names() -> set[str]:
    """Names a Client answers itself (class attributes, settings), so no RPC name may take them."""
    from .client import Client  # late: client.py imports this module lazily too
    settings = inspect.signature(Client.__init__).parameters
    return {name for name in (*dir(Client), *settings) if not name.startswith("_")}


def _query_doc(route: _Route) -> str:
    return "\n".join(f"{verb} query: {', '.join(names)}" for verb, names in route.query.items())


def _rpc_name(operation_id: Any, verb: str, taken: set, notes: list, template: str) -> str | None:
    """A unique identifier for ``operation_id`` (added to ``taken``), or None."""
    if not isinstance(operation_id, str):
        return None
    base = _NOT_IDENTIFIER.sub("_", operation_id).strip("_")
    if base[:1].isdigit():
        base = f"op_{base}"
    if not base:
        notes.append(f"no RPC name for {verb} {template}: operationId {operation_id!r} has no letters")
        return None
    if keyword.iskeyword(base):
        base += "_"
    candidates = (base, f"{base}_{verb.lower()}", *(f"{base}_{verb.lower()}_{n}" for n in range(2, 10_000)))
    name = next(c for c in candidates if c not in taken)
    taken.add(name)
    if name != operation_id:
        notes.append(f"operationId {operation_id!r} ({verb} {template}) is named {name}")
    return name


# ---------------------------------------------------------------- base URL


def _swagger_base(document: Document) -> str | None:
    """``scheme://host/basePath``; host and scheme default to those of the fetch."""
    data, fetched = document.data, document.fetched_from
    base_path = str(data.get("basePath") or "/")
    host = data.get("host")
    if not host:
        return urljoin(fetched, base_path) if fetched else None
    schemes = [str(s).lower() for s in data.get("schemes") or ()]
    fetched_scheme = urlsplit(fetched).scheme if fetched else None
    scheme = fetched_scheme if fetched_scheme in schemes or not schemes else schemes[0]
    return f"{scheme or 'https'}://{host}{base_path if base_path.startswith('/') else '/' + base_path}"


def _server_base(document: Document) -> str | None:
    """The first server's URL with its variables' defaults, resolved against the fetch URL."""
    servers = document.data.get("servers") or [{"url": "/"}]
    server = servers[0] if isinstance(servers, list) else None
    if not isinstance(server, Mapping) or not isinstance(server.get("url"), str):
        raise MapError("servers[0] needs a 'url' string", document.source)
    url = server["url"]
    variables = server.get("variables") or {}
    for name in re.findall(r"\{([^{}]+)\}", url):
        default = variables.get(name, {}).get("default") if isinstance(variables.get(name), Mapping) else None
        if default is None:
            raise MapError(f"servers[0] url variable {{{name}}} has no default", document.source)
        url = url.replace(f"{{{name}}}", str(default))
    if urlsplit(url).scheme:
        return url
    return urljoin(document.fetched_from, url) if document.fetched_from else None


# ---------------------------------------------------------------- public entry points


def client_from_openapi(cls: type, spec: Any, url: str | None = None, **kw: Any) -> Any:
    """``cls(base URL, resources=<map from spec>, **kw)``; see :meth:`Client.from_openapi`."""
    translation = translate(load(spec, kw.get("verify", True), kw.get("app")))
    for note in translation.notes:
        log.info("%s: %s", translation.source, note)
    base = url or translation.base_url
    if not base:
        raise MapError("no base URL: the document names no absolute server and was not fetched "
                       "from a URL; pass url=", translation.source)
    defaults = kw.pop("defaults", None)
    raw_defaults, defaults_name, defaults_lines = (
        read_yaml(defaults, "defaults") if defaults is not None else (None, "<defaults>", {}))
    route_map = compile_map(translation.raw, raw_defaults, translation.source,
                            defaults_source=defaults_name, defaults_lines=defaults_lines)
    return cls(base, resources=route_map, defaults=None, **kw)


def spec_to_yaml(spec: Any) -> str:
    """resources.yaml text for an OpenAPI document, its notes as leading comments.

    Raises MapError for a bad document (and TransportError / RequestError when
    fetching a URL fails).
    """
    translation = translate(load(spec))
    header = [f"resources.yaml built by restish from {translation.source}"]
    if translation.title:
        header.append(f"API: {translation.title}")
    if translation.base_url:
        header.append(f"base URL: {redact_url(translation.base_url)}")
    header.extend(translation.notes)
    comments = "".join(f"# {' '.join(line.split())}\n" for line in header)
    return comments + dump_map(translation.raw)
