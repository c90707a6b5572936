"""The loopback servers behave as servers.py says, seen through plain requests."""
import hashlib
import http.client
import json
import threading
import time
import uuid
from urllib.parse import quote

import pytest
import requests

from servers import FaultServer, WSGIServer, pattern_bytes

T = 10  # seconds: no call here may hang longer


def hello_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def test_httpbin_servers_are_two_origins(httpbin, httpbin2):
    assert httpbin != httpbin2 and httpbin.startswith("http://127.0.0.1:")
    assert requests.get(f"{httpbin}/get", params={"a": "1"}, timeout=T).json()["args"] == {"a": "1"}
    assert requests.get(f"{httpbin2}/status/204", timeout=T).status_code == 204


def test_wsgi_server_stops_promptly_with_open_connections():
    with WSGIServer(hello_app) as server, requests.Session() as session:
        assert session.get(server.url, timeout=T).text == "hello"  # leaves a keep-alive connection
        started = time.monotonic()
    assert time.monotonic() - started < 3
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url, timeout=T)


def test_status_default_and_given_bodies(fault):
    response = requests.get(f"{fault.url}/status/404", timeout=T)
    assert response.status_code == 404
    assert response.json() == {"error": "NotFound", "error_description": "fault server: 404 Not Found"}
    response = requests.post(f"{fault.url}/status/599", params={"body": '{"x": 1}'}, json={"ignored": 1}, timeout=T)
    assert (response.status_code, response.json()) == (599, {"x": 1})
    assert response.headers["Content-Type"] == "application/json"
    response = requests.get(f"{fault.url}/status/500", params={"body": "boom", "ctype": "text/x-boom"}, timeout=T)
    assert (response.text, response.headers["Content-Type"]) == ("boom", "text/x-boom")
    assert requests.get(f"{fault.url}/status/200", timeout=T).json() == {}


def test_json_echo_and_request_log(fault):
    tag = uuid.uuid4().hex
    echo = requests.put(f"{fault.url}/json", params=[("t", "a"), ("t", "b"), ("tag", tag)],
                        json={"k": "v"}, headers={"X-Tag": tag}, timeout=T).json()
    assert echo["method"] == "PUT" and echo["path"] == "/json"
    assert echo["query"] == {"t": ["a", "b"], "tag": tag}
    assert echo["headers"]["X-Tag"] == tag and echo["json"] == {"k": "v"} and echo["body"] == '{"k": "v"}'
    method, target, headers = next(r for r in fault.requests if r[2].get("X-Tag") == tag)
    assert method == "PUT" and target.startswith("/json?") and fault.hits("/json") >= 1


def test_head_gets_headers_only(fault):
    response = requests.head(f"{fault.url}/text", timeout=T)
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["Content-Length"]) > 0


def test_keep_alive_reuses_the_connection(fault):
    conn = http.client.HTTPConnection("127.0.0.1", int(fault.url.rsplit(":", 1)[1]), timeout=T)
    try:
        conn.request("GET", "/text")
        assert conn.getresponse().read().startswith(b"plain text")
        sock = conn.sock
        conn.request("POST", "/json", body=b"x" * 1000)
        assert json.loads(conn.getresponse().read())["body"] == "x" * 1000
        assert conn.sock is sock
    finally:
        conn.close()


def test_slow_times_out_and_stop_interrupts_it():
    with FaultServer() as server:
        with pytest.raises(requests.ReadTimeout):
            requests.get(f"{server.url}/slow", params={"seconds": 5}, timeout=0.2)
        outcome = []
        waiter = threading.Thread(target=lambda: outcome.append(
            requests.get(f"{server.url}/slow", params={"seconds": 120}, timeout=T).json()))
        waiter.start()
        assert server.wait_hits("/slow", 2, timeout=T)
        started = time.monotonic()
    waiter.join(T)
    assert not waiter.is_alive() and time.monotonic() - started < 3
    assert outcome == [{"slept": 120.0}]


def test_drop_is_a_connection_error(fault):
    with pytest.raises(requests.ConnectionError, match="RemoteDisconnected|aborted"):
        requests.post(f"{fault.url}/drop", json={"a": 1}, timeout=T)


def test_reset_is_a_connection_reset(fault):
    with pytest.raises(requests.ConnectionError) as info:
        requests.get(f"{fault.url}/reset", timeout=T)
    assert "reset" in str(info.value).lower()


def test_flaky_counts_per_key(fault):
    key = uuid.uuid4().hex
    url = f"{fault.url}/flaky/{key}"
    first = requests.get(url, params={"fail": 2, "retry_after": "7"}, timeout=T)
    assert (first.status_code, first.headers["Retry-After"]) == (503, "7")
    second = requests.get(url, params={"fail": 2, "status": 429, "retry_after": "soon"}, timeout=T)
    assert (second.status_code, second.headers["Retry-After"]) == (429, "soon")
    third = requests.get(url, params={"fail": 2}, timeout=T)
    assert (third.status_code, third.json()) == (200, {"hits": 3})
    assert fault.hits(key) == fault.hits(f"/flaky/{key}") == 3


def test_redirect_and_headers(fault):
    response = requests.get(f"{fault.url}/redirect", params={"to": f"{fault.url}/text", "status": 307}, timeout=T)
    assert response.history[0].status_code == 307 and response.text.startswith("plain text")
    link = f'<{fault.url}/json?page=2>; rel="next"'
    response = requests.get(f"{fault.url}/headers/Link/{quote(link, safe='')}", timeout=T)
    assert response.json() == {} and response.links["next"]["url"] == f"{fault.url}/json?page=2"
    response = requests.get(f"{fault.url}/with-headers", timeout=T,
                            params=[("h", "Next-Page: http://x/2"), ("h", "X-A:1"), ("body", "hi")])
    assert response.headers["Next-Page"] == "http://x/2" and response.headers["X-A"] == "1"
    assert response.text == "hi"


@pytest.mark.parametrize("chunked", ["0", "1"])
def test_bytes_text_html_empty(fault, chunked):
    response = requests.get(f"{fault.url}/bytes", params={"n": 300_000, "chunked": chunked}, timeout=T)
    assert response.content == pattern_bytes(300_000)
    assert ("Content-Length" in response.headers) == (chunked == "0")
    assert requests.get(f"{fault.url}/html", timeout=T).headers["Content-Type"].startswith("text/html")
    assert requests.get(f"{fault.url}/text", timeout=T).text == "plain text, caf\u00e9\n"
    empty = requests.get(f"{fault.url}/empty", timeout=T)
    assert (empty.status_code, empty.content) == (204, b"")


def test_upload_drains_a_streamed_body(fault):
    piece, count = pattern_bytes(1 << 20), 20
    body = (piece for _ in range(count))  # a generator: requests sends it chunked
    response = requests.post(f"{fault.url}/upload", data=body, timeout=T,
                             headers={"Content-Type": "application/x-test"})
    digest = hashlib.sha256(piece * count).hexdigest()
    assert response.json() == {"bytes": 20 << 20, "sha256": digest,
                               "content_type": "application/x-test", "chunked": True}


def test_proxy_records_absolute_uris(proxy):
    uri = f"http://example.invalid/{uuid.uuid4().hex}?q=1"
    response = requests.get(uri, proxies={"http": proxy.url}, timeout=T)
    assert response.json() == {"proxied": uri, "method": "GET"}
    assert proxy.hits(uri) == 1 and proxy.requests[-1][:2] == ("GET", uri)
    assert requests.get(f"{proxy.url}/direct", timeout=T).status_code == 400
