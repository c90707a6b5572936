"""OpenAPI 3.x and Swagger 2.0 documents -> a resources map and a base URL.

The document becomes a plain resources dict (the resources.yaml format) that
:func:`restish.routes.compile_map` compiles, so an OpenAPI map is checked by
the same rules as a hand-written one. What routes cannot express is adapted
and said so in :attr:`Translation.notes`:

- templates are kept exactly, trailing slash included (``/pets/`` is sent as
  ``/pets/``), and so are segments with several variables or text around one
  (``/compare/{base}...{head}``): an RPC name fills each variable;
- templates naming one path (other variable names, a trailing slash more or
  less) are merged into the first one seen, and each operation keeps its own
  template (the map's ``templates:``): its RPC name fills the variables it
  names, its verb keeps its trailing slash, and a second operation of one verb
  is reached by its RPC name;
- templates with an empty segment, a stray brace or a repeated variable are
  skipped, as are TRACE operations and path items without operations;
- ``operationId``s become identifiers (``delete_user-data`` ->
  ``delete_user_data``, ``__heartbeat__`` -> ``heartbeat``); one already taken,
  by an earlier operation, a ``Client`` attribute or a top-level path segment,
  gets ``_<verb>`` then a number appended, in document order;
- a top-level path segment that is also a ``Client`` attribute (``/login``,
  ``/session``) is reached with item access, ``api['login']``;
- a percent-encoded fixed segment (``/a%20c``) is decoded, as restish encodes
  segments when it sends them; one that decodes to ``/``, ``{`` or ``}`` is skipped;
- ``servers`` of a path item or an operation are ignored: every call goes to
  the document's base URL (its first ``servers`` entry, or ``url=``);
- each operation's body schema becomes the route's ``fields:`` (its names stay
  literal, its objects nest ``a_b`` kwargs) and ``multipart:`` (form fields
  sent beside an upload), see :mod:`restish.schemas`; the map says
  ``expand: false``, so other ``a_b`` kwargs are sent as named.

Docs: a route's ``doc`` is the operations' summary (else description, else
the path item's), then their query parameters. When the operations of one
path say different things, ``doc`` maps each verb to its own text, so
``help(api.createPet)`` shows createPet's summary, not another operation's.

YAML documents are read as YAML 1.1 by PyYAML, which turns ``200:``, ``on:``
and ``404`` into numbers and booleans. Mapping keys are therefore kept as
the text they were written as, and so are the values of the keys OpenAPI
defines as strings and restish reads (``operationId``, ``summary``, ``name``...);
everything else loads as :func:`yaml.safe_load` would load it.
"""
from __future__ import annotations

import inspect
import json
import keyword
import logging
import re
from collections.abc import Iterable, Iterator, Mapping  # not typing's: its isinstance is several times slower
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import requests
import yaml
from requests.utils import get_auth_from_url, requote_uri

from . import build, schemas, transport
from .errors import InvalidValue, MapError, error_for_response
from .payloads import QUERY_VERBS
from .redact import redact_url
from .resources import CLIENT_ATTRIBUTES, ROOT_ATTRIBUTES
from .routes import VERBS, _read_text, compile_map, dump_map, parse_segment, read_yaml
from .sending import Sender
from .yamlsize import check_expansion

__all__ = ["Document", "Translation", "load", "translate", "client_from_openapi", "spec_to_yaml"]

log = logging.getLogger(__name__)

FETCH_TIMEOUT = (5, 30)
ACCEPT = "application/json, application/yaml;q=0.9, text/yaml;q=0.9, */*;q=0.1"
PATH_ITEM_KEYS = frozenset({"$ref", "summary", "description", "servers", "parameters"})
_SUPPORTED_OPENAPI = re.compile(r"^3\.[012](\.\d+)?$")
_NOT_IDENTIFIER = re.compile(r"[^0-9A-Za-z_]+")
# Keys whose values OpenAPI defines as strings and restish reads: YAML 1.1
# must not turn ``operationId: on`` into True or ``summary: 404`` into 404.
_TEXT_KEYS = frozenset({"operationId", "summary", "description", "name", "in", "title", "version",
                        "openapi", "swagger", "host", "basePath", "url", "$ref"})
