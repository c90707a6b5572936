"""restish: one client object that navigates any REST API by attribute and item access.

Public names are imported lazily (PEP 562) so that ``restish --help`` does not
pay for importing requests.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .version import __version__

_EXPORTS = {
    "Client": "client",
    "BUNDLED": "client",
    "ResourceCollection": "resources",
    "ResourceItem": "resources",
    "to_curl": "curl",
    "Pending": "commit",
    "from_settings": "settings",
    **{name: "errors" for name in (
        "RestishError", "MapError", "UnknownResource", "MethodNotAllowed", "InvalidValue",
        "DecodeError", "LoginError", "TransportError", "ConnectionError", "Timeout", "RedirectError",
        "RequestError", "ClientError",
        "ServerError", "BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict",
        "PreconditionFailed", "TooManyRequests", "InternalServerError", "BadGateway",
        "ServiceUnavailable", "GatewayTimeout",
    )},
}
__all__ = sorted(_EXPORTS) + ["__version__"]
_SUBMODULES = frozenset({"auth", "retry", "plone"})

if TYPE_CHECKING:
    from .client import BUNDLED, Client
    from .commit import Pending
    from .errors import (BadGateway, BadRequest, ClientError, Conflict, ConnectionError, DecodeError, Forbidden,
                         GatewayTimeout, InternalServerError, InvalidValue, LoginError, MapError,
                         MethodNotAllowed, NotFound, PreconditionFailed, RequestError,
                         RedirectError, RestishError, ServerError, ServiceUnavailable, Timeout, TooManyRequests,
                         TransportError, Unauthorized, UnknownResource)
    from .resources import ResourceCollection, ResourceItem


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:  # ``restish.auth.Bearer(...)`` without importing restish.auth first
        return importlib.import_module(f".{name}", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'restish' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
