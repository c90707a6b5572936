"""The in-process WSGI transport, checked with wsgiref.validate on several apps."""
import gzip
import hashlib
import io
import json
import os
import sys
import wsgiref.validate
import zlib

import pytest
import requests
import urllib3

import restish
from restish.demo import make_app
from servers import WSGIServer
from wsgi_apps import Download, pipe_holding


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


def test_request_bodies_arrive_whole(echo, tmp_path):
    data = bytes(range(256)) * 40_000  # 10 MiB
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    seen = echo.files.post(upload_file=str(path))
    assert seen["CONTENT_TYPE"].startswith("multipart/form-data") and seen["size"] > len(data)
    seen = echo.raw.put(data=data)
    assert seen["sha256"] == hashlib.sha256(data).hexdigest()


class Source(io.RawIOBase):
    """A binary file of ``size`` bytes that counts how far it has been read."""

    name = "source.bin"

    def __init__(self, size, seekable):
        self.size, self.position, self.produced, self._seekable = size, 0, 0, seekable

    def readable(self):
        return True

    def seekable(self):
        return self._seekable

    def seek(self, offset, whence=os.SEEK_SET):
        if not self._seekable:
            raise io.UnsupportedOperation("seek")
        self.position = {os.SEEK_SET: 0, os.SEEK_CUR: self.position, os.SEEK_END: self.size}[whence] + offset
        return self.position

    def tell(self):
        return self.seek(0, os.SEEK_CUR)

    def readinto(self, buffer):
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = b"s" * count
        self.position += count
        self.produced = max(self.produced, self.position)
        return count


@pytest.mark.parametrize("seekable", [True, False])
def test_request_body_streams_in(seekable):
    """The app reads its first block while most of the upload is still unread by the client."""
    source = Source(8 * 1024 * 1024, seekable)
    at_first_read = []

    def app(environ, start_response):
        stream = environ["wsgi.input"]
        first = stream.read(65536)
        at_first_read.append(source.produced)
        size = len(first) + sum(len(c) for c in iter(lambda: stream.read(65536), b""))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"size": size, "chunked": "CONTENT_LENGTH" not in environ}).encode()]

    api = restish.Client("http://a.local", resources=None, app=wsgiref.validate.validator(app))
    seen = api.up.post(upload_file=source)
    assert seen["size"] > source.size and seen["chunked"] is not seekable
    assert source.produced == source.size and at_first_read[0] < 1024 * 1024


def test_response_body_streams_out():
    """Each block is written out before the app has produced the next few."""
    download = Download(64, lambda n: bytes([n]) * 65536)
    api = restish.Client("http://a.local", resources=None, app=wsgiref.validate.validator(download.app))
    assert api.blob.get(stream_to=download.sink()) == 64 * 65536
    assert download.streamed(lead=2), download.written_after


def length_app(environ, start_response):
    """Answers len(body), reading as PEP 3333 allows: Content-Length, or to EOF when input_terminated."""
    stream, length = environ["wsgi.input"], environ.get("CONTENT_LENGTH")
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = b"".join(iter(lambda: stream.read(4096), b""))
    else:
        body = b""
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"length": len(body), "chunked": "CONTENT_LENGTH" not in environ}).encode()]


def pyramid_length_app():
    from pyramid.config import Configurator

    with Configurator() as config:
        config.add_route("upload", "/upload")
        config.add_view(lambda request: {"length": len(request.body), "file": len(request.POST["file"].value)},
                        route_name="upload", renderer="json")
        return config.make_wsgi_app()


def test_pipe_upload_reaches_the_app_whole():
    payload = bytes(range(256)) * 100
    api = restish.Client("http://a.local", resources=None, app=wsgiref.validate.validator(length_app))
    with pipe_holding(payload) as pipe:  # the caller's file: restish leaves it open
        seen = api.upload.post(upload_file=("p.bin", pipe))
    assert seen["chunked"] and seen["length"] > len(payload)
    pyramid = restish.Client("http://a.local", resources=None, app=pyramid_length_app())
    with pipe_holding(payload) as pipe:
        assert pyramid.upload.post(upload_file=("p.bin", pipe))["file"] == len(payload)


def test_empty_chunks_of_a_generator_body_are_not_its_end():
    def body():
        yield b"one;"
        yield b""
        yield b"two"

    api = restish.Client("http://a.local", resources=None, app=length_app)
    seen = api.session.post("http://a.local/x", data=body()).json()
    assert seen == {"length": 7, "chunked": True}


