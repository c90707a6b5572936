"""A Flask app for in-process calls: ``Client(url, app=make_app())``.

- ``POST /people``: a JSON body, stored as parsed; answers it with an ``id``.
- ``POST /files``: multipart; stores each file (name, size, sha256, content type)
  and the plain form fields.
- ``PUT /raw``: stores the raw body bytes, read through ``request.get_data()``.
- ``GET /people``: the people stored.

``app.config["STORED"]`` is what the app stored: ``people``, ``files``,
``forms``, ``raw``.
"""
from __future__ import annotations

import hashlib

from flask import Flask, jsonify, request


def make_app() -> Flask:
    """A fresh app with an empty store."""
    app = Flask("restish_tests_flask")
    stored: dict = {"people": [], "files": [], "forms": [], "raw": []}
    app.config["STORED"] = stored

    @app.post("/people")
    def create_person():
        person = {"id": len(stored["people"]) + 1, **request.get_json()}
        stored["people"].append(person)
        return jsonify(person), 201

    @app.get("/people")
    def list_people():
        return jsonify(stored["people"])

    @app.post("/files")
    def upload():
        files = [{"field": field, "filename": f.filename, "content_type": f.mimetype,
                  **_digest(f.read())} for field, f in request.files.items(multi=True)]
        stored["files"].extend(files)
        stored["forms"].append(request.form.to_dict(flat=False))
        return jsonify({"files": files, "form": request.form.to_dict(flat=False)}), 201

    @app.put("/raw")
    def raw():
        body = request.get_data()
        stored["raw"].append(body)
        return jsonify(_digest(body))

    return app


def _digest(content: bytes) -> dict:
    return {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
