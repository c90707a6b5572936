"""A Flask app called in-process through ``Client(url, app=...)`` (tests/realservers/flask_app.py).

Each test checks what the app stored. ``xfail(strict=True)`` marks a behaviour
issue 18 wants and today's code lacks; remove the mark with the fix.
"""
import hashlib

import pytest

import restish

URL = "http://flask.inprocess"


@pytest.fixture
def api(flask_app):
    with restish.Client(URL, resources=None, app=flask_app) as api:
        yield api


def test_a_get_reaches_the_app(api, flask_app):
    flask_app.config["STORED"]["people"].append({"id": 1, "name": "seeded"})
    assert api.people.get() == [{"id": 1, "name": "seeded"}]


def test_a_json_body_is_stored(api, flask_app):
    created = api.people.post(name="Ada", languages=["en", "fr"])
    assert flask_app.config["STORED"]["people"] == [{"id": created["id"], "name": "Ada", "languages": ["en", "fr"]}]


def test_a_multipart_upload_is_stored(api, flask_app, tmp_path):
    content = bytes(range(256)) * 1000
    path = tmp_path / "blob.bin"
    path.write_bytes(content)
    api.files.post(upload_file=path, upload_file_extra=("extra.txt", (tmp_path / "x").open("wb+")))
    stored = flask_app.config["STORED"]
    assert [(f["field"], f["filename"], f["size"]) for f in stored["files"]] == [
        ("file", "blob.bin", len(content)), ("extra", "extra.txt", 0)]
    assert stored["files"][0]["sha256"] == hashlib.sha256(content).hexdigest()


def test_form_fields_beside_a_file_are_plain_form_fields(api, flask_app, tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"notes")
    api.files.post(upload_file=path, form={"description": "my notes", "tags": ["a", "b"]})
    stored = flask_app.config["STORED"]
    assert stored["forms"] == [{"description": ["my notes"], "tags": ["a", "b"]}]
    assert [(f["field"], f["size"]) for f in stored["files"]] == [("file", 5)]


def test_a_raw_body_is_stored_byte_for_byte(api, flask_app):
    body = bytes(range(256)) * 300
    api.raw.put(data=body)
    assert flask_app.config["STORED"]["raw"] == [body]
