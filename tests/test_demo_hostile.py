"""The demo server (``restish demo``) against hostile clients: raw sockets on 127.0.0.1."""
import io
import json
import socket
from wsgiref.util import setup_testing_defaults

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import restish
from restish.demo import make_app
from restish.demo.serve import DemoServer

LIMIT = 10  # seconds a test socket waits for the server: far above the idle timeout used here


def exchange(url, raw, shut=False):
    """Send ``raw`` bytes, then read until the server closes; its whole answer."""
    host, port = url.rsplit("/", 1)[-1].split(":")
    with socket.create_connection((host, int(port)), timeout=LIMIT) as sock:
        sock.sendall(raw)
        if shut:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        while True:
            piece = sock.recv(65536)  # socket.timeout (a failure) if the server never closes
            if not piece:
                return answer
            answer += piece


@pytest.fixture(scope="module")
def server():
    with DemoServer(idle_timeout=0.5) as running:
        yield running


@pytest.mark.parametrize("raw", [b"GET /info HT", b"GET /info HTTP/1.1\r\nHost: x\r\nAccept: app"],
                         ids=["half a request line", "half the headers"])
def test_an_idle_half_sent_request_is_closed_after_the_timeout(server, raw):
    assert exchange(server.url, raw) == b""  # closed, without a word: there is no request to answer


def test_an_idle_half_sent_body_gets_408_and_is_closed(server):
    head = (b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100\r\n\r\ngrant_type=pass")
    answer = exchange(server.url, head)
    assert answer.startswith(b"HTTP/1.0 408 ") and b'"RequestTimeout"' in answer


def test_content_length_with_chunked_is_400(server):
    raw = (b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\ngrant\r\n0\r\n\r\n")
    answer = exchange(server.url, raw, shut=True)
    assert answer.startswith(b"HTTP/1.0 400 ") and b"both Content-Length and Transfer-Encoding" in answer


@pytest.mark.parametrize("content_type", ["image/png\u00e9".encode(), "imag\u00e9/png".encode(), b"image/png; q=\xff"])
def test_a_part_with_a_non_ascii_content_type_is_400(server, content_type):
    api = restish.Client(server.url, retries=0)
    api.login("alice", "demo")
    api.people["alice"].post(displayName="Alice")
    body = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: '
            + content_type + b"\r\n\r\nPNGDATA\r\n--b--\r\n")
    with pytest.raises(restish.BadRequest, match="a part's Content-Type is not ASCII"):
        api.people["alice"].avatar.post(data=body, headers={"Content-Type": "multipart/form-data; boundary=b"})
    api.close()


def test_a_non_ascii_file_name_is_read_as_utf8():
    api = restish.Client("http://demo.local", app=make_app(), retries=0)
    api.login("alice", "demo")
    api.people["alice"].post(displayName="Alice")
    body = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="caf\xc3\xa9.png"\r\n\r\nPNG\r\n--b--\r\n')
    answer = api.people["alice"].avatar.post(data=body, headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert answer["contentType"] == "image/png"  # guessed from the name, decoded


def test_stored_tokens_are_bounded_oldest_first():
    app = make_app(max_tokens=3)
    api = restish.Client("http://demo.local", app=app, retries=0)
    grants = [api.session.post("http://demo.local/token", data={
        "grant_type": "password", "username": f"u{i}", "password": "demo"}).json() for i in range(5)]
    assert len(app.store.tokens) == 3 and len(app.store.refresh_tokens) == 3
    assert set(app.store.refresh_tokens) == {grant["refresh_token"] for grant in grants[2:]}
    refused = api.session.post("http://demo.local/token", data={
        "grant_type": "refresh_token", "refresh_token": grants[0]["refresh_token"]})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    renewed = api.session.post("http://demo.local/token", data={
        "grant_type": "refresh_token", "refresh_token": grants[4]["refresh_token"]})
    assert renewed.status_code == 200 and len(app.store.tokens) == 3
    api.close()


# -- any multipart part: a 4xx, never a 500 -----------------------------------------


def _wsgi(app, method, path, ctype="", body=b"", bearer=None):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "CONTENT_TYPE": ctype,
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    if bearer:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {bearer}"
    setup_testing_defaults(environ)
    status = []
    body = b"".join(app(environ, lambda line, headers, exc_info=None: status.append(line)))
    return int(status[0][:3]), body


@pytest.fixture(scope="module")
def signed_in():
    app = make_app()
    form = b"grant_type=password&username=alice&password=demo"
    code, body = _wsgi(app, "POST", "/token", "application/x-www-form-urlencoded", form)
    token = json.loads(body)["access_token"]
    assert _wsgi(app, "POST", "/people/alice", "application/json", b"{}", token)[0] in (200, 201)
    return app, token


# Part headers as a careless or hostile client writes them: any text, sent as UTF-8.
_HEADER_TEXT = st.lists(st.characters(blacklist_characters="\r\n"), max_size=20).map("".join)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content_type=_HEADER_TEXT, filename=_HEADER_TEXT, data=st.binary(min_size=1, max_size=64))
def test_any_avatar_part_is_stored_or_a_400_never_a_500(signed_in, content_type, filename, data):
    app, token = signed_in
    part = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="' + filename.encode("utf-8", "replace")
            + b'"\r\nContent-Type: ' + content_type.encode("utf-8", "replace") + b"\r\n\r\n" + data + b"\r\n--b--\r\n")
    code, body = _wsgi(app, "POST", "/people/alice/avatar", "multipart/form-data; boundary=b", part, token)
    assert code in (201, 400), (code, body)