LINES = [b"first line\n", b"\n", b"x" * 70_000 + b"\n", b"last, without a newline"]
READERS = {
    "read": lambda stream: b"".join(iter(lambda: stream.read(1000), b"")),
    "readline": lambda stream: b"".join(iter(lambda: stream.readline(), b"")),
    "readline_sized": lambda stream: b"".join(iter(lambda: stream.readline(100), b"")),
    "readlines": lambda stream: b"".join(stream.readlines()),
    "iteration": lambda stream: b"".join(stream),
}


def reading_app(reader):
    """Reads the whole body with ``reader``; answers the lines it got, as the app saw them."""
    def app(environ, start_response):
        body = reader(environ["wsgi.input"])
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [body]
    return app


def split_badly():
    """The body in chunks cut inside lines, with an empty chunk among them."""
    body = b"".join(LINES)
    yield body[:5]
    yield b""
    yield body[5:70_003]
    yield body[70_003:]


@pytest.mark.parametrize("body", ["bytes", "chunks"])
@pytest.mark.parametrize("reader", sorted(READERS))
def test_wsgi_input_is_a_whole_file_under_the_validator(reader, body):
    api = restish.Client("http://a.local", resources=None, app=wsgiref.validate.validator(reading_app(READERS[reader])))
    sent = b"".join(LINES) if body == "bytes" else split_badly()
    assert api.session.post("http://a.local/x", data=sent).content == b"".join(LINES)


def read_into(stream):
    buffer, out = bytearray(4096), bytearray()
    while count := stream.readinto(buffer):
        out += buffer[:count]
    return bytes(out)


@pytest.mark.parametrize("body", ["bytes", "chunks"])
@pytest.mark.parametrize("reader", [read_into, lambda stream: stream.read()], ids=["readinto", "read_all"])
def test_wsgi_input_reads_into_a_buffer_and_to_its_end(reader, body):
    # Outside PEP 3333, so wsgiref's validator refuses them, but werkzeug (Flask) calls
    # readinto, and read() with no size is how apps read a body that has no length.
    api = restish.Client("http://a.local", resources=None, app=reading_app(reader))
    sent = b"".join(LINES) if body == "bytes" else split_badly()
    assert api.session.post("http://a.local/x", data=sent).content == b"".join(LINES)


def gzipping(app):
    """Middleware that gzips the body, streamed, when the client accepts gzip."""
    def middleware(environ, start_response):
        if "gzip" not in environ.get("HTTP_ACCEPT_ENCODING", ""):
            return app(environ, start_response)

        def start(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            return start_response(status, headers + [("Content-Encoding", "gzip")], exc_info)

        result = app(environ, start)
        try:
            compressor = zlib.compressobj(wbits=31)  # 31: the gzip container
            for chunk in result:
                yield compressor.compress(chunk)
            yield compressor.flush()
        finally:
            getattr(result, "close", lambda: None)()
    return middleware


def big_json_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"items": list(range(20_000))}).encode()]


@pytest.mark.parametrize("where", ["app", "socket"])
def test_gzipped_responses_are_decoded(where, tmp_path):
    app = gzipping(big_json_app)
    with WSGIServer(app) as server:
        if where == "app":
            api = restish.Client("http://g.local", resources=None, app=wsgiref.validate.validator(app))
        else:
            api = restish.Client(server.url, resources=None)
        assert api.x.get() == {"items": list(range(20_000))}
        assert api.last_response.headers["Content-Encoding"] == "gzip"
        assert api.x.get(stream_to=str(tmp_path / where)) == len(json.dumps({"items": list(range(20_000))}))


def test_gzipped_download_streams():
    download = Download(32, lambda n: os.urandom(65536))  # incompressible: each block stays about as large
    api = restish.Client("http://g.local", resources=None, app=gzipping(download.app))
    assert api.blob.get(stream_to=download.sink()) == 32 * 65536
    assert download.streamed(lead=3), download.written_after


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


def test_host_header_has_no_user_info_and_no_default_port(echo):
    cases = {"http://user:pw@a.local:8080/v1": "a.local:8080", "https://a.local/": "a.local",
             "http://a.local:80/": "a.local", "http://[::1]:81/": "[::1]:81"}
    for url, host in cases.items():
        api = restish.Client(url, resources=None, app=wsgiref.validate.validator(echo_app))
        assert api.x.get()["HTTP_HOST"] == host, url


def _late_exc_info_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"part one;"
    try:
        raise ValueError("late failure")
    except ValueError:
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
    yield b"error page"


