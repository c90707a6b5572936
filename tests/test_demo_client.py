"""Scenarios through the client against the demo API: in-process and over a real socket."""
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import restish
from restish.demo import make_app
from restish.demo.serve import run
from restish.demo.tour import run_tour, tiny_png
from servers import WSGIServer
from wsgi_apps import pipe_holding

REPO = Path(__file__).resolve().parent.parent
# The subprocesses import this working tree, wherever pytest runs from.
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


@pytest.fixture(scope="module")
def demo_process():
    """``restish demo --port 0`` in a subprocess; its first line names the URL."""
    proc = subprocess.Popen([sys.executable, "-m", "restish", "demo", "--port", "0"], cwd=REPO, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()  # bounded: the server prints it once listening, or exits
        assert "serving on http://127.0.0.1:" in line, line
        yield line.split("serving on ")[1].split()[0]
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(params=["in-process", "socket"])
def api(request):
    if request.param == "in-process":
        client = restish.Client("http://demo.local", app=make_app())
    else:
        client = restish.Client(request.getfixturevalue("demo_process"))
    user = f"user{id(client)}"
    client.login(user, "demo")
    client.people[user].post(displayName="Tester")
    return SimpleNamespace(client=client, user=user, me=client.people[user], where=request.param)


def test_people_and_errors(api):
    assert api.me.get()["displayName"] == "Tester"
    api.me.put(displayName="Renamed")
    assert api.me.get()["displayName"] == "Renamed"
    with pytest.raises(restish.NotFound) as info:
        api.client.people["nobody-here"].get()
    assert info.value.error == "UnknownUserError" and "nobody-here" in info.value.description


def test_activities_comments_likes_and_paging(api):
    posted = [api.me.activities.post(object_content=f"note {n}") for n in range(5)]
    assert posted[0]["object"] == {"objectType": "note", "content": "note 0"}
    assert api.me.activities.head()["X-totalItems"] == "5"
    first = api.me.activities.get(limit=2)
    second = api.me.activities.get(limit=2, before=first[-1]["id"])
    assert [a["object"]["content"] for a in first + second] == ["note 4", "note 3", "note 2", "note 1"]
    activity = api.client.activities[posted[0]["id"]]
    activity.comments.post(object_content="nice")
    assert activity.comments.get()[0]["content"] == "nice"
    activity.likes.post()
    assert api.client.activities[posted[0]["id"]].get()["likesCount"] == 1


def test_contexts_by_url_and_hash_and_subscriptions(api):
    url = f"http://example.com/{id(api)}"
    created = api.client.contexts.post(url=url, displayName="Example")
    assert api.client.contexts[url].get()["hash"] == created["hash"]
    assert api.client.contexts[created["hash"]].get()["url"] == url
    api.me.subscriptions.post(object_url=url)
    assert [s["url"] for s in api.me.subscriptions.get()] == [url]
    api.client.contexts[url].activities.post(object_content="in context")
    assert api.client.contexts[url].activities.get()[0]["object"]["content"] == "in context"


def test_conversations(api):
    api.client.people["friend"].post()  # MAX answers 200 when the user exists already
    participants = [api.user, "friend"]
    message = api.client.conversations.post(contexts=[{"objectType": "conversation", "participants": participants}],
                                     object_content="hi friend")
    conversation = message["contexts"][0]["id"]
    api.client.conversations[conversation].messages.post(object_content="again")
    contents = [m["object"]["content"] for m in api.client.conversations[conversation].messages.get()]
    assert contents == ["again", "hi friend"]


def test_five_mib_avatar_round_trip(api):
    avatar = tiny_png() + bytes(range(256)) * 20480
    api.me.avatar.post(upload_file=("me.png", io.BytesIO(avatar), "image/png"))
    assert api.me.avatar.get() == avatar


def test_pipe_upload(api):
    """Sent chunked: in-process the app reads it to its end; wsgiref cannot, and says 411."""
    avatar = tiny_png() + bytes(range(256)) * 100
    with pipe_holding(avatar) as pipe:
        if api.where == "in-process":
            assert api.me.avatar.post(upload_file=("me.png", pipe, "image/png"))["size"] == len(avatar)
            assert api.me.avatar.get() == avatar
        else:
            with pytest.raises(restish.ClientError) as info:
                api.me.avatar.post(upload_file=("me.png", pipe, "image/png"))
            assert info.value.code == 411 and info.value.error == "LengthRequired"
            assert "send a Content-Length" in info.value.description


def test_tour_exits_zero_in_process():
    out = io.StringIO()
    assert run(tour=True, out=out) == 0, out.getvalue()
    assert "Tour done" in out.getvalue() and "NotFound: GET" in out.getvalue()
    assert "tour failed" not in out.getvalue() and "False" not in out.getvalue()


def test_tour_exits_zero_as_a_command():
    done = subprocess.run([sys.executable, "-m", "restish", "demo", "--tour"], cwd=REPO, env=ENV,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ">>> api.login('alice', 'demo')" in done.stdout


def _other_avatar(app):
    """The demo, but every avatar it serves has one byte more."""
    def middleware(environ, start_response):
        answer = {}

        def start(status, headers, exc_info=None):
            answer.update(status=status, headers=[(k, v) for k, v in headers if k.lower() != "content-length"])

        body = b"".join(app(environ, start))
        if environ["REQUEST_METHOD"] == "GET" and environ["PATH_INFO"].endswith("/avatar"):
            body += b"!"
        start_response(answer["status"], answer["headers"])
        return [body]
    return middleware


def _nobody_answers(status, app):
    """The demo, but GET /people/nobody answers ``status``."""
    def middleware(environ, start_response):
        if environ["PATH_INFO"] == "/people/nobody":
            start_response(status, [("Content-Type", "application/json")])
            return [b'{"error": "Oops", "error_description": "Answered by the test"}']
        return app(environ, start_response)
    return middleware


@pytest.mark.parametrize("app, failure", [
    (make_app(max_avatar_bytes=10),
     r"BadRequest: POST .*/people/alice/avatar -> 400 .*\n\ntour failed: the server answered an error"),
    (_other_avatar(make_app()), r"avatar.get\(\) == png_bytes\nFalse\n\ntour failed: the check above is not True"),
    (_nobody_answers("200 OK", make_app()), "tour failed: the call above should have answered an error"),
    (_nobody_answers("500 Internal Server Error", make_app()),
     r"InternalServerError: .*\n\ntour failed: the server answered an error the tour did not plan"),
])
def test_tour_fails_when_a_step_fails(app, failure):
    out = io.StringIO()
    with WSGIServer(app) as server:
        assert run_tour(server.url, out) == 1, out.getvalue()
    assert re.search(failure, out.getvalue()) and "Tour done" not in out.getvalue()


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_demo_port_out_of_range_is_a_usage_error(port):
    done = subprocess.run([sys.executable, "-m", "restish", "demo", "--port", port], cwd=REPO, env=ENV,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"restish demo: --port must be between 0 and 65535, not {port}\n"
