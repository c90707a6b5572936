"""A hostile server: responses cut short, a trickle, URLs that do not parse.

Raw sockets on 127.0.0.1 (servers.ScriptedServer); every loop there is bounded
by the answer's length and by the server stopping. Slow cases carry a timeout
so that a regression fails instead of hanging; no test asserts a duration.
"""
import os

import pytest

import restish
from servers import ScriptedServer

MAP = {"/thing": {"methods": ["GET", "POST", "PUT"]}}


def client(url, **kw):
    kw.setdefault("retries", 0)
    return restish.Client(url, resources=MAP, **kw)


# -- 3. a response cut short --------------------------------------------------

CUT_SHORT = {
    "status line only": b"HTTP/1.1 201 Created\r\n",
    "status line without its end": b"HTTP/1.1 201 Created",
    "half a header block": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Len",
    "headers without the blank line": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
    "a declared body": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\": 1",
}


@pytest.mark.parametrize("answer", CUT_SHORT.values(), ids=CUT_SHORT.keys())
@pytest.mark.parametrize("verb", ["get", "post"])
def test_a_response_cut_short_is_a_connection_error(answer, verb):
    with ScriptedServer(answer) as server:
        with client(server.url) as api:
            with pytest.raises(restish.ConnectionError) as info:
                getattr(api.thing, verb)()
            assert api.last_response is None
        assert server.connections == 1
    assert str(info.value).startswith(f"{verb.upper()} {server.url}/thing -> ")
    assert isinstance(info.value, restish.TransportError)


def test_a_post_cut_short_is_not_sent_again_but_a_get_is():
    with ScriptedServer(CUT_SHORT["status line only"]) as server:
        api = client(server.url, retries=restish.retry.Retry(2, backoff_factor=0))
        with pytest.raises(restish.ConnectionError):
            api.thing.post(a=1)
        assert server.connections == 1  # it may have reached the server: never twice
        with pytest.raises(restish.ConnectionError):
            api.thing.get()
        assert server.connections == 1 + 3
        api.close()


def test_a_complete_answer_without_a_body_is_still_a_success():
    # The blank line arrived: read-until-close of an empty body is a whole answer.
    with ScriptedServer(b"HTTP/1.1 201 Created\r\nConnection: close\r\n\r\n") as server:
        with client(server.url) as api:
            assert api.thing.post(a=1) is None
            assert api.last_response.status_code == 201


@pytest.mark.parametrize("answer", [CUT_SHORT["status line only"], CUT_SHORT["half a header block"],
                                    b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000],
                         ids=["status line", "headers", "body"])
def test_a_stream_to_file_keeps_its_old_content(tmp_path, answer):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"the old report")
    with ScriptedServer(answer) as server:
        with client(server.url) as api:
            with pytest.raises(restish.ConnectionError):
                api.thing.get(stream_to=str(target))
    assert target.read_bytes() == b"the old report"
    assert os.listdir(tmp_path) == ["report.pdf"]  # no temporary file left behind


# -- 4. a trickling server ----------------------------------------------------

TRICKLED = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n" + b'"' + b"x" * 58 + b'"'


@pytest.mark.timeout(30)
def test_a_trickle_cannot_outlast_the_whole_response_bound():
    # One byte every 0.025 s: each read is quick, the whole answer takes about 3 s.
    # With timeout=(0.5, 0.5) every try must end within 1 s of its start.
    with ScriptedServer(TRICKLED, trickle=0.025) as server:
        api = client(server.url, timeout=(0.5, 0.5), retries=restish.retry.Retry(1, backoff_factor=0))
        with pytest.raises(restish.Timeout) as info:
            api.thing.get()
        api.close()
        assert server.connections == 2  # both tries were cut off by the deadline
        assert server.served == 0
    assert "read timeout" in str(info.value) and str(info.value).startswith(f"GET {server.url}/thing -> ")


@pytest.mark.timeout(30)
def test_a_stream_to_download_keeps_the_per_read_bound(tmp_path):
    # The same trickle, streamed: every read is within its bound, so it completes.
    target = tmp_path / "out.json"
    with ScriptedServer(TRICKLED, trickle=0.025) as server:
        with client(server.url, timeout=(0.5, 1.0)) as api:
            assert api.thing.get(stream_to=str(target)) == 60
    assert target.read_bytes() == TRICKLED[-60:]
