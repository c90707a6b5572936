"""Routes of the demo: the views it implements, the ones the bundled map declares.

Handlers register with ``@view(METHOD, template)``. A route the bundled
``resources.yaml`` declares but no view implements answers 501, so the demo
covers the whole map; a path no route matches answers 404.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping
from urllib.parse import unquote, urlsplit

from .http import wsgi_str

log = logging.getLogger(__name__)

Handler = Callable  # (Request, Store) -> Response


@dataclass(frozen=True)
class View:
    handler: Handler
    public: bool  # no OAuth headers needed


VIEWS: dict[str, dict[str, View]] = {}  # template -> METHOD -> View


def view(method: str, template: str, *, public: bool = False) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``method template``."""
    def register(handler: Handler) -> Handler:
        VIEWS.setdefault(template, {})[method] = View(handler, public)
        return handler
    return register


@dataclass(frozen=True)
class Route:
    template: str
    segments: tuple  # ((is_variable, name), ...)
    mapped: frozenset = frozenset()  # methods resources.yaml declares
    views: Mapping[str, View] = field(default_factory=dict)

    @property
    def rank(self) -> tuple:
        # At each level a fixed segment beats a variable (/contexts/public vs /contexts/{hash}).
        return tuple(not is_var for is_var, _ in self.segments)

    def match(self, segments: list) -> dict | None:
        if len(segments) != len(self.segments):
            return None
        params = {}
        for value, (is_var, name) in zip(segments, self.segments):
            if is_var and value:
                params[name] = value
            elif is_var or value != name:
                return None
        return params

    def allowed(self) -> list:
        methods = set(self.mapped) | set(self.views) | {"OPTIONS"}
        if "GET" in methods:
            methods.add("HEAD")  # HTTP: HEAD goes wherever GET does
        return sorted(methods)

    def view_for(self, method: str) -> View | None:
        if method == "HEAD" and "HEAD" not in self.views:
            method = "GET"
        return self.views.get(method)


class Router:
    def __init__(self, mapped: Mapping[str, Iterable[str]], views: Mapping[str, Mapping[str, View]]) -> None:
        self.routes = [
            Route(template, split(template), frozenset(mapped.get(template, ())), dict(views.get(template, {})))
            for template in sorted(set(mapped) | set(views))
        ]

    def match(self, segments: list) -> tuple[Route, dict] | None:
        found = [(route, params) for route in self.routes
                 if (params := route.match(segments)) is not None]
        return max(found, key=lambda pair: pair[0].rank, default=None)


def split(template: str) -> tuple:
    return tuple((part.startswith("{") and part.endswith("}"), part.strip("{}"))
                 for part in template.strip("/").split("/"))


def path_segments(environ: dict) -> list:
    """The decoded path segments below SCRIPT_NAME.

    PATH_INFO comes percent-decoded, so ``a%2Fb`` and ``a/b`` look alike there.
    When the server passes the raw URI on (waitress ``REQUEST_URI``, gunicorn
    ``RAW_URI``), the path is split before decoding, so a value may hold a '/'.
    """
    script = wsgi_str(environ.get("SCRIPT_NAME", ""))
    path = wsgi_str(environ.get("PATH_INFO", ""))
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if raw:
        raw_segments = [unquote(part) for part in urlsplit(raw).path.split("/")]
        if "/".join(raw_segments) == script + path:  # no rewriting proxy in between
            return raw_segments[1 + script.count("/"):] if script else raw_segments[1:]
    return path.split("/")[1:]


def bundled_map() -> dict[str, frozenset]:
    """Route -> methods of the bundled resources.yaml, or {} when it is not installed."""
    here = Path(__file__).resolve().parent  # restish/demo
    for candidate in (here.parent / "resources.yaml", here.parent.parent / "resources.yaml"):
        if candidate.is_file():
            return load_map(candidate)
    log.warning("restish.demo: no bundled resources.yaml; routes the demo lacks will answer 404, not 501")
    return {}


def load_map(path: Path) -> dict[str, frozenset]:
    import yaml  # PyYAML is a restish dependency; imported here so routing stays cheap to import

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of route templates")
    return {str(template): frozenset(str(m).upper() for m in spec.get("methods") or ())
            for template, spec in data.items() if isinstance(spec, dict)}