def _yield(status, headers, *chunks, call=True):
    def app(environ, start_response):
        if call:
            start_response(status, headers)
        return list(chunks)
    return app


@pytest.mark.parametrize("app, cause", [
    (_yield("abc", [], b"x"), r"broke PEP 3333: the status 'abc' is not a three-digit code"),
    (_yield(200, [], b"x"), r"broke PEP 3333: the status must be a str such as '200 OK', not int 200"),
    (_yield("200 OK", [("X-N", 5)], b"x"), r"broke PEP 3333: a header must be a \(str, str\) tuple"),
    (_yield("200 OK", {"X-N": "5"}, b"x"), r"broke PEP 3333: the headers must be a list"),
    (_yield("200 OK", [], "hello"), r"broke PEP 3333: the app yielded str body data, not bytes"),
    (_yield("200 OK", [], b"", call=False), r"broke PEP 3333: the app returned without calling start_response"),
    (_yield("200 OK", [], b"x", call=False), r"broke PEP 3333: the app yielded body bytes before calling start_resp"),
    (lambda environ, start_response: start_response("200 OK", []) and None,
     r"broke PEP 3333: the app returned NoneType, not an iterable of bytes"),
    (_late_exc_info_app, r"raised ValueError: late failure"),
])
def test_broken_apps_are_transport_errors_naming_verb_url_and_cause(app, cause):
    api = restish.Client("http://a.local", resources=None, app=app)
    with pytest.raises(restish.TransportError, match=r"^GET http://a\.local/x -> WSGI app " + cause):
        api.x.get()
    with pytest.raises(restish.TransportError, match=cause):
        api.x.get(stream_to=io.BytesIO())


def test_written_and_yielded_bytes_keep_their_order():
    def app(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"a"
        write(b"b")
        yield b""
        yield b"c"

    assert restish.Client("http://a", resources=None, app=app).x.get() == "abc"


def test_exc_info_before_the_first_body_bytes_replaces_the_answer():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b""  # nothing sent yet: the app may still change its mind
        try:
            raise KeyError("x")
        except KeyError:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")], sys.exc_info())
        yield b"busy"

    with pytest.raises(restish.ServiceUnavailable, match="busy"):
        restish.Client("http://a", resources=None, app=app, retries=0).x.get()


def length_app_closing(length, *chunks):
    """An app that says Content-Length ``length`` and yields ``chunks``; ``app.closed``
    holds a True for each call to its result's close()."""
    closed = []

    class Body(list):
        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(length))])
        return Body(chunks)

    app.closed = closed
    return app


def test_no_body_for_head_and_at_most_content_length_bytes():
    app = length_app_closing(5, b"hello", b" and more the server never sends")
    api = restish.Client("http://a.local", resources=None, app=app)
    api.x.head()
    assert api.last_response.content == b"" and app.closed == [True]
    assert api.x.get() == "hello" and app.closed == [True, True]


@pytest.mark.parametrize("encoding", [None, "gzip"])
def test_short_body_for_its_content_length_is_a_transport_error(encoding):
    body = gzip.compress(b"short" * 10) if encoding else b"short"
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body) + 45))]
    headers += [("Content-Encoding", encoding)] if encoding else []

    def app(environ, start_response):
        start_response("200 OK", headers)
        return [body]

    api = restish.Client("http://a.local", resources=None, app=app)
    short = rf"ChunkedEncodingError: \('Connection broken: IncompleteRead\({len(body)} bytes read, 45 more expected\)'"
    with pytest.raises(restish.TransportError, match=r"^GET http://a\.local/x -> " + short):
        api.x.get()
    with pytest.raises(restish.TransportError, match=r"^GET http://a\.local/x -> download broken after .*" + short):
        api.x.get(stream_to=io.BytesIO())


def test_raw_reads_in_pieces_cut_at_content_length():
    """``response.raw.read(n)`` of an unencoded body gives n bytes across the app's chunks,
    as urllib3's does, never past its length; the app is closed once, at the end."""
    app = length_app_closing(10, b"0123456", b"789 and more the server never sends")
    closed = app.closed
    api = restish.Client("http://a.local", resources=None, app=app)
    response = api.session.get("http://a.local/x", stream=True)
    assert not isinstance(response.raw, urllib3.HTTPResponse)  # no decoder to pay for on every call
    assert [response.raw.read(4) for _ in range(2)] == [b"0123", b"4567"] and closed == []
    assert response.raw.read(4) == b"89" and closed == [True] and response.raw.read(4) == b""
    assert b"".join(api.session.get("http://a.local/x", stream=True).iter_content(3)) == b"0123456789"
    assert api.session.get("http://a.local/x").content == b"0123456789" and closed == [True] * 3


