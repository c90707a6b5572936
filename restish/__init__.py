"""restish: one client object that navigates any REST API by attribute and item access.

Public names and the submodules a user reaches through the package
(``restish.demo``, ``restish.auth``...) are imported lazily (PEP 562), so that
``restish --help`` does not pay for importing requests. Imported into an
interactive stdlib REPL, restish lets readline's TAB complete after item
access too (``api.people['alice'].<TAB>``, see :mod:`restish.completion`).
"""
from __future__ import annotations

import importlib
import sys
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
        "RestishError", "MapError", "UnknownResource", "ShadowedWarning", "MethodNotAllowed", "InvalidValue",
        "DecodeError", "LoginError", "TransportError", "ConnectionError", "Timeout", "RedirectError",
        "RequestError", "ClientError",
        "ServerError", "BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict",
        "PreconditionFailed", "TooManyRequests", "InternalServerError", "BadGateway",
        "ServiceUnavailable", "GatewayTimeout",
    )},
}
__all__ = sorted(_EXPORTS) + ["__version__"]
# Reached as restish.<name> after a bare ``import restish``; plone needs the restish[plone] extra.
_SUBMODULES = frozenset({"auth", "retry", "demo", "pyramid", "plone"})

if TYPE_CHECKING:  # "X as X": names a type checker sees as exported (mypy --strict)
    from .client import BUNDLED as BUNDLED, Client as Client
    from .commit import Pending as Pending
    from .curl import to_curl as to_curl
    from .errors import (BadGateway as BadGateway, BadRequest as BadRequest, ClientError as ClientError,
                         Conflict as Conflict, ConnectionError as ConnectionError, DecodeError as DecodeError, Forbidden as Forbidden,
                         GatewayTimeout as GatewayTimeout, InternalServerError as InternalServerError,
                         InvalidValue as InvalidValue, LoginError as LoginError, MapError as MapError,
                         MethodNotAllowed as MethodNotAllowed, NotFound as NotFound,
                         PreconditionFailed as PreconditionFailed, RedirectError as RedirectError,
                         RequestError as RequestError, RestishError as RestishError,
                         ShadowedWarning as ShadowedWarning,
                         ServerError as ServerError, ServiceUnavailable as ServiceUnavailable, Timeout as Timeout,
                         TooManyRequests as TooManyRequests, TransportError as TransportError,
                         Unauthorized as Unauthorized, UnknownResource as UnknownResource)
    from .resources import ResourceCollection as ResourceCollection, ResourceItem as ResourceItem
    from .settings import from_settings as from_settings


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:  # ``restish.demo.make_app()`` without importing restish.demo first
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise  # the module is there but needs a package (restish[plone]): say which
            raise AttributeError(f"module 'restish' has no attribute {name!r} in this version") from None
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'restish' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*__all__, *_SUBMODULES})


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext restish``: tab completion over the map, after item access too."""
    from .ipython import load_ipython_extension as load
    load(shell)


def unload_ipython_extension(shell: Any) -> None:
    """``%unload_ext restish``."""
    from .ipython import unload_ipython_extension as unload
    unload(shell)


# In the stdlib REPL (``python -i``, or ``import restish`` at a ``>>>`` prompt), readline
# hands completers only the word after "]"; restish's completer reads the whole line.
if sys.flags.interactive or hasattr(sys, "ps1"):
    from .completion import install_readline
    install_readline()
