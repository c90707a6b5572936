"""Pyramid integration: ``config.include('restish.pyramid')``.

One :class:`~restish.Client` is built from the ``restish.*`` settings when the
add-on is included (see :mod:`restish.settings` for the keys) and every request
reaches it as ``request.restish``. All requests of the process share it and so
share one connection pool; the client is safe to share between threads and
keeps ``last_response`` per thread. ``restish.resources`` and
``restish.defaults`` may be asset specs (``myapp:maps/resources.yaml``), and
``restish.auth`` a dotted name, resolved with ``config.maybe_dotted``.

With pyramid_tm, ``request.restish.after_commit`` queues writes on the
request's own transaction manager (``request.tm``), so they go out only when
the request commits, and once when pyramid_retry replays it.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .errors import InvalidValue
from .settings import from_settings

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request

    from .client import Client

__all__ = ["includeme", "PREFIX"]

PREFIX = "restish."


def includeme(config: "Configurator") -> None:
    """Build the shared client and add ``request.restish`` (reified per request).

    Raises InvalidValue or MapError naming a bad ``restish.*`` setting.
    """
    settings = dict(config.get_settings())
    for name in ("resources", "defaults"):
        _resolve_asset(settings, PREFIX + name)
    client = from_settings(settings, PREFIX, resolve=config.maybe_dotted)
    client._transaction_manager = _request_manager  # after_commit joins the request's tm
    config.registry.restish = client
    config.add_request_method(_request_client, "restish", reify=True)


def _request_client(request: "Request") -> "Client":
    return request.registry.restish


def _request_manager() -> Any:
    """The current request's ``request.tm`` (pyramid_tm), else ``transaction.manager``."""
    from pyramid.threadlocal import get_current_request

    from .commit import default_manager
    request = get_current_request()
    manager = getattr(request, "tm", None) if request is not None else None
    return manager if manager is not None else default_manager()


def _resolve_asset(settings: dict[str, Any], key: str) -> None:
    """Turn an asset spec (``package:path``) into a file path, in place."""
    value = settings.get(key)
    if not isinstance(value, str) or ":" not in value or os.path.isabs(value.strip()):
        return
    from pyramid.path import AssetResolver
    try:
        settings[key] = AssetResolver().resolve(value.strip()).abspath()
    except (ImportError, ValueError) as exc:
        raise InvalidValue(f"setting {key}: cannot resolve asset spec {value.strip()!r}: {exc}") from exc
