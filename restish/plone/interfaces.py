"""The records' schema (``restish.*`` in the registry) and the add-on's browser layer."""
from __future__ import annotations

from plone.restapi.controlpanels.interfaces import IControlpanel
from plone.restapi.interfaces import IPloneRestapiLayer
from zope import schema
from zope.interface import Interface

PREFIX = "restish"
# Records whose value is never shown back (control panel, @controlpanels, @registry).
SECRETS = ("auth", "token")
MASK = "********"


class IRestishLayer(IPloneRestapiLayer):
    """Requests to a site where restish.plone is installed.

    It extends plone.restapi's layer so that the add-on's @registry service is
    the more specific one and wins.
    """


class IRestishControlpanel(IControlpanel):
    """The restish panel of @controlpanels (Volto): its values are masked."""


class IRestishSettings(Interface):
    """How ``restish.plone.client()`` reaches the remote API.

    Each record is a string read by :func:`restish.from_settings`; a
    ``RESTISH_<NAME>`` environment variable wins over the record of that name.
    """

    url = schema.TextLine(
        title="API URL", description="Base URL of the REST API, e.g. https://api.example.com/v1.",
        required=False)
    resources = schema.TextLine(
        title="Endpoint map", required=False,
        description="Path of a resources.yaml on the server. Unset: the bundled map; "
                    "set to the empty string (e.g. through @registry): permissive mode.")
    defaults = schema.TextLine(
        title="Default payloads", description="Path of a defaults.yaml on the server.", required=False)
    auth = schema.Password(
        title="Authentication", required=False,
        description="bearer:TOKEN, basic:USER:PASSWORD, maxoauth:USER:TOKEN or a dotted name. "
                    "Never shown back; leave empty to keep the stored value. "
                    "RESTISH_AUTH in the environment keeps it out of the database.")
    token = schema.Password(
        title="Token", required=False,
        description="Sent as a Bearer token (instead of Authentication). Never shown back; "
                    "leave empty to keep the stored value. RESTISH_TOKEN in the environment "
                    "keeps it out of the database.")
    timeout = schema.TextLine(
        title="Timeout", description="Seconds: '5' or connect,read '5,30'.", required=False,
        default="5,30")
