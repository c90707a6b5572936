"""restish.demo over a real socket.

Each test gets a fresh app behind ``wsgiref.validate.validator`` (any PEP 3333
violation fails the test), served by a threaded wsgiref server on
127.0.0.1, port 0, and talks to it with plain ``requests``.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import socketserver
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.util import shift_path_info
from wsgiref.validate import validator

import pytest
import requests
import yaml

from restish.demo import make_app
from restish.demo.app import Settings, DemoApp
from restish.demo.http import json_response
from restish.demo.routing import Router, View
from restish.demo.store import Store

pytestmark = pytest.mark.filterwarnings("error::wsgiref.validate.WSGIWarning")

MAP = yaml.safe_load((Path(__file__).resolve().parent.parent / "resources.yaml").read_text())
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
MiB = 1024 * 1024


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64  # the default listen backlog of 5 drops bursts of connections


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


class Checked:
    """The app behind the validator; records what escapes it (a validator assertion, a crash)."""

    def __init__(self, app):
        self.app, self.errors = validator(app), []

    def __call__(self, environ, start_response):
        try:
            result = self.app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                result.close()
        except BaseException as exc:
            self.errors.append(exc)
            raise


class Demo:
    """A served app: its URL, a session, and OAuth headers per user."""

    def __init__(self, url):
        self.url, self.http, self._headers = url, requests.Session(), {}

    def token(self, username="alice", password="demo", **extra):
        form = {"grant_type": "password", "username": username, "password": password, **extra}
        return self.http.post(self.url + "/token", data=form)

    def auth(self, username="alice"):
        if username not in self._headers:
            token = self.token(username).json()["access_token"]
            self._headers[username] = {"X-Oauth-Token": token, "X-Oauth-Username": username,
                                       "X-Oauth-Scope": "widgetcli"}
        return self._headers[username]

    def call(self, method, path, as_user="alice", **kwargs):
        headers = {**self.auth(as_user), **kwargs.pop("headers", {})}
        return self.http.request(method, self.url + path, headers=headers, **kwargs)

    def person(self, username, display_name=None):
        body = {"displayName": display_name} if display_name else {}
        response = self.call("POST", f"/people/{username}", json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def post(self, username, content, as_user=None, **body):
        body = {"object": {"objectType": "note", "content": content}, **body}
        response = self.call("POST", f"/people/{username}/activities", as_user or username, json=body)
        assert response.status_code == 201, response.text
        return response.json()


@contextmanager
def serve(app):
    checked = Checked(app)
    server = make_server("127.0.0.1", 0, checked, server_class=ThreadingWSGIServer, handler_class=QuietHandler)
    # The socket already listens, so no waiting; a short poll makes shutdown() quick.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield Demo(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert not checked.errors, checked.errors


@pytest.fixture
def demo():
    with serve(make_app()) as served:
        yield served


@pytest.fixture
def alice(demo):
    demo.person("alice", "Alice")
    return demo


def assert_max_error(response, status, error):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == error, body
    assert isinstance(body["error_description"], str) and body["error_description"]
    return body["error_description"]


# -- /info and /token


def test_info_names_this_server_as_oauth_server(demo):
    response = demo.http.get(demo.url + "/info")
    assert response.status_code == 200
    assert response.json()["max.oauth_server"] == demo.url
    assert response.json()["version"]


def test_info_follows_script_name():
    app = make_app()

    def mounted(environ, start_response):  # the demo mounted under /api
        if shift_path_info(environ) != "api":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not here"]
        return app(environ, start_response)

    with serve(mounted) as served:
        response = served.http.get(served.url + "/api/info")
        assert response.json()["max.oauth_server"] == served.url + "/api"


def test_token_password_grant(demo):
    response = demo.token("alice", scope="widgetcli")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600 and body["scope"] == "widgetcli"
    assert response.headers["Cache-Control"] == "no-store"


def test_token_grant_accepts_json(demo):
    response = demo.http.post(demo.url + "/token", json={"grant_type": "password", "username": "bob",
                                                          "password": "demo"})
    assert response.status_code == 200 and response.json()["access_token"]


@pytest.mark.parametrize("form, error", [
    ({"grant_type": "password", "username": "alice", "password": "wrong"}, "invalid_grant"),
    ({"grant_type": "password", "username": "", "password": "demo"}, "invalid_request"),
    ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
    ({"grant_type": "refresh_token", "refresh_token": "nope"}, "invalid_grant"),
])
def test_token_refusals(demo, form, error):
    response = demo.http.post(demo.url + "/token", data=form)
    assert_max_error(response, 400, error)
    assert "wrong" not in response.text  # the password is never echoed


def test_refresh_token_grant_issues_a_working_token(demo):
    first = demo.token("alice").json()
    response = demo.http.post(demo.url + "/token", data={"grant_type": "refresh_token",
                                                         "refresh_token": first["refresh_token"]})
    renewed = response.json()
    assert response.status_code == 200 and renewed["access_token"] != first["access_token"]
    assert renewed["refresh_token"] == first["refresh_token"]
    headers = {"X-Oauth-Token": renewed["access_token"], "X-Oauth-Username": "alice", "X-Oauth-Scope": "widgetcli"}
    assert demo.http.get(demo.url + "/people", headers=headers).status_code == 200


def test_expired_token_is_401():
    with serve(make_app(token_ttl=0)) as served:
        token = served.token("alice").json()["access_token"]
        headers = {"X-Oauth-Token": token, "X-Oauth-Username": "alice", "X-Oauth-Scope": "widgetcli"}
        assert_max_error(served.http.get(served.url + "/people", headers=headers), 401, "Unauthorized")


# -- authentication


def test_401_without_headers(demo):
    response = demo.http.get(demo.url + "/people")
    assert_max_error(response, 401, "Unauthorized")
    assert "WWW-Authenticate" in response.headers


@pytest.mark.parametrize("override", [
    {"X-Oauth-Token": "0" * 40},        # never issued
    {"X-Oauth-Username": "mallory"},    # somebody else's token
    {"X-Oauth-Scope": ""},              # header missing
])
def test_401_with_bad_headers(demo, override):
    headers = {**demo.auth("alice"), **override}
    assert_max_error(demo.http.get(demo.url + "/people", headers=headers), 401, "Unauthorized")


def test_bearer_token_works_too(demo):
    token = demo.token("alice").json()["access_token"]
    response = demo.http.get(demo.url + "/people", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


# -- people


def test_people_crud(demo):
    created = demo.call("POST", "/people/alice", json={"displayName": "Alice"})
    assert created.status_code == 201
    assert created.json()["username"] == "alice" and OBJECT_ID.match(created.json()["id"])
    again = demo.call("POST", "/people/alice", json={"displayName": "Other"})
    assert again.status_code == 200 and again.json()["displayName"] == "Alice"  # MAX: existing is kept
    assert demo.call("POST", "/people", json={"username": "albert"}).status_code == 201
    demo.person("bob")

    changed = demo.call("PUT", "/people/alice", json={"displayName": "Alice A.", "unknown": 1})
    assert changed.status_code == 200 and "unknown" not in changed.json()
    assert demo.call("GET", "/people/alice").json()["displayName"] == "Alice A."

    listed = demo.call("GET", "/people", params={"username": "al"})
    assert [p["username"] for p in listed.json()] == ["albert", "alice"]
    assert listed.headers["X-totalItems"] == "2"

    assert demo.call("DELETE", "/people/alice").status_code == 204
    assert_max_error(demo.call("GET", "/people/alice"), 404, "UnknownUserError")


def test_unknown_user_is_404_max_style(demo):
    response = demo.call("GET", "/people/messi")
    assert response.status_code == 404
    assert response.json() == {"error": "UnknownUserError", "error_description": "Unknown user: messi"}


def test_utf8_username_in_path(demo):
    assert demo.call("POST", "/people/j%C3%B6rg").json()["username"] == "jörg"
    assert demo.call("GET", "/people/jörg").status_code == 200


# -- activities and paging


def test_activities_page_newest_first_with_limit_and_before(alice):
    posted = [alice.post("alice", f"post {n}")["id"] for n in range(25)]
    assert all(OBJECT_ID.match(i) for i in posted) and posted == sorted(posted)
    newest_first = posted[::-1]

    first = alice.call("GET", "/people/alice/activities")
    assert [a["id"] for a in first.json()] == newest_first[:10]  # default limit 10
    assert first.headers["X-totalItems"] == "25"
    assert first.json()[0]["object"] == {"objectType": "note", "content": "post 24"}

    second = alice.call("GET", "/people/alice/activities", params={"limit": 10, "before": newest_first[9]})
    assert [a["id"] for a in second.json()] == newest_first[10:20]
    third = alice.call("GET", "/people/alice/activities", params={"limit": 10, "before": newest_first[19]})
    assert [a["id"] for a in third.json()] == newest_first[20:]
    everything = alice.call("GET", "/people/alice/activities", params={"limit": 0})
    assert len(everything.json()) == 25


@pytest.mark.parametrize("params", [{"limit": "ten"}, {"limit": "-1"}, {"before": "not-an-id"}])
def test_bad_paging_parameters_are_400(alice, params):
    assert_max_error(alice.call("GET", "/people/alice/activities", params=params), 400, "ValidationError")


def test_head_on_collections(alice):
    alice.post("alice", "one")
    alice.post("alice", "two")
    for path in ("/people/alice/activities", "/activities", "/people"):
        got, head = alice.call("GET", path), alice.call("HEAD", path)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["X-totalItems"] == got.headers["X-totalItems"]
        assert head.headers["Content-Length"] == got.headers["Content-Length"]
    assert alice.call("HEAD", "/activities").headers["X-totalItems"] == "2"


def test_activity_get_and_delete(alice):
    activity = alice.post("alice", "bye", generator="tests")
    assert alice.call("GET", f"/activities/{activity['id']}").json() == activity
    assert activity["generator"] == "tests"
    assert alice.call("DELETE", f"/activities/{activity['id']}").status_code == 204
    assert_max_error(alice.call("GET", f"/activities/{activity['id']}"), 404, "ObjectNotFound")


def test_comments(alice):
    alice.person("bob", "Bob")
    activity = alice.post("alice", "comment me")
    path = f"/activities/{activity['id']}/comments"
    response = alice.call("POST", path, "bob", json={"object": {"objectType": "comment", "content": "nice"}})
    assert response.status_code == 201
    comment = response.json()
    assert comment["verb"] == "comment" and comment["actor"]["username"] == "bob"
    assert comment["object"]["inReplyTo"] == [{"id": activity["id"], "objectType": "activity"}]

    listed = alice.call("GET", path)
    assert [c["content"] for c in listed.json()] == ["nice"] and listed.headers["X-totalItems"] == "1"
    assert alice.call("GET", f"/activities/{activity['id']}").json()["replies"][0]["id"] == comment["id"]
    assert len(alice.call("GET", "/activities/comments").json()) == 1
    assert len(alice.call("GET", "/people/bob/comments").json()) == 1

    assert alice.call("DELETE", f"{path}/{comment['id']}").status_code == 204
    assert alice.call("GET", path).json() == []


def test_likes(alice):
    alice.person("bob")
    activity = alice.post("alice", "like me")
    path = f"/activities/{activity['id']}/likes"
    first = alice.call("POST", path, "bob")
    assert first.status_code == 201 and first.json()["verb"] == "like"
    assert alice.call("POST", path, "bob").status_code == 200  # liking twice changes nothing
    likes = alice.call("GET", path)
    assert [like["username"] for like in likes.json()] == ["bob"] and likes.headers["X-totalItems"] == "1"
    assert alice.call("GET", f"/activities/{activity['id']}").json()["likesCount"] == 1
    assert alice.call("DELETE", f"{path}/bob").status_code == 204
    assert_max_error(alice.call("DELETE", f"{path}/bob"), 404, "ObjectNotFound")


# -- contexts and subscriptions


URL = "http://example.com/team"
HASH = hashlib.sha1(URL.encode()).hexdigest()


def add_context(demo, url=URL):
    return demo.call("POST", "/contexts", json={"objectType": "context", "url": url, "displayName": "Team"})


def test_contexts_carry_the_sha1_of_their_url(alice):
    created = add_context(alice)
    assert created.status_code == 201
    assert created.json()["hash"] == HASH and created.json()["url"] == URL
    assert add_context(alice).status_code == 200  # already there
    assert alice.call("GET", f"/contexts/{HASH}").json()["displayName"] == "Team"
    assert alice.call("GET", "/contexts").headers["X-totalItems"] == "1"
    assert len(alice.call("GET", "/contexts/public").json()) == 1  # the fixed segment beats {hash}

    posted = alice.call("POST", f"/contexts/{HASH}/activities", json={"object": {"objectType": "note",
                                                                                "content": "in team"}})
    assert posted.status_code == 201 and posted.json()["contexts"][0]["hash"] == HASH
    assert [a["id"] for a in alice.call("GET", f"/contexts/{HASH}/activities").json()] == [posted.json()["id"]]

    renamed = alice.call("PUT", f"/contexts/{HASH}", json={"displayName": "The team"})
    assert renamed.json()["displayName"] == "The team"
    assert alice.call("GET", f"/activities/{posted.json()['id']}").json()["contexts"][0]["displayName"] == "The team"
    assert alice.call("DELETE", f"/contexts/{HASH}").status_code == 204
    assert_max_error(alice.call("GET", f"/contexts/{HASH}"), 404, "ObjectNotFound")


def test_subscriptions(alice):
    alice.person("bob", "Bob")
    add_context(alice)
    body = {"object": {"objectType": "context", "url": URL}}
    first = alice.call("POST", "/people/alice/subscriptions", json=body)
    assert first.status_code == 201 and first.json()["verb"] == "subscribe"
    assert alice.call("POST", "/people/alice/subscriptions", json=body).status_code == 200

    listed = alice.call("GET", "/people/alice/subscriptions")
    assert [s["hash"] for s in listed.json()] == [HASH] and listed.headers["X-totalItems"] == "1"
    assert alice.call("GET", "/people/alice").json()["subscribedTo"][0]["url"] == URL
    assert [u["username"] for u in alice.call("GET", f"/contexts/{HASH}/subscriptions").json()] == ["alice"]

    # bob posts in the context: alice's timeline shows it
    in_context = alice.post("bob", "hello team", contexts=[{"objectType": "context", "url": URL}])
    alice.post("bob", "elsewhere")
    assert [a["id"] for a in alice.call("GET", "/people/alice/timeline").json()] == [in_context["id"]]

    assert alice.call("DELETE", f"/people/alice/subscriptions/{HASH}").status_code == 204
    assert alice.call("GET", "/people/alice/subscriptions").json() == []
    unknown = {"object": {"objectType": "context", "url": "http://nowhere"}}
    assert_max_error(alice.call("POST", "/people/alice/subscriptions", json=unknown), 404, "ObjectNotFound")


def test_context_side_subscription(alice):
    alice.person("bob")
    add_context(alice)
    response = alice.call("POST", f"/contexts/{HASH}/subscriptions", json={"actor": {"objectType": "person",
                                                                                    "username": "bob"}})
    assert response.status_code == 201
    assert alice.call("DELETE", f"/contexts/{HASH}/subscriptions/bob").status_code == 204


# -- conversations and messages


def start(demo, participants, content="hi", as_user="alice"):
    body = {"contexts": [{"objectType": "conversation", "participants": participants}],
            "object": {"objectType": "note", "content": content}}
    return demo.call("POST", "/conversations", as_user, json=body)


def test_conversations_and_messages(alice):
    alice.person("bob", "Bob")
    alice.person("carol")
    started = start(alice, ["alice", "bob"])
    assert started.status_code == 201
    message = started.json()
    cid = message["contexts"][0]["id"]
    assert message["object"]["content"] == "hi" and message["contexts"][0]["displayName"] == "Bob"

    conversations = alice.call("GET", "/conversations").json()
    assert [c["id"] for c in conversations] == [cid]
    assert conversations[0]["lastMessage"]["content"] == "hi" and conversations[0]["messages"] == 1

    reply = alice.call("POST", f"/conversations/{cid}/messages", "bob",
                       json={"object": {"objectType": "note", "content": "hello alice"}})
    assert reply.status_code == 201
    messages = alice.call("GET", f"/conversations/{cid}/messages")
    assert [m["object"]["content"] for m in messages.json()] == ["hello alice", "hi"]
    assert messages.headers["X-totalItems"] == "2"
    assert alice.call("GET", f"/people/bob/conversations/{cid}").json()["displayName"] == "Alice"

    assert start(alice, ["bob", "alice"], "again").json()["contexts"][0]["id"] == cid  # the pair is reused
    assert_max_error(alice.call("GET", f"/conversations/{cid}", "carol"), 403, "Forbidden")
    assert alice.call("GET", "/conversations", "carol").json() == []


@pytest.mark.parametrize("participants, error", [
    (["bob", "carol"], "ValidationError"),      # the actor must take part
    (["alice"], "ValidationError"),             # not with oneself
    (["alice", "alice", "bob"], "ValidationError"),
    (["alice", "ghost"], "UnknownUserError"),
    ([], "ValidationError"),
])
def test_bad_conversations_are_400(alice, participants, error):
    alice.person("bob")
    alice.person("carol")
    assert_max_error(start(alice, participants), 400, error)


# -- avatars


def test_avatar_round_trip_5_mib(alice):
    data = os.urandom(5 * MiB)
    files = {"file": ("me.png", data, "image/png")}
    response = alice.call("POST", "/people/alice/avatar", files=files)
    assert response.status_code == 201, response.text
    assert response.json()["size"] == len(data)
    back = alice.call("GET", "/people/alice/avatar")
    assert back.status_code == 200 and back.headers["Content-Type"] == "image/png"
    assert back.content == data
    assert alice.call("GET", "/people/alice/avatar/large").content == data


def test_avatar_type_guessed_from_file_name(alice):
    alice.call("POST", "/people/alice/avatar", files={"file": ("me.jpg", b"\xff\xd8\xff jpeg")})
    assert alice.call("GET", "/people/alice/avatar").headers["Content-Type"] == "image/jpeg"


def test_missing_avatar_is_a_placeholder_png(alice):
    response = alice.call("GET", "/people/alice/avatar")
    assert response.headers["Content-Type"] == "image/png" and response.content.startswith(b"\x89PNG")


@pytest.mark.parametrize("size", [4096, 3 * MiB])  # past the file limit; past the body limit
def test_oversized_avatar_is_400(size):
    with serve(make_app(max_avatar_bytes=1024)) as served:
        served.person("alice")
        files = {"file": ("big.png", b"x" * size, "image/png")}
        description = assert_max_error(served.call("POST", "/people/alice/avatar", files=files), 400,
                                       "ValidationError")
        assert "too large" in description
        assert served.call("GET", "/people/alice").status_code == 200  # the server carries on


def test_chunked_body_is_411_on_a_server_that_does_not_decode_it(alice):
    """wsgiref hands the app the raw chunked stream, with no length and no wsgi.input_terminated."""
    def body():
        yield b'{"displayName": '
        yield b'"Chunked"}'

    response = alice.call("PUT", "/people/alice", data=body(), headers={"Content-Type": "application/json"})
    assert "send a Content-Length" in assert_max_error(response, 411, "LengthRequired")
    assert alice.call("GET", "/people/alice").json()["displayName"] == "Alice"  # the server carries on


def test_body_of_unknown_length_is_read_to_its_end_when_the_server_marks_it():
    """As gunicorn and waitress do for a chunked body: no CONTENT_LENGTH, wsgi.input_terminated set."""
    app, answers = make_app(), []
    token_form = b"grant_type=password&username=alice&password=demo"
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/token", "SCRIPT_NAME": "", "QUERY_STRING": "",
               "SERVER_NAME": "demo.local", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
               "CONTENT_TYPE": "application/x-www-form-urlencoded", "HTTP_TRANSFER_ENCODING": "chunked",
               "wsgi.input": io.BytesIO(token_form), "wsgi.input_terminated": True, "wsgi.errors": io.StringIO(),
               "wsgi.url_scheme": "http", "wsgi.version": (1, 0), "wsgi.multithread": False,
               "wsgi.multiprocess": False, "wsgi.run_once": False}
    result = validator(app)(environ, lambda status, headers, exc_info=None: answers.append(status))
    try:
        body = b"".join(result)
    finally:
        result.close()
    assert answers == ["200 OK"] and b"access_token" in body


def test_avatar_upload_needs_the_file_field(alice):
    response = alice.call("POST", "/people/alice/avatar", files={"picture": ("a.png", b"png")})
    assert "'file'" in assert_max_error(response, 400, "ValidationError")
    truncated = alice.call("POST", "/people/alice/avatar", data=b"--xyz\r\nContent-Disposition: form-data",
                           headers={"Content-Type": "multipart/form-data; boundary=xyz"})
    assert_max_error(truncated, 400, "ValidationError")
    no_boundary = alice.call("POST", "/people/alice/avatar", data=b"x",
                             headers={"Content-Type": "multipart/form-data"})
    assert_max_error(no_boundary, 400, "ValidationError")


# -- bad input


@pytest.mark.parametrize("path, body", [
    ("/people/alice/activities", b'{"object": {"objectType": "note",'),            # malformed JSON
    ("/people/alice/activities", b'["a", "list"]'),                                 # not an object
    ("/people/alice/activities", b'{"generator": "x"}'),                             # missing object
    ("/people/alice/activities", b'{"object": "hi"}'),                              # object not an object
    ("/people/alice/activities", b'{"object": {"objectType": "image", "content": "x"}}'),  # wrong objectType
    ("/people/alice/activities", b'{"object": {"content": "x"}}'),                  # no objectType
    ("/people/alice/activities", b'{"object": {"objectType": "note"}}'),            # no content
    ("/people/alice/activities", b'{"object": {"objectType": "note", "content": "x"}, "contexts": "c"}'),
    ("/people/alice/subscriptions", b'{"object": {"objectType": "note", "url": "x"}}'),
    ("/people/alice", b'{"displayName": 42}'),
    ("/contexts", b'{"objectType": "person", "url": "http://x"}'),
    ("/contexts", b'{"objectType": "context"}'),
    ("/conversations", b'{"object": {"objectType": "note", "content": "x"}}'),
    ("/people/alice/activities", b'\xff\xfe not utf-8'),
])
def test_bad_input_is_400_never_500(alice, path, body):
    response = alice.call("POST", path, data=body, headers={"Content-Type": "application/json"})
    assert_max_error(response, 400, "ValidationError")


def test_wrong_comment_object_type_is_400(alice):
    activity = alice.post("alice", "x")
    response = alice.call("POST", f"/activities/{activity['id']}/comments",
                          json={"object": {"objectType": "note", "content": "x"}})
    assert "comment" in assert_max_error(response, 400, "ValidationError")


def test_oversized_json_body_is_400(alice):
    body = {"object": {"objectType": "note", "content": "x" * (2 * MiB)}}
    assert_max_error(alice.call("POST", "/people/alice/activities", json=body), 400, "ValidationError")


# -- routes


def test_mapped_but_unimplemented_route_is_501(alice):
    add_context(alice)
    description = assert_max_error(alice.call("GET", f"/contexts/{HASH}/tags"), 501, "NotImplemented")
    assert "/contexts/{hash}/tags" in description
    assert_max_error(alice.call("PUT", "/activities/0123456789abcdef01234567", json={}), 501, "NotImplemented")
    assert_max_error(alice.http.get(alice.url + f"/contexts/{HASH}/tags"), 401, "Unauthorized")


def test_unknown_path_is_404_and_unknown_method_405(alice):
    assert_max_error(alice.call("GET", "/nothing/here"), 404, "ObjectNotFound")
    response = alice.call("PATCH", "/people/alice", json={})
    assert_max_error(response, 405, "MethodNotAllowed")
    assert "PUT" in response.headers["Allow"]
    options = alice.call("OPTIONS", "/people/alice")
    assert options.status_code == 204 and "DELETE" in options.headers["Allow"]


@pytest.mark.parametrize("template", sorted(MAP))
def test_every_mapped_route_answers_max_style(demo, template):
    """Implemented or 501, never a router 404, a 405 or a 500; errors are MAX-style."""
    path = re.sub(r"\{[^}]+\}", "x", template)
    for method in MAP[template]["methods"]:
        response = demo.call(method, path, json={} if method in ("POST", "PUT", "DELETE") else None)
        assert response.status_code not in (405, 500), (method, path, response.text)
        if method != "HEAD" and response.status_code >= 400:
            body = response.json()
            assert set(body) == {"error", "error_description"}, (method, path, body)
            assert not body["error_description"].startswith("No resource"), (method, path)


def test_handler_exception_is_500_max_style():
    def boom(req, store):
        raise RuntimeError("bug")

    app = DemoApp(Router({}, {"/boom": {"GET": View(boom, public=True)}, "/ok": {"GET": View(
        lambda req, store: json_response({"ok": True}), public=True)}}), Settings(), Store())
    with serve(app) as served:
        assert_max_error(served.http.get(served.url + "/boom"), 500, "ServerError")
        assert "bug" not in served.http.get(served.url + "/boom").text
        assert served.http.get(served.url + "/ok").json() == {"ok": True}


def test_make_app_is_fresh_each_time(demo):
    demo.person("alice")
    with serve(make_app()) as other:
        assert other.call("GET", "/people").json() == []


def test_concurrent_posts_are_all_kept(alice):
    def post_many(n):
        return [alice.post("alice", f"{n}-{i}")["id"] for i in range(10)]

    with ThreadPoolExecutor(8) as pool:
        ids = [i for batch in pool.map(post_many, range(8)) for i in batch]
    assert len(set(ids)) == 80
    assert alice.call("HEAD", "/people/alice/activities").headers["X-totalItems"] == "80"
    listed = alice.call("GET", "/people/alice/activities", params={"limit": 0}).json()
    assert [a["id"] for a in listed] == sorted(ids, reverse=True)


def test_multipart_parser_edge_cases():
    from restish.demo import multipart

    body = (b"preamble\r\n--b\r\n\r\nheaderless\r\n--b\r\n"
            b"Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
            b"Content-Type: text/plain\r\n\r\nline\r\n--not-the-boundary\r\n--b--\r\nepilogue")
    with pytest.raises(ValueError, match="no Content-Disposition name"):
        multipart.parse(body, "multipart/form-data; boundary=b")
    named = body.replace(b"--b\r\n\r\nheaderless", b"--b\r\nContent-Disposition: form-data; name=x\r\n\r\nheaderless")
    parts = multipart.parse(named, 'multipart/form-data; boundary="b"')
    assert parts["x"].data == b"headerless" and parts["x"].filename is None
    assert parts["file"] == multipart.Part("file", "a.txt", "text/plain", b"line\r\n--not-the-boundary")