_STR_TAG = "tag:yaml.org,2002:str"
_RETYPED_TAGS = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("bool", "int", "float", "timestamp"))


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
    token_url: str | None = None  # the OAuth2 password flow's tokenUrl, as written



# ---------------------------------------------------------------- loading


def load(spec: Any, verify: Any = None, app: Any = None, *, auth: Any = None,
         headers: Mapping[str, str] | None = None, session: requests.Session | None = None,
         retries: Any = 0) -> Document:
    """A :class:`Document` from a path, an ``http(s)://`` URL, an open file or a dict.

    A URL is fetched as a ``Client`` sends a call: through ``session`` when
    given (its adapters, proxies and cookies, which it keeps as they were),
    signed with ``auth``, sent ``headers``, retried per ``retries`` (or
    per the policy restish already mounted on ``session``) and logged. A
    document behind the API's own login is thus read with the API's
    credentials. Redirects to another origin drop them, as every restish call
    does. With a WSGI ``app`` the URL is fetched from that app in-process, as
    ``Client(url, app=app)`` would. Raises MapError (unreadable, not
    JSON/YAML, an HTML page), InvalidValue (a header that cannot be sent,
    named but not shown), TransportError (no answer) or the typed RequestError
    of a 4xx/5xx answer.
    """
    if isinstance(spec, str) and spec.lower().startswith(("http://", "https://")):
        return _fetch(spec, {"verify": verify, "app": app, "auth": auth, "headers": headers,
                             "session": session, "retries": retries})
    if isinstance(spec, (Mapping, list)):  # already parsed; check_version judges it
        return Document(spec, "<openapi dict>")
    name, text = _read_text(spec, "OpenAPI document")  # a path or an open file; MapError otherwise
    return Document(_parse(text, name), name)


def _fetch(url: str, settings: dict) -> Document:
    shown = redact_url(url)
    response = _get_document(url, settings)
    if response.status_code >= 400:
        raise error_for_response(response, "GET")
    mime = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if "html" in mime or response.text.lstrip()[:1] == "<":
        raise MapError(f"the URL answered with an HTML page ({mime or 'no Content-Type'}), "
                       "not an OpenAPI document; give the URL of the JSON or YAML document itself", shown)
    return Document(_parse(response.text, shown), shown, response.url)


def _get_document(url: str, settings: dict) -> requests.Response:
    """GET ``url`` through a Sender on its origin: the one send chain of every call.

    ``settings`` are the Client keywords (verify, app, auth, headers, session,
    retries), so the fetch has what a call has: the header check (InvalidValue,
    the value never shown), environment settings, auth, credentials kept on
    their origin, retries, logging. A ``session`` given is left as it was
    found: the adapters this client mounts on it (restish's, a WSGI app's) are
    taken off again, so only the Client being built mounts for good.
    """
    parts = urlsplit(url)
    session = settings["session"]
    adapters = dict(session.adapters) if session is not None else None
    if session is not None and transport.mounted_retries(session) is not None:
        # A session holds one retry policy (see transport.mount_adapters): the fetch uses it.
        settings = {**settings, "retries": transport.mounted_retries(session)}
    fetcher = None
    try:
        # user:password in the URL is Basic auth unless auth= is given, as for any Client.
        fetcher = Sender(f"{parts.scheme}://{parts.netloc}", timeout=FETCH_TIMEOUT, **settings)
        target = requote_uri(fetcher.url + urlunsplit(("", "", parts.path or "/", parts.query, "")))
        call = build.prepare(fetcher, build.Exact(target, parts.path or "/"), "GET",
                             {"headers": {"Accept": ACCEPT}})
        try:
            return fetcher._send_handling_auth(call)
        finally:
            call.close()
    finally:
        if adapters is not None:
            _restore_adapters(session, adapters)
        elif fetcher is not None:
            fetcher.close()


def _restore_adapters(session: requests.Session, adapters: dict) -> None:
    """Put back ``session``'s adapters as they were, closing those mounted meanwhile."""
    added = [adapter for adapter in session.adapters.values()
             if all(adapter is not kept for kept in adapters.values())]
    session.adapters.clear()
    session.adapters.update(adapters)  # requests' order: longest prefix first, as it was
    for adapter in added:
        transport.close_pools(adapter)


