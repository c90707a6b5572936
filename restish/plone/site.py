"""The site's configured client: records under environment overrides, one client per thread."""
from __future__ import annotations

import hashlib
import json
import os
import threading
from typing import Any, Mapping

from plone.registry.interfaces import IRegistry
from zope.component import queryUtility
from zope.component.hooks import getSite
from zope.schema import getFieldNames

from ..errors import RestishError
from ..settings import KEYS, from_settings
from .interfaces import PREFIX, IRestishSettings

__all__ = ["client", "effective_settings"]

_CREDENTIALS = ("auth", "token", "user")
_local = threading.local()


def client() -> Any:
    """The current site's :class:`restish.Client`, built from its ``restish.*`` records.

    ``RESTISH_<NAME>`` environment variables win over the records (the
    credentials as one group: an environment token replaces a stored auth).
    Each thread keeps its own client per site and builds a new one when the
    records or the environment changed. Raises InvalidValue or MapError
    naming the bad setting, never its value; RestishError outside a Plone site.
    """
    site = getSite()
    registry = queryUtility(IRegistry) if site is not None else None
    if registry is None:
        raise RestishError("restish.plone.client() needs a Plone site: call it during a request "
                           "to the site (or after zope.component.hooks.setSite(portal))")
    settings = effective_settings(_records(registry), os.environ)
    fingerprint = hashlib.sha256(json.dumps(sorted(settings.items())).encode()).hexdigest()
    cache = _local.__dict__.setdefault("clients", {})
    path = "/".join(site.getPhysicalPath())
    known = cache.get(path)
    if known is not None and known[0] == fingerprint:
        return known[1]
    built = from_settings(settings, PREFIX + ".")
    cache[path] = (fingerprint, built)
    if known is not None:
        known[1].close()  # settings changed: its pooled connections go now, not at exit
    return built


def effective_settings(records: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """``{'restish.<name>': value}``: the records, overridden by ``RESTISH_<NAME>`` variables."""
    given = {name: value for name, value in records.items() if value is not None}
    env = {name: environ[f"RESTISH_{name.upper()}"] for name in KEYS if f"RESTISH_{name.upper()}" in environ}
    if any(name in env for name in _CREDENTIALS):
        # One way to authenticate: a stored auth must not meet an environment token.
        given = {name: value for name, value in given.items() if name not in _CREDENTIALS}
    given.update(env)
    return {f"{PREFIX}.{name}": value for name, value in given.items()}


def _records(registry: IRegistry) -> dict[str, Any]:
    """The stored ``restish.*`` values by name (None where unset or not installed)."""
    return {name: registry.get(f"{PREFIX}.{name}") for name in getFieldNames(IRestishSettings)}
