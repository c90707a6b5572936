"""restish in Plone: registry records, a control panel, and the site's configured client.

Install the profile ``restish.plone:default`` (Site Setup > Add-ons), fill in
the control panel ``@@restish-controlpanel``, then in any view::

    import restish.plone
    result = restish.plone.client().people['alice'].get()

Importing this package imports Plone; ``import restish`` never does.
"""
from __future__ import annotations

from .site import client

__all__ = ["client"]
