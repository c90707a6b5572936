"""The in-process WSGI transport, checked with wsgiref.validate on several apps."""
import hashlib
import io
import json
import wsgiref.validate

import pytest

import restish
from restish.demo import make_app


def echo_app(environ, start_response):
    """Answers JSON describing the environ, after draining wsgi.input in chunks."""
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: environ["wsgi.input"].read(65536), b""):
        digest.update(chunk)
        size += len(chunk)
    keys = ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME",
            "SERVER_PORT", "HTTP_HOST", "CONTENT_TYPE", "HTTP_X_CUSTOM", "HTTP_COOKIE", "wsgi.url_scheme")
    body = json.dumps({**{k: environ.get(k) for k in keys}, "size": size,
                       "sha256": digest.hexdigest()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Set-Cookie", "seen=yes; Path=/")])
    return [body]


@pytest.fixture
def echo():
    return restish.Client("http://svc.local/v1/", resources=None, app=wsgiref.validate.validator(echo_app))


def test_environ_is_what_a_server_at_the_root_builds(echo):
    seen = echo.things["a b/c"].get(x=1, headers={"X-Custom": "yes"})
    assert seen["PATH_INFO"] == "/v1/things/a b/c" and seen["SCRIPT_NAME"] == ""
    assert seen["QUERY_STRING"] == "x=1" and seen["HTTP_X_CUSTOM"] == "yes"
    assert (seen["SERVER_NAME"], seen["SERVER_PORT"], seen["HTTP_HOST"]) == ("svc.local", "80", "svc.local")
    assert seen["wsgi.url_scheme"] == "http"


def test_request_bodies_stream_in(echo, tmp_path):
    data = bytes(range(256)) * 40_000  # 10 MiB
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    seen = echo.files.post(upload_file=str(path))
    assert seen["CONTENT_TYPE"].startswith("multipart/form-data") and seen["size"] > len(data)
    seen = echo.raw.put(data=data)
    assert seen["sha256"] == hashlib.sha256(data).hexdigest()


def test_cookies_set_by_the_app_are_sent_back(echo):
    echo.first.get()
    assert echo.second.get()["HTTP_COOKIE"] == "seen=yes"


def test_streamed_response_and_close_is_called(tmp_path):
    closed = []

    class Body:
        def __iter__(self):
            return (bytes([i]) * 65536 for i in range(64))

        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return Body()

    api = restish.Client("http://svc.local", resources=None, app=wsgiref.validate.validator(app))
    target = tmp_path / "out.bin"
    assert api.blob.get(stream_to=str(target)) == 64 * 65536
    assert target.read_bytes()[65536] == 1 and closed == [True]


def test_generator_app_write_callable_and_exc_info():
    def generator_app(environ, start_response):
        write = start_response("201 Created", [("Content-Type", "text/plain")])
        write(b"written ")
        yield b"yielded"

    def recovering_app(environ, start_response):
        try:
            raise KeyError("x")
        except KeyError:
            import sys
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
        return [b"recovered"]

    assert restish.Client("http://a", resources=None, app=generator_app).x.post() == "written yielded"
    with pytest.raises(restish.InternalServerError, match="recovered"):
        restish.Client("http://a", resources=None, app=recovering_app).x.get()


@pytest.mark.parametrize("when", ["call", "stream"])
def test_app_exceptions_become_transport_errors(when):
    def app(environ, start_response):
        if when == "call":
            raise ValueError("boom")
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"part"
        raise ValueError("boom")

    api = restish.Client("http://a.local", resources=None, app=app)
    with pytest.raises(restish.TransportError) as info:
        api.x.post(n=1)
    assert str(info.value) == "POST http://a.local/x -> WSGI app raised ValueError: boom"


def test_redirects_inside_the_app():
    def app(environ, start_response):
        if environ["PATH_INFO"] == "/old":
            start_response("302 Found", [("Location", "/new")])
            return [b""]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"at": environ["PATH_INFO"]}).encode()]

    api = restish.Client("http://a.local", resources=None, app=app)
    assert api.old.get() == {"at": "/new"}
    assert api.last_response.history[0].status_code == 302


def test_other_origins_still_use_the_network(httpbin):
    api = restish.Client("http://a.local", resources=None, app=echo_app)
    assert api.session.get(f"{httpbin}/get", timeout=5).json()["url"].endswith("/get")


def test_demo_round_trip_in_process_under_the_validator():
    api = restish.Client("http://demo.local", app=wsgiref.validate.validator(make_app()))
    api.login("alice", "demo")
    api.people["alice"].post(displayName="Alice")
    avatar = bytes(range(256)) * 20480  # 5 MiB
    api.people["alice"].avatar.post(upload_file=("me.png", io.BytesIO(avatar), "image/png"))
    assert api.people["alice"].avatar.get() == avatar
    assert api.people["alice"].activities.post(object_content="hi")["object"]["content"] == "hi"
    assert api.people["alice"].activities.head()["X-totalItems"] == "1"


def test_pyramid_app():
    from pyramid.config import Configurator
    from pyramid.response import Response

    def create(request):
        return {"created": request.json_body["name"], "path": request.path}

    def stream(request):
        return Response(app_iter=(b"chunk%d;" % i for i in range(3)), content_type="text/plain")

    with Configurator() as config:
        config.add_route("things", "/api/things")
        config.add_view(create, route_name="things", request_method="POST", renderer="json")
        config.add_route("stream", "/api/stream")
        config.add_view(stream, route_name="stream")
        app = config.make_wsgi_app()
    api = restish.Client("http://pyr.local/api", resources=None, app=wsgiref.validate.validator(app))
    assert api.things.post(name="x") == {"created": "x", "path": "/api/things"}
    assert api.stream.get() == "chunk0;chunk1;chunk2;"
    with pytest.raises(restish.NotFound):
        api.missing.get()