def _parse(text: str, source: str) -> Any:
    try:
        return json.loads(text)  # much faster than YAML for the usual JSON documents
    except ValueError:
        pass
    loader = _SpecLoader(text)  # a SafeLoader: no arbitrary objects
    try:
        node = loader.get_single_node()
        check_expansion(node, source)  # an alias bomb is refused before translation walks it
        return loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise MapError(f"not JSON or YAML: {problem}", source, mark.line + 1 if mark else None) from exc
    finally:
        loader.dispose()


class _SpecLoader(yaml.SafeLoader):
    """``yaml.safe_load`` with mapping keys, and the values of :data:`_TEXT_KEYS`, as written.

    YAML 1.1 reads ``200:`` as the int 200 and ``on:`` as True, so a JSON
    pointer ``#/paths/~1a/get/responses/200`` would find nothing and
    ``operationId: on`` would be no name at all. OpenAPI keys are strings.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        self.flatten_mapping(node)  # '<<' merges first: they are found by their merge tag
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key_node.tag = _STR_TAG
                if (key_node.value in _TEXT_KEYS and isinstance(value_node, yaml.ScalarNode)
                        and value_node.tag in _RETYPED_TAGS):
                    value_node.tag = _STR_TAG
        return super().construct_mapping(node, deep)


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
        node, problem = self._follow(ref)
        if problem:
            raise MapError(f"{where}: {problem}", self.source)
        return node

    def _follow(self, ref: str) -> tuple[Any, str | None]:
        """``(the node ref names, None)``, or ``(None, why there is none)``."""
        node: Any = self.data
        pointer = unquote(ref[1:])
        if pointer and not pointer.startswith("/"):
            return None, f"broken $ref {ref!r}: not a JSON pointer ('#/...')"
        for part in pointer.split("/")[1:] if pointer else ():
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None, f"broken $ref {ref!r}: nothing at {part!r}"
        return node, None

    def check_all(self) -> None:
        """Every local ``$ref`` in the document must point somewhere.

        Each distinct reference is followed once; where a broken one sits is
        sought (by the slower walk that names places) only when there is one.
        """
        for ref in _local_refs(self.data):
            problem = self._follow(ref)[1]
            if problem:
                where = next(where for where, found in _refs_in(self.data) if found == ref)
                raise MapError(f"{where}: {problem}", self.source)


def _local_refs(data: Any) -> dict:
    """Every local ``$ref`` (``#...``) once, in the order :func:`_refs_in` meets them (a dict as an ordered set).

    Walking a big document (GitHub's is 12 MiB) is most of the cost of
    translating it, so scalars are passed over by their exact type before any
    ``isinstance``, and no place names are built.
    """
    found: dict = {}
    stack: list = [data]
    seen: set[int] = set()  # each container once: YAML aliases share them
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, list):
            stack.extend(v for v in node if type(v) not in _SCALARS)
        elif isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                found.setdefault(ref, None)
            stack.extend(v for v in node.values() if type(v) not in _SCALARS)
    return found


_SCALARS = frozenset({str, int, float, bool, type(None)})


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


def translate(document: Document, reserved: Iterable[str] = CLIENT_ATTRIBUTES) -> Translation:
    """The resources map, base URL and notes for a loaded document. Raises MapError.

    ``reserved``: names the client answers itself (:func:`client_names` of a Client subclass), which
    no RPC name may take and which a top-level segment is noted to be shadowed by.
    """
    kind = check_version(document)
    refs = Refs(document)
    refs.check_all()
    paths = document.data.get("paths")
    if not isinstance(paths, Mapping):
        raise MapError("the document has no 'paths' mapping: nothing to call", document.source)
    notes: list[str] = []
    operations = _collect(paths, refs, notes)
    raw = _build_map(operations, notes, frozenset(reserved))
    info = document.data.get("info")
    title = " ".join(str(info.get("title", "")).split()) if isinstance(info, Mapping) else ""
    base = _swagger_base(document) if kind == "swagger" else _server_base(document)
    return Translation(raw, base, tuple(notes), document.source, title, _password_token_url(document.data, refs))


def _password_token_url(data: Mapping, refs: Refs) -> str | None:
    """The ``tokenUrl`` of the first OAuth2 password flow: OpenAPI 3's
    ``components.securitySchemes.*.flows.password``, Swagger 2's ``securityDefinitions``
    with ``flow: password``. None when the document has none (login then asks /info)."""
    components = data.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, Mapping) else None
    schemes = schemes if isinstance(schemes, Mapping) else data.get("securityDefinitions")
    for name, scheme in schemes.items() if isinstance(schemes, Mapping) else ():
        scheme = refs.resolve(scheme, f"security scheme {name}")
        if not isinstance(scheme, Mapping) or scheme.get("type") != "oauth2":
            continue
        flows = scheme.get("flows")
        flow = flows.get("password") if isinstance(flows, Mapping) else (scheme if scheme.get("flow") == "password" else None)
        url = flow.get("tokenUrl") if isinstance(flow, Mapping) else None
        if isinstance(url, str) and url.strip():
            return url.strip()
    return None


@dataclass
class _Route:
    template: str
    operations: list      # [(VERB, operation dict, its own template)], document order
    docs: dict            # VERB -> its summary/description, else its path item's
    query: dict           # VERB -> [query parameter names]
    fields: dict = field(default_factory=dict)     # VERB -> the body's field tree (schemas.body_fields)
    multipart: dict = field(default_factory=dict)  # VERB -> [plain multipart form field names]
    encoding: dict = field(default_factory=dict)   # VERB -> "form" or "multipart": a body that is not JSON


def _collect(paths: Mapping, refs: Refs, notes: list) -> dict[str, _Route]:
    """Routes by template; merged and skipped templates noted.

    Templates naming one path (other variable names, a trailing slash more or
    less) become one route, the first one seen; each operation keeps its own
    template for its verb and RPC name (the map's ``templates:``).
    """
    routes: dict[str, _Route] = {}
    shapes: dict[str, str] = {}   # template with variables blanked, no trailing slash -> template kept
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
        shape = "/".join("{}" if "{" in part else part for part in normalized.rstrip("/").split("/"))
        kept = shapes.setdefault(shape, normalized)
        if kept != normalized:
            notes.append(f"merged {template} into {kept} (the same path spelt another way); "
                         f"its operations keep their own template")
        _note_servers(template, item, operations, notes)
        route = routes.setdefault(kept, _Route(kept, [], {}, {}))
        _add(route, normalized, item, operations, refs, notes)
    return routes


def _normalize(template: str) -> tuple[str, str | None]:
    """``(template as restish keeps it, None)``, or ``(template, why it cannot be a route)``.

    Kept exactly, trailing slash included; only percent-encoded fixed text is decoded.
    """
    if not template.startswith("/") or "?" in template or "#" in template:
        return template, "a path template must start with '/' and hold no query or fragment"
    body = template[1:-1] if template.endswith("/") else template[1:]
    segments = body.split("/") if body else []
    names: list[str] = []
    for index, segment in enumerate(segments):
        pieces = parse_segment(segment) if segment else None
        if not segment:
            return template, "empty path segment"
        if pieces is None:
            return template, f"segment {segment!r} is not text and {{variables}}, which restish routes cannot express"
        text = []
        for is_var, piece in pieces:
            if is_var:
                if piece in names:
                    return template, f"variable {{{piece}}} appears twice"
                names.append(piece)
                text.append(f"{{{piece}}}")
                continue
            # The document's path is URL text; a restish route holds segments as text
            # and encodes them when it sends, so '%20' must not become '%2520'.
            decoded = unquote(piece)
            if any(c in decoded for c in "/{}"):
                return template, f"segment {segment!r} decodes to {decoded!r}, which restish routes cannot express"
            text.append(decoded)
        segments[index] = "".join(text)
    return "/" + "/".join(segments) + ("/" if body and template.endswith("/") else ""), None


def _note_servers(template: str, item: Mapping, operations: list, notes: list) -> None:
    """Note ``servers`` below the top level: restish sends every call to one base URL."""
    if item.get("servers"):
        notes.append(f"ignored the servers of {template}: its calls go to the document's base URL")
    for verb, operation in operations:
        if operation.get("servers"):
            notes.append(f"ignored the servers of {verb} {template}: it is sent to the document's base URL")


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
    item_doc = _doc_of(item)  # a path item's summary applies to its operations without their own
    for verb, operation in operations:
        if any(verb == known for known, _, _ in route.operations):
            if operation.get("operationId") is None:
                notes.append(f"skipped {verb} {template}: {verb} {route.template} is already mapped")
                continue
            notes.append(f"{verb} {template} is reached by its RPC name; "
                         f"{verb} on the proxy goes to {route.template}")
            route.operations.append((verb, operation, template))
            continue
        route.operations.append((verb, operation, template))
        doc = _doc_of(operation) or item_doc
        if doc:
            route.docs[verb] = doc
        where = f"paths {template} {verb.lower()}"
        # Operation-level parameters override path-level ones of the same name and place.
        merged = {**shared, **_parameters(operation.get("parameters"), refs, where)}
        query = [name for name, place in merged if place == "query"]
        if query:
            route.query[verb] = query
        body = schemas.body_fields(operation, merged, refs.resolve, where)
        if body.fields is not None:
            route.fields[verb] = body.fields
        if body.multipart:
            route.multipart[verb] = body.multipart
        if body.encoding:
            route.encoding[verb] = body.encoding


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


def _doc_of(node: Mapping) -> str | None:
    """The node's summary, else its description, stripped; None if it has neither."""
    for key in ("summary", "description"):
        text = node.get(key)
        if isinstance(text, str) and text.strip():
            return text.strip()
    return None


def _build_map(routes: dict[str, _Route], notes: list, client_names: frozenset) -> dict:
    """The resources dict: methods, doc (see :func:`_route_doc`), names."""
    segments = {t.strip("/").split("/")[0]: t for t in reversed(routes) if not t.startswith("/{")}
    segments.pop("", None)
    for segment in sorted(client_names & segments.keys()):
        notes.append(f"/{segment} ({segments[segment]}): api.{segment} is the Client's own attribute; "
                     f"reach the path as api[{segment!r}]")
    taken = _Taken(client_names | segments.keys())
    raw: dict = {"expand": False}  # undeclared key_subkey kwargs stay whole: the schemas say what nests
    for template, route in routes.items():
        verbs = list(dict.fromkeys(verb for verb, _, _ in route.operations))
        spec: dict = {"methods": verbs}
        doc = _route_doc(route, verbs)
        if doc:
            spec["doc"] = doc
        names: dict = {}
        templates: dict = {}
        for verb, operation, own in route.operations:
            name = _rpc_name(operation.get("operationId"), verb, taken, notes, own)
            primary = own == next(t for v, _, t in route.operations if v == verb)
            if primary and own != template:
                templates[verb.lower()] = own  # the verb's own URL, trailing slash and all
            if name:
                names.setdefault(verb.lower(), []).append(name)
                if not primary:
                    templates[name] = own
        if names:
            spec["names"] = {verb: given[0] if len(given) == 1 else given for verb, given in names.items()}
        if templates:
            spec["templates"] = templates
        for key in ("fields", "multipart", "encoding"):  # what the body schemas declare (restish.schemas)
            if getattr(route, key):
                spec[key] = {verb.lower(): value for verb, value in getattr(route, key).items()}
        if route.query:  # a body verb's are sent in the query, not the body; help() shows every verb's
            spec["query"] = {verb.lower(): names for verb, names in route.query.items()}
        raw[template] = spec
    return raw


def client_names(client_class: type) -> frozenset[str]:
    """Names a client of ``client_class`` answers itself (class attributes, settings, the root
    proxy's verbs and attributes: api.get, api.path...), so no RPC name may take them."""
    settings = inspect.signature(client_class.__init__).parameters  # type: ignore[misc]
    names = (*dir(client_class), *settings, *ROOT_ATTRIBUTES)
    return frozenset(name for name in names if not name.startswith("_"))


def _route_doc(route: _Route, verbs: list) -> str | dict | None:
    """One text when the operations agree (or there is one), else ``{verb: its own text}``.

    Each text is the summary then the query parameters, so ``help()`` on an RPC
    method describes that operation, not the first one of its path.
    """
    texts = {route.docs.get(verb) for verb in verbs}
    if len(texts) <= 1:
        query = "\n".join(f"{verb} query: {', '.join(names)}" for verb, names in route.query.items())
        return "\n\n".join(filter(None, (route.docs.get(verbs[0]), query))) or None
    docs = {}
    for verb in verbs:
        query = f"query: {', '.join(route.query[verb])}" if verb in route.query else None
        text = "\n\n".join(filter(None, (route.docs.get(verb), query)))
        if text:
            docs[verb.lower()] = text
    return docs


def _rpc_name(operation_id: Any, verb: str, taken: _Taken, notes: list, template: str) -> str | None:
    """A unique identifier for ``operation_id`` (added to ``taken``), or None."""
    if operation_id is None:
        return None
    if not isinstance(operation_id, str):  # YAML text is kept as written; JSON can still say 404
        notes.append(f"no RPC name for {verb} {template}: operationId {operation_id!r} is not a string")
        return None
    base = _NOT_IDENTIFIER.sub("_", operation_id).strip("_")
    if base[:1].isdigit():
        base = f"op_{base}"
    if not base:
        notes.append(f"no RPC name for {verb} {template}: operationId {operation_id!r} has no letters")
        return None
    if keyword.iskeyword(base):
        base += "_"
    name = taken.first_free(base, verb)
    taken.add(name)
    if name != operation_id:
        notes.append(f"operationId {operation_id!r} ({verb} {template}) is named {name}")
    return name


class _Taken(set):
    """The names taken so far, and for each ``base_verb`` stem the number its next name may have.

    Numbers only grow, as names are only ever added: a stem's next free name is
    found from there, not from 2, and a thousand operations of one operationId
    and verb cost a thousand lookups, not half a million.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        super().__init__(names)
        self.numbers: dict[str, int] = {}

    def first_free(self, base: str, verb: str) -> str:
        """``base``, else ``base_verb``, else ``base_verb_2``, ``_3``...: the first not taken.

        Made one at a time: most operationIds are free as they are, and making
        10,000 candidates for each cost GitHub's description 12 million strings.
        """
        if base not in self:
            return base
        stem = f"{base}_{verb.lower()}"
        if stem not in self:
            return stem
        number = self.numbers.get(stem, 2)
        while f"{stem}_{number}" in self:
            number += 1
        self.numbers[stem] = number + 1
        return f"{stem}_{number}"


# ---------------------------------------------------------------- base URL


def _swagger_base(document: Document) -> str | None:
    """``scheme://host/basePath``; host and scheme default to those of the fetch."""
    data, fetched = document.data, document.fetched_from
    base_path = str(data.get("basePath") or "/")
    host = data.get("host")
    if not host:
        return urljoin(fetched, base_path) if fetched else None
    schemes = data.get("schemes") or []
    if not isinstance(schemes, (list, tuple)):
        raise MapError(f"Swagger 'schemes' must be a list such as [https], not {schemes!r}", document.source)
    schemes = [str(s).lower() for s in schemes]
    fetched_scheme = urlsplit(fetched).scheme if fetched else None
    scheme = fetched_scheme if fetched_scheme in schemes or not schemes else schemes[0]
    return f"{scheme or 'https'}://{host}{base_path if base_path.startswith('/') else '/' + base_path}"


def _server_base(document: Document) -> str | None:
    """The first server's URL with its variables' defaults, resolved against the fetch URL.

    Only the top-level ``servers`` count; those of path items and operations
    are noted and ignored (see the module docstring). Raises MapError for a
    malformed entry.
    """
    source = document.source
    servers = document.data.get("servers") or [{"url": "/"}]
    if not isinstance(servers, list):
        raise MapError(f"'servers' must be a list, got {type(servers).__name__}", source)
    server = servers[0]
    if not isinstance(server, Mapping) or not isinstance(server.get("url"), str):
        raise MapError("servers[0] needs a 'url' string", source)
    url = server["url"]
    variables = server.get("variables") or {}
    if not isinstance(variables, Mapping):
        raise MapError(f"servers[0] 'variables' must be a mapping, got {type(variables).__name__}", source)
    for name in re.findall(r"\{([^{}]+)\}", url):
        variable = variables.get(name)
        if variable is not None and not isinstance(variable, Mapping):
            raise MapError(f"servers[0] variable {name!r} must be a mapping with a 'default'", source)
        default = variable.get("default") if variable is not None else None
        if default is None:
            raise MapError(f"servers[0] url variable {{{name}}} has no default", source)
        url = url.replace(f"{{{name}}}", str(default))
    if urlsplit(url).scheme:
        return url
    return urljoin(document.fetched_from, url) if document.fetched_from else None


# ---------------------------------------------------------------- public entry points


def client_from_openapi(cls: type, spec: Any, url: str | None = None, **kw: Any) -> Any:
    """``cls(base URL, resources=<map from spec>, **kw)``; see :meth:`Client.from_openapi`.

    A spec URL is fetched with the client's ``verify``, ``session`` and ``app``;
    its ``auth`` and ``headers`` go along unless ``url`` names another origin
    (then they are the API's, not the document host's). Raises InvalidValue
    for ``resources=``, MapError for a bad document.
    """
    if "resources" in kw:
        raise InvalidValue("from_openapi builds the map from the document; resources= cannot be given "
                           "(use Client(url, resources=...) for a map of your own)")
    translation = translate(_load_for(spec, url, kw), client_names(cls))
    for note in translation.notes:
        log.info("%s: %s", translation.source, note)
    base = url or translation.base_url
    if not base:
        raise MapError("no base URL: the document names no absolute server and was not fetched "
                       "from a URL; pass url=", translation.source)
    if url is None and kw.get("auth") is None:
        kw["auth"] = _spec_url_auth(spec, base)
    defaults = kw.pop("defaults", None)
    raw_defaults, defaults_name, defaults_lines = (
        read_yaml(defaults, "defaults") if defaults is not None else (None, "<defaults>", {}))
    route_map = compile_map(translation.raw, raw_defaults, translation.source,
                            defaults_source=defaults_name, defaults_lines=defaults_lines)
    route_map = replace(route_map, token_url=translation.token_url)  # where login() gets its token
    return cls(base, resources=route_map, defaults=None, **kw)


def _spec_url_auth(spec: Any, base: str) -> Any:
    """Basic auth from ``user:password@`` in the spec URL, for an API on the spec's origin; else None.

    As ``Client(url)`` does with user info in its URL. The document's own
    ``fetched_from`` has no user info (a redirect may have taken it to another
    origin): the credentials go to the API only when it is where the spec URL
    points, and only when the base URL names no user of its own.
    """
    if not (isinstance(spec, str) and spec.lower().startswith(("http://", "https://"))):
        return None
    if "@" not in urlsplit(spec).netloc or "@" in urlsplit(base).netloc:
        return None
    if transport.origin_of(base) != transport.origin_of(spec):
        return None
    user, password = get_auth_from_url(spec)
    if not (user or password):
        return None
    from .auth import Basic  # late: only clients whose spec URL holds a user pay for it
    return Basic(user, password)


def _load_for(spec: Any, url: str | None, kw: Mapping[str, Any]) -> Document:
    """The document, fetched as the client being built would fetch it."""
    credentials: dict[str, Any] = {}
    spec_is_url = isinstance(spec, str) and spec.lower().startswith(("http://", "https://"))
    if spec_is_url and (url is None or transport.origin_of(url) == transport.origin_of(spec)):
        credentials = {"auth": kw.get("auth"), "headers": kw.get("headers")}
    return load(spec, kw.get("verify"), kw.get("app"), session=kw.get("session"),
                retries=kw.get("retries", 3), **credentials)


def spec_to_yaml(spec: Any, reserved: Iterable[str] = CLIENT_ATTRIBUTES) -> str:
    """resources.yaml text for an OpenAPI document, its notes as leading comments.

    ``reserved`` as for :func:`translate`. Raises MapError for a bad document
    (and TransportError / RequestError when fetching a URL fails).
    """
    translation = translate(load(spec), reserved)
    header = [f"resources.yaml built by restish from {translation.source}"]
    if translation.title:
        header.append(f"API: {translation.title}")
    if translation.base_url:
        header.append(f"base URL: {redact_url(translation.base_url)}")
    header.extend(translation.notes)
    comments = "".join(f"# {' '.join(line.split())}\n" for line in header)
    return comments + dump_map(translation.raw)
