"""An in-memory implementation of the bundled map: the MAX social API's shape, as WSGI.

``make_app()`` returns a fresh app with no data. Log in with
``POST /token`` (``grant_type=password``, any username, password ``demo``),
then send ``X-Oauth-Token``, ``X-Oauth-Username`` and ``X-Oauth-Scope`` with
every call but ``GET /info`` and ``POST /token``. Collections answer newest
first with an ``X-totalItems`` header and page with ``limit`` (default 10)
and ``before=<id of the last item seen>``. Routes of the map the demo does not
implement answer 501.

Standard library only, and no import from the rest of restish, so the demo
runs wherever restish is installed.
"""
from .app import DemoApp, make_app

__all__ = ["make_app", "DemoApp"]
