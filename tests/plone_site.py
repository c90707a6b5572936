"""A Plone 6 site with plone.restapi and restish.plone installed, served on a free port.

plone.app.testing's layers: the sandbox layer loads the ZCML and applies the
profile once per test process; FUNCTIONAL adds a WSGI server (a free port on
localhost) and a fresh DemoStorage per test, so each test's commits vanish
after it. Tests reach it through zope.pytestlayer fixtures (see test_plone.py).
"""
from plone.app.testing import (PLONE_FIXTURE, SITE_OWNER_NAME, SITE_OWNER_PASSWORD, FunctionalTesting,
                               PloneSandboxLayer)
from plone.testing.zope import WSGI_SERVER_FIXTURE

__all__ = ["FUNCTIONAL", "OWNER", "site_url"]

OWNER = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)  # a Manager of the Zope root, so of the site


class RestishPloneLayer(PloneSandboxLayer):
    defaultBases = (PLONE_FIXTURE,)

    def setUpZope(self, app, configurationContext):
        import plone.restapi

        import restish.plone
        self.loadZCML(package=plone.restapi)
        self.loadZCML(package=restish.plone)

    def setUpPloneSite(self, portal):
        self.applyProfile(portal, "restish.plone:default")


RESTISH_PLONE = RestishPloneLayer()
FUNCTIONAL = FunctionalTesting(bases=(RESTISH_PLONE, WSGI_SERVER_FIXTURE), name="RestishPlone:Functional")


def site_url(layer) -> str:
    """The site's URL on the layer's WSGI server."""
    return f"http://{layer['host']}:{layer['port']}/{layer['portal'].getId()}"
