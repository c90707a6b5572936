"""Session-scoped fixtures for the real servers; registered by tests/conftest.py.

- ``drf``: :class:`DrfServer` (``.url``, ``.things()``, ``.item_ids()`` read the
  sqlite file the server writes);
- ``fastapi_server``: :class:`FastAPIServer` (``.url``, ``.stored()`` is the app's
  ``/_stored``, fetched without restish);
- ``flask_app``: a fresh Flask app per test, its store at ``app.config["STORED"]``;
- ``github_spec``: GitHub's REST description as a dict (tests/data, never the network).
"""
from __future__ import annotations

import gzip
import json
import sqlite3
import urllib.request
from pathlib import Path

import pytest

from .child import ChildServer

HERE = Path(__file__).parent
GITHUB_SPEC = HERE.parent / "data" / "api.github.com.json.gz"


class DrfServer(ChildServer):
    """drf_app.py on a fresh sqlite file; reads what it stored straight from that file."""

    def __init__(self, db: Path) -> None:
        self.db = db
        super().__init__(HERE / "drf_app.py", str(db), ready_path="/api/")

    def _rows(self, sql: str, *args) -> list:
        with sqlite3.connect(self.db, timeout=10) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(row) for row in conn.execute(sql, args)]

    def things(self) -> dict:
        """Every stored Thing, by id: ``{id: {"id", "name", "first_name", "nick_name", "size", "status"}}``."""
        return {row["id"]: row for row in self._rows("SELECT * FROM things_thing")}

    def item_ids(self) -> list:
        """The ids of the seeded Items, in order (1..250)."""
        return [row["id"] for row in self._rows("SELECT id FROM things_item ORDER BY id")]


class FastAPIServer(ChildServer):
    """fastapi_app.py under uvicorn."""

    def __init__(self) -> None:
        super().__init__(HERE / "fastapi_app.py", ready_path="/openapi.json")

    def stored(self) -> dict:
        """The app's store (``people``, ``files``, ``forms``, ``requests``), read over plain urllib."""
        with urllib.request.urlopen(self.url + "/_stored", timeout=10) as response:
            return json.load(response)


@pytest.fixture(scope="session")
def drf(tmp_path_factory):
    """A Django REST framework server (tests/realservers/drf_app.py)."""
    with DrfServer(tmp_path_factory.mktemp("drf") / "db.sqlite3") as server:
        yield server


@pytest.fixture(scope="session")
def fastapi_server():
    """A FastAPI app under uvicorn (tests/realservers/fastapi_app.py)."""
    with FastAPIServer() as server:
        yield server


@pytest.fixture
def flask_app():
    """A fresh in-process Flask app (tests/realservers/flask_app.py)."""
    from .flask_app import make_app
    return make_app()


@pytest.fixture(scope="session")
def github_spec():
    """GitHub's REST description from @octokit/openapi (see tests/data/README.rst)."""
    with gzip.open(GITHUB_SPEC, "rt", encoding="utf-8") as file:
        return json.load(file)
