"""Real frameworks for the tests: DRF, FastAPI, Flask apps and GitHub's REST description.

Each server runs as its own process (see :mod:`realservers.child`) on a free
127.0.0.1 port; :mod:`realservers.fixtures` makes them session-scoped pytest
fixtures. The app modules are scripts the child runs; nothing here imports them
into the test process except the in-process Flask app.
"""
