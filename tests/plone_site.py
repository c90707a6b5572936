"""A Plone 6 site with plone.restapi and restish.plone installed, served on a free port.

plone.app.testing's layers: the sandbox layer loads the ZCML and applies the
profile once per test process; FUNCTIONAL adds a WSGI server (a free port on
localhost) and a fresh DemoStorage per test, so each test's commits vanish
after it. Tests reach it through zope.pytestlayer fixtures (see test_plone.py).
"""
import collections

from plone.app.testing import (PLONE_FIXTURE, SITE_OWNER_NAME, SITE_OWNER_PASSWORD, FunctionalTesting,
                               PloneSandboxLayer)
from plone.testing.zope import WSGI_SERVER_FIXTURE
from Products.Five.browser import BrowserView
from ZODB.POSException import ConflictError
from zope.configuration import xmlconfig

import restish.plone

__all__ = ["FUNCTIONAL", "OWNER", "site_url"]

OWNER = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)  # a Manager of the Zope root, so of the site


class RestishPloneLayer(PloneSandboxLayer):
    defaultBases = (PLONE_FIXTURE,)

    def setUpZope(self, app, configurationContext):
        import plone.restapi
        self.loadZCML(package=plone.restapi)
        self.loadZCML(package=restish.plone)
        xmlconfig.string(_VIEWS, context=configurationContext)

    def setUpPloneSite(self, portal):
        self.applyProfile(portal, "restish.plone:default")


RESTISH_PLONE = RestishPloneLayer()
FUNCTIONAL = FunctionalTesting(bases=(RESTISH_PLONE, WSGI_SERVER_FIXTURE), name="RestishPlone:Functional")


def site_url(layer) -> str:
    """The site's URL on the layer's WSGI server."""
    return f"http://{layer['host']}:{layer['port']}/{layer['portal'].getId()}"


class QueueView(BrowserView):
    """``@@restish-queue?key=K&names=a,b``: POST to each name through the site's client,
    after the commit. ``fail=1``: then raise (the transaction aborts); ``conflict=1``: raise
    a ConflictError on the first try of ``key`` (Zope replays the request)."""

    tries: collections.Counter = collections.Counter()

    def __call__(self):
        form = self.request.form
        api = restish.plone.client().after_commit
        pending = [api[name].post(data={"name": name}) for name in form["names"].split(",")]
        QueueView.tries[form["key"]] += 1
        if form.get("conflict") and QueueView.tries[form["key"]] == 1:
            raise ConflictError("first try of the request")
        if form.get("fail"):
            raise ValueError("the view fails, so its transaction aborts")
        return f"queued {len(pending)}, sent before the commit: {sum(p.done for p in pending)}"


_VIEWS = """
<configure xmlns="http://namespaces.zope.org/browser">
  <page name="restish-queue" for="*" class="plone_site.QueueView" permission="cmf.ManagePortal" />
</configure>
"""
