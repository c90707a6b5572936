"""restish.wire reads a plain response head itself: it must read it exactly as http.client does.

Each head is written to one end of a real socket pair and read from the other,
once by restish's response class and once by http.client's own; every
attribute ``begin()`` sets, the message (its fields and its whole state) and
what is left of the stream must come out the same. hypothesis makes the heads:
fields with odd names, separators, values and line ends, framing fields
(Transfer-Encoding, Content-Length, Connection) and statuses whose body is
empty, so both the heads read here and those left to http.client are covered.
"""
import http.client
import socket

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import restish
from restish import wire
from servers import ScriptedServer

BEGUN = ("status", "code", "reason", "version", "chunked", "chunk_left", "length", "will_close")


def read(response_class, data, method="GET"):
    """``(response after begin() or the HTTPException it raised, rest of the stream)``."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.sendall(data)
        ours.shutdown(socket.SHUT_WR)
        theirs.settimeout(5)
        response = response_class(theirs, method=method)
        try:
            response.begin()
        except http.client.HTTPException as exc:
            return type(exc), None
        rest = response.fp.read()
        response.close()
        return response, rest


def state(message):
    """A message's whole state, comparable: its attributes, defects and parts by value."""
    if not isinstance(message, http.client.HTTPMessage):
        return message
    attributes = dict(vars(message), defects=[(type(d), str(d)) for d in message.defects])
    if isinstance(message._payload, list):
        attributes["_payload"] = [state(part) for part in message._payload]
    return type(message), attributes


def assert_read_alike(data, method="GET"):
    """Read ``data`` both ways; True when restish read the head itself."""
    ours, our_rest = read(wire._Response, data, method)
    theirs, their_rest = read(http.client.HTTPResponse, data, method)
    if isinstance(theirs, type):  # http.client refused it: so must restish
        assert ours is theirs
        return False
    assert {name: getattr(ours, name) for name in BEGUN} == {name: getattr(theirs, name) for name in BEGUN}
    assert state(ours.msg) == state(theirs.msg)
    assert our_rest == their_rest
    return wire.plain_head(data) is not None


def test_a_plain_head_is_read_here_and_alike():
    data = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            b"X-Spaced:  a b \r\nX-Empty:\r\n\r\n{}")
    assert assert_read_alike(data)
    status, reason, message, size = wire.plain_head(data)
    assert (status, reason, message["x-spaced"], message["X-Empty"], data[size:]) == (200, "OK", "a b ", "", b"{}")


@pytest.mark.parametrize("data", [
    b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}",  # another version
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",  # a 1xx first
    b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\n\r\n",  # a field over two lines
    b"HTTP/1.1 200 OK\r\nX-Bare: a\rb\r\n\r\n",  # a bare CR inside a value
    b"HTTP/1.1 200 OK\r\nnot a field\r\nContent-Length: 0\r\n\r\n",  # the email parser starts the body there
    b"HTTP/1.1 200 OK\r\nContent-Type: multipart/mixed\r\n\r\n",  # the parser looks for parts
    b"HTTP/1.1 200 OK\r\nContent-Type: message/rfc822\r\n\r\n",
    b"HTTP/1.1 200 OK\n\n",  # LF alone
    b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 99 + b"\r\n",  # more fields than http.client takes
], ids=["1.0", "1xx", "folded", "bare CR", "not a field", "multipart", "message", "LF", "too many"])
def test_any_other_head_is_left_to_http_client(data):
    assert wire.plain_head(data) is None
    assert_read_alike(data) is False


_FIELD_NAME = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=6) | st.sampled_from(
    ["Transfer-Encoding", "Content-Length", "Connection", "content-type", "Set-Cookie"])
_FIELD_VALUE = st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=10) | st.sampled_from(
    ["chunked", "Chunked", "gzip, chunked", "5", "-1", "x", "close", "Keep-Alive, Close", "multipart/x", "0"])
_FIELD = st.tuples(_FIELD_NAME, st.sampled_from([":", ": ", ":\t ", " :", ""]), _FIELD_VALUE,
                   st.sampled_from(["\r\n", "\r\n", "\n", "\r"]))
_STATUS = st.sampled_from(["HTTP/1.1 200 OK", "HTTP/1.1 204 No Content", "HTTP/1.1 304", "HTTP/1.1 404  Not  Found ",
                           "HTTP/1.1 500 \t", "HTTP/1.0 200 OK", "HTTP/1.1 101 Switching", "HTTP/2 200", "HTTP/1.1 99 x"])
_BODY = b"5\r\nhello\r\n0\r\n\r\n"  # a chunked body, or five bytes of one, or whatever the framing makes of it


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_STATUS, st.lists(_FIELD, max_size=6), st.sampled_from(["GET", "HEAD"]))
@example("HTTP/1.1 200 OK", [("Transfer-Encoding", ": ", "chunked", "\r\n")], "GET")
@example("HTTP/1.1 200 OK", [("Connection", ": ", "close", "\r\n"), ("Content-Length", ": ", "5", "\r\n")], "GET")
@example("HTTP/1.1 204 No Content", [("Content-Length", ": ", "5", "\r\n")], "GET")
@example("HTTP/1.1 200 OK", [("Content-Length", ": ", "-1", "\r\n")], "HEAD")
@example("HTTP/1.1 200 OK", [("Content-Length", ": ", "-1", "\r\n")], "GET")
@example("HTTP/1.1 200 OK", [("Content-Length", ": ", "x", "\r\n")], "GET")
def test_every_head_is_read_as_http_client_reads_it(status, fields, method):
    data = (status + "\r\n" + "".join(name + colon + value + end for name, colon, value, end in fields)
            + "\r\n").encode("latin-1") + _BODY
    assert_read_alike(data, method)


def test_the_fast_reading_is_what_a_real_call_uses():
    # The answer's fields arrive as written, repeated ones joined as requests joins them.
    answer = (b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Twice: a\r\nX-Twice: b\r\n"
              b"Content-Length: 9\r\n\r\n{\"id\": 1}")
    with ScriptedServer(answer) as server:
        with restish.Client(server.url, resources={"/thing": {"methods": ["POST"]}}, retries=0) as api:
            assert api.thing.post(name="x") == {"id": 1}
            response = api.last_response
    assert (response.status_code, response.reason, response.headers["x-twice"]) == (201, "Created", "a, b")
    assert wire.plain_head(answer) is not None