def test_a_failing_close_is_a_transport_error():
    class Body(list):
        def close(self):
            raise RuntimeError("close failed")

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body([b"fine"])

    api = restish.Client("http://a.local", resources=None, app=app)
    with pytest.raises(restish.TransportError, match=r"^GET http://a\.local/x -> WSGI app raised RuntimeError: close"):
        api.x.get()


def chunks_app_closing(chunks, headers=()):
    """An app that yields ``chunks``; ``app.closed`` holds a True for each close() of its result."""
    closed = []

    class Body(list):
        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream"), *headers])
        return Body(chunks)

    app.closed = closed
    return app


def streamed(app):
    return restish.Client("http://a.local", resources=None, app=app).session.get("http://a.local/x", stream=True)


@pytest.mark.parametrize("size", [None, -1])
def test_raw_read_with_no_size_reads_to_the_end(size):
    app = chunks_app_closing([b"ab", b"cde", b"f"])
    raw = streamed(app).raw
    assert (raw.read() if size is None else raw.read(size)) == b"abcdef" and app.closed == [True]
    assert raw.read() == b"" and raw.read(4) == b"" and app.closed == [True]


def test_raw_read_n_gathers_the_apps_chunks():
    app = chunks_app_closing([b"ab", b"cde", b"f"])
    raw = streamed(app).raw
    assert raw.read(4) == b"abcd" and raw.tell() == 4 and app.closed == []
    assert raw.read(4) == b"ef" and app.closed == [True] and raw.closed


@pytest.mark.parametrize("parts", [2, 5])
def test_raw_read_of_a_gzip_body_in_several_chunks(parts):
    """urllib3 reads an encoded body with one ``read()`` of ours: it must get every chunk."""
    body = json.dumps({"items": list(range(500))}).encode()
    packed = gzip.compress(body)
    step = len(packed) // parts + 1
    app = chunks_app_closing([packed[i:i + step] for i in range(0, len(packed), step)],
                             [("Content-Encoding", "gzip")])
    response = streamed(app)
    assert response.raw.read(decode_content=True) == body and app.closed == [True]
    app.closed.clear()
    assert streamed(app).raw.read(100, decode_content=True) == body[:100]


def test_raw_offers_what_users_of_a_urllib3_response_touch():
    app = chunks_app_closing([b"ab", b"cde", b"f"], [("X-Twice", "1"), ("X-Twice", "2")])
    response = streamed(app)
    raw = response.raw
    assert (raw.status, raw.reason) == (200, "OK")
    assert raw.headers.getlist("X-Twice") == ["1", "2"] and raw.headers["content-type"] == "application/octet-stream"
    assert raw.read(1, decode_content=False) == b"a" and not raw.closed
    assert list(raw.stream(2)) == [b"bc", b"de", b"f"] and raw.closed and app.closed == [True]
    raw.release_conn()
    assert list(streamed(app).raw.stream(None)) == [b"ab", b"cde", b"f"]
    assert streamed(app).raw.data == b"abcdef"
    assert io.BufferedReader(streamed(app).raw, 4).read() == b"abcdef"


def test_iter_content_streams_without_reading_ahead():
    """Pieces of the asked size leave as soon as the app has yielded enough for them."""
    produced = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        for n in range(4):
            produced.append(n)
            yield bytes([n]) * 3

    pieces = streamed(app).iter_content(4)
    assert next(pieces) == b"\x00\x00\x00\x01" and produced == [0, 1]
    assert list(pieces) == [b"\x01\x01\x02\x02", b"\x02\x03\x03\x03"] and produced == [0, 1, 2, 3]


def test_a_short_body_gives_its_bytes_before_the_error():
    """As over a socket: the bytes that came are handed out, then the next read fails."""
    app = length_app_closing(9, b"ab", b"cd")
    raw = streamed(app).raw
    assert raw.read(8) == b"abcd" and app.closed == [True]
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match=r"IncompleteRead\(4 bytes read, 5 more"):
        raw.read(8)
    api = restish.Client("http://a.local", resources=None, app=length_app_closing(9, b"ab", b"cd"))
    with pytest.raises(restish.TransportError, match=r"download broken after 4 of 9 bytes"):
        api.x.get(stream_to=io.BytesIO())
