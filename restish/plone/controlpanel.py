"""The control panel: ``@@restish-controlpanel`` (Classic) and ``@controlpanels/restish`` (Volto).

Secret records (``restish.auth``, ``restish.token``) are write-only here: the
Classic form shows them as empty password fields, Volto gets them masked, and
an empty (or masked) value sent back keeps the stored one.
"""
from __future__ import annotations

from typing import Any

from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper, RegistryEditForm
from plone.restapi.controlpanels import RegistryConfigletPanel
from plone.restapi.deserializer import json_body
from plone.restapi.deserializer.controlpanels import ControlpanelDeserializeFromJson
from plone.restapi.interfaces import IControlpanelLayer, IDeserializeFromJson, ISerializeToJson
from plone.restapi.serializer.controlpanels import ControlpanelSerializeToJson
from plone.z3cform import layout
from zope.component import adapter
from zope.interface import Interface, implementer

from .interfaces import MASK, PREFIX, SECRETS, IRestishControlpanel, IRestishSettings

__all__ = ["RestishSettingsForm", "RestishControlPanel", "RestishControlpanel", "masked"]


def masked(value: Any) -> Any:
    """What a reader sees of a secret: whether one is set, never what it is."""
    return MASK if value else None


def kept(name: str, value: Any) -> bool:
    """False for a secret sent back empty or masked: the stored one stays."""
    return name not in SECRETS or value not in (None, "", MASK)


class RestishSettingsForm(RegistryEditForm):
    """The Classic form over the ``restish.*`` records."""

    schema = IRestishSettings
    schema_prefix = PREFIX
    label = "restish"
    description = ("The REST API that restish.plone.client() talks to. "
                   "RESTISH_* environment variables on the server win over these values.")

    def updateWidgets(self, prefix: Any = None) -> None:
        super().updateWidgets(prefix)
        for name in SECRETS:  # Plone's password widget would render the value
            self.widgets[name].value = ""

    def applyChanges(self, data: dict[str, Any]) -> Any:
        return super().applyChanges({name: value for name, value in data.items() if kept(name, value)})


RestishControlPanel = layout.wrap_form(RestishSettingsForm, ControlPanelFormWrapper)


@adapter(Interface, IControlpanelLayer)
@implementer(IRestishControlpanel)
class RestishControlpanel(RegistryConfigletPanel):
    """The Volto control panel over the same records."""

    schema = IRestishSettings
    schema_prefix = PREFIX
    configlet_id = "restish"
    configlet_category_id = "Products"


@adapter(IRestishControlpanel)
@implementer(ISerializeToJson)
class SerializeRestishPanel(ControlpanelSerializeToJson):
    """plone.restapi's panel serializer, with the secrets masked."""

    def __call__(self) -> dict[str, Any]:
        result = super().__call__()
        data = result.get("data", {})
        for name in SECRETS:
            if name in data:
                data[name] = masked(data[name])
        return result


@adapter(IRestishControlpanel)
@implementer(IDeserializeFromJson)
class DeserializeRestishPanel(ControlpanelDeserializeFromJson):
    """plone.restapi's panel deserializer; a secret sent back empty or masked is kept."""

    def __call__(self, mask_validation_errors: bool = True) -> Any:
        body = json_body(self.request)
        proxy = self.registry.forInterface(self.schema, prefix=self.schema_prefix)
        stored = {name: getattr(proxy, name) for name in SECRETS if name in body and not kept(name, body[name])}
        try:
            return super().__call__(mask_validation_errors)
        finally:
            for name, value in stored.items():
                setattr(proxy, name, value)
