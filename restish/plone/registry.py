"""``@registry`` as plone.restapi serves it, with the secret ``restish.*`` records masked."""
from __future__ import annotations

from typing import Any

from plone.registry.interfaces import IRegistry
from plone.restapi.interfaces import ISerializeToJson
from plone.restapi.serializer.registry import SerializeRegistryToJson
from plone.restapi.services.registry.get import RegistryGet
from zope.component import adapter, getUtility
from zope.interface import implementer

from .controlpanel import masked
from .interfaces import PREFIX, SECRETS, IRestishLayer

__all__ = ["MaskedRegistryGet", "SerializeMaskedRegistry"]

SECRET_RECORDS = frozenset(f"{PREFIX}.{name}" for name in SECRETS)


class MaskedRegistryGet(RegistryGet):
    """``GET @registry/<name>``: a secret record answers whether it is set, not its value."""

    def reply(self) -> Any:
        if len(self.params) == 1 and self.params[0] in SECRET_RECORDS:
            return masked(getUtility(IRegistry).get(self.params[0]))
        return super().reply()


@adapter(IRegistry, IRestishLayer)
@implementer(ISerializeToJson)
class SerializeMaskedRegistry(SerializeRegistryToJson):
    """The ``GET @registry`` listing with the secret records masked."""

    def __call__(self) -> dict[str, Any]:
        result = super().__call__()
        for item in result["items"]:
            if item["name"] in SECRET_RECORDS:
                item["value"] = masked(item["value"])
        return result
