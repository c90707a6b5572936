"""Loopback servers for the tests: real sockets on 127.0.0.1, free ports.

Every server here is a context manager with a ``.url`` such as
``http://127.0.0.1:PORT``. It listens on a port the kernel picked (port 0)
before its constructor returns, so it is ready as soon as it exists: the
listening socket queues connections until the serving thread accepts them.
Serving happens in a daemon thread; ``stop()`` (or leaving the ``with`` block)
shuts it down within a bounded time, wakes anything waiting, and closes every
open connection.

- :class:`WSGIServer` serves any WSGI app with waitress; :func:`httpbin_server`
  is the usual one.
- :class:`FaultServer` misbehaves on cue, chosen by the path (see its
  docstring for the routes).
- :class:`RecordingProxy` is an HTTP forward proxy that records the absolute
  URIs it is asked for and answers them itself, connecting nowhere.
- :class:`ScriptedServer` answers every request with the same raw bytes, at
  once or trickled, then closes: responses cut short, slow servers.
"""
from __future__ import annotations

import collections
import hashlib
import http.server
import json
import socket
import socketserver
import struct
import sys
import threading
from typing import Callable, Dict, Iterator, List, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

import waitress
from waitress import wasyncore

__all__ = ["WSGIServer", "httpbin_server", "FaultServer", "RecordingProxy", "ScriptedServer", "pattern_bytes"]

JOIN_TIMEOUT = 5.0          # seconds a stop waits for a serving thread
MAX_SLOW = 300.0            # /slow never waits longer than this
MAX_BYTES = 1 << 30         # /bytes never sends more than this
CHUNK = 64 * 1024           # read and write size for bodies
RECENT = 1000               # how many requests .requests remembers


class _Running:
    """Context-manager protocol shared by the servers: ``with S(...) as s``."""

    url: str

    def stop(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"


# --------------------------------------------------------------------------
# WSGI apps with waitress


class WSGIServer(_Running):
    """Serve a WSGI ``app`` with waitress on 127.0.0.1 in a daemon thread."""

    def __init__(self, app: Callable, threads: int = 8) -> None:
        self._server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
        self.url = f"http://127.0.0.1:{self._server.effective_port}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"wsgi {self.url}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        # waitress's own run() loops until its socket map is empty; this loop
        # also ends when asked, and stop() pulls the trigger to wake the poll.
        socket_map = self._server._map
        while not self._stopping.is_set() and socket_map:
            wasyncore.loop(timeout=1.0, use_poll=True, map=socket_map, count=1)

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._server.pull_trigger()
        self._thread.join(JOIN_TIMEOUT)
        # The loop has stopped: the socket map is ours alone now.
        self._server.task_dispatcher.shutdown(timeout=1)
        wasyncore.close_all(self._server._map)


def httpbin_server() -> WSGIServer:
    """A fresh httpbin on its own port."""
    import httpbin  # imported late: it logs a warning when flasgger is missing

    return WSGIServer(httpbin.app)


# --------------------------------------------------------------------------
# Stdlib servers: the shared machinery


class _ThreadingServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64  # the default backlog of 5 stalls bursts of connections

    def __init__(self, handler: type) -> None:
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._counted = threading.Condition(self._lock)
        self._connections: set = set()
        self._busy: set = set()  # connections inside a request: stop() lets them answer first
        self.accepted = 0  # connections accepted in all
        self._hits: collections.Counter = collections.Counter()
        self._recent: collections.deque = collections.deque(maxlen=RECENT)
        super().__init__(("127.0.0.1", 0), handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for the host's FQDN; we know it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address) -> None:
        # A client hanging up mid-answer is routine here; anything else is loud.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

    # Connection tracking, so that stop() can close idle keep-alive sockets.
    def track(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)
            self.accepted += 1

    def untrack(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)
            self._counted.notify_all()  # open_connections() waits on it

    def busy(self, connection: socket.socket, inside: bool) -> None:
        with self._lock:
            (self._busy.add if inside else self._busy.discard)(connection)
            self._counted.notify_all()

    def close_connections(self) -> None:
        """Shut every connection, once those inside a request answered (bounded: a handler
        stuck on a silent client is cut off after JOIN_TIMEOUT)."""
        with self._counted:
            self._counted.wait_for(lambda: not self._busy, JOIN_TIMEOUT)
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # Request accounting.
    def record(self, keys: Tuple[str, ...], method: str, target: str, headers: dict) -> int:
        """Count a hit under every key; return the count of the first key."""
        with self._lock:
            for key in keys:
                self._hits[key] += 1
            self._recent.append((method, target, headers))
            self._counted.notify_all()
            return self._hits[keys[0]]


class _StdlibServer(_Running):
    """Run a handler class on a :class:`_ThreadingServer` in a daemon thread."""

    handler: type

    def __init__(self, tls=None) -> None:
        """``tls``: an ``ssl.SSLContext`` (server side) to serve https with."""
        self._server = _ThreadingServer(self.handler)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__} {self.url}", daemon=True,
        )
        self._thread.start()

    def hits(self, key: str) -> int:
        """How many requests were counted under ``key`` (a path, or a /flaky key)."""
        with self._server._lock:
            return self._server._hits[key]

    def wait_hits(self, key: str, count: int, timeout: float = 10.0) -> bool:
        """Block until ``hits(key) >= count`` or ``timeout`` passes; say which."""
        with self._server._counted:
            return self._server._counted.wait_for(lambda: self._server._hits[key] >= count, timeout)

    def open_connections(self, want: int | None = None, timeout: float = 10.0) -> int:
        """How many client connections are open now; with ``want``, first wait (bounded) until
        that many are: a client's close reaches the serving thread a moment later."""
        with self._server._counted:
            if want is not None:
                self._server._counted.wait_for(lambda: len(self._server._connections) == want, timeout)
            return len(self._server._connections)

    @property
    def accepted(self) -> int:
        """How many connections the server accepted in all."""
        with self._server._lock:
            return self._server.accepted

    @property
    def requests(self) -> List[Tuple[str, str, Dict[str, str]]]:
        """The recent requests, oldest first: ``(method, target, headers)``."""
        with self._server._lock:
            return list(self._server._recent)

    def stop(self) -> None:
        if self._server.stopping.is_set():
            return
        self._server.stopping.set()          # wakes /slow
        self._server.shutdown()              # ends serve_forever (bounded by poll_interval)
        self._server.close_connections()     # wakes handlers blocked on idle keep-alive
        self._server.server_close()
        self._thread.join(JOIN_TIMEOUT)


class _Handler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler: every answer carries its length."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small writes would otherwise wait ~40 ms for delayed ACKs
    server: _ThreadingServer
    timeout = 60  # an idle keep-alive connection is dropped after this

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        self.server.untrack(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format, *args) -> None:  # noqa: A002 - stdlib signature
        pass

    def handle_one_request(self) -> None:
        # One entry point for every verb, instead of do_GET, do_POST, ...
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        self.server.busy(self.connection, True)
        try:
            self.dispatch()
            self.wfile.flush()
        finally:
            self.server.busy(self.connection, False)

    def dispatch(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    # Request bodies: Content-Length or chunked, always read in pieces.
    def body_chunks(self) -> Iterator[bytes]:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            yield from self._chunked_body()
            return
        remaining = int(self.headers.get("Content-Length") or 0)
        while remaining > 0:
            chunk = self.rfile.read(min(CHUNK, remaining))
            if not chunk:
                raise ConnectionError("client closed mid-body")
            remaining -= len(chunk)
            yield chunk

    def _chunked_body(self) -> Iterator[bytes]:
        while True:
            size_line = self.rfile.readline(1024)
            if not size_line:
                raise ConnectionError("client closed mid-body")
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return
            while size > 0:
                chunk = self.rfile.read(min(CHUNK, size))
                if not chunk:
                    raise ConnectionError("client closed mid-body")
                size -= len(chunk)
                yield chunk
            self.rfile.readline(1024)  # the CRLF after each chunk

    def read_body(self) -> bytes:
        return b"".join(self.body_chunks())

    # Answers.
    def answer(self, status: int, body: bytes | str | object = b"", ctype: str | None = None,
               headers: List[Tuple[str, str]] = ()) -> None:
        """Send a whole answer. ``body``: bytes, text, or anything JSON-able."""
        if isinstance(body, str):
            body, ctype = body.encode(), ctype or "text/plain; charset=utf-8"
        elif not isinstance(body, bytes):
            body, ctype = json.dumps(body).encode(), ctype or "application/json"
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body and ctype:
            self.send_header("Content-Type", ctype)
        if status not in (204, 304) and not 100 <= status < 200:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(body)


def pattern_bytes(n: int) -> bytes:
    """The deterministic content of ``/bytes?n=N``: 0, 1, ... 255, 0, 1, ..."""
    return (bytes(range(256)) * (n // 256 + 1))[:n]


# --------------------------------------------------------------------------
# FaultServer


class _FaultHandler(_Handler):
    """Routes by the first path segment; any verb goes to the same method."""

    def dispatch(self) -> None:
        split = urlsplit(self.path)
        self.route_path = split.path
        self.query = parse_qs(split.query, keep_blank_values=True)
        self.segments = [unquote(s) for s in split.path.split("/")[1:]]
        name = self.segments[0] if self.segments else ""
        route = self.ROUTES.get(name, _FaultHandler.not_found)
        keys = (split.path,)
        if name == "flaky" and len(self.segments) > 1:
            keys += (self.segments[1],)
        self.hit = self.server.record(keys, self.command, self.path, dict(self.headers.items()))
        if route not in (_FaultHandler.upload, _FaultHandler.drop, _FaultHandler.reset):
            self.body = self.read_body()
        route(self)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def int_arg(self, name: str, default: int) -> int:
        try:
            return int(self.arg(name, str(default)))
        except ValueError:
            return default

    def segment(self, index: int, default: str = "") -> str:
        return self.segments[index] if len(self.segments) > index else default

    # Routes ---------------------------------------------------------------

    def status(self) -> None:
        """``/status/<code>?body=...&ctype=...``"""
        code = int(self.segment(1)) if self.segment(1).isdigit() else 200
        body = self.arg("body")
        ctype = self.arg("ctype")
        if body is None:
            reason = self.responses.get(code, ("Error",))[0]
            body = ({"error": reason.replace(" ", ""), "error_description": f"fault server: {code} {reason}"}
                    if code >= 400 else {})
            self.answer(code, body)
            return
        if ctype is None:
            ctype = "application/json" if _is_json(body) else "text/plain; charset=utf-8"
        self.answer(code, body.encode(), ctype)

    def echo(self) -> None:
        """``/json``: what was asked, as JSON."""
        text = self.body.decode("utf-8", "replace")
        echo = {
            "method": self.command,
            "path": self.route_path,
            "query": {k: v[0] if len(v) == 1 else v for k, v in self.query.items()},
            "headers": dict(self.headers.items()),
            "body": text,
            "json": json.loads(text) if _is_json(text) else None,
        }
        self.answer(200, echo)

    def slow(self) -> None:
        """``/slow?seconds=S``: answer after S seconds, or at once when stopping."""
        try:
            seconds = min(float(self.arg("seconds", "1")), MAX_SLOW)
        except ValueError:
            seconds = 1.0
        self.server.stopping.wait(seconds)
        self.answer(200, {"slept": seconds})

    def drop(self) -> None:
        """``/drop``: read the request, close without a word."""
        self.read_body()
        self.close_connection = True

    def reset(self) -> None:
        """``/reset``: read the request, then a TCP RST (SO_LINGER 0, close)."""
        self.read_body()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()          # drops the makefile reference, so close() is real
        self.connection.close()
        self.close_connection = True

    def flaky(self) -> None:
        """``/flaky/<key>?fail=N&status=503&retry_after=X``"""
        if self.hit <= self.int_arg("fail", 1):
            retry_after = self.arg("retry_after")
            headers = [("Retry-After", retry_after)] if retry_after is not None else []
            code = self.int_arg("status", 503)
            reason = self.responses.get(code, ("Error",))[0]
            self.answer(code, {"error": reason.replace(" ", ""), "error_description": f"hit {self.hit}"},
                        headers=headers)
        else:
            self.answer(200, {"hits": self.hit})

    def redirect(self) -> None:
        """``/redirect?to=<url>&status=302``"""
        self.answer(self.int_arg("status", 302), b"", headers=[("Location", self.arg("to", "/json"))])

    def slash(self) -> None:
        """``/slash/<rest>?status=301``: Django's slash redirect to ``/slash/<rest>/`` (query kept);
        a path ending in ``/`` is echoed as ``/json`` would."""
        if self.route_path.endswith("/"):
            self.echo()
            return
        split = urlsplit(self.path)
        target = split.path + "/" + (f"?{split.query}" if split.query else "")
        self.answer(self.int_arg("status", 301), b"", headers=[("Location", target)])

    def header(self) -> None:
        """``/headers/<name>/<value>``: 200 ``{}`` with that header."""
        self.answer(200, {}, headers=[(self.segment(1, "X-Empty"), self.segment(2))])

    def with_headers(self) -> None:
        """``/with-headers?h=Name:Value&h=...&body=...&status=200&ctype=...``"""
        headers = [tuple(part.strip() for part in h.split(":", 1)) for h in self.query.get("h", []) if ":" in h]
        body = self.arg("body")
        code = self.int_arg("status", 200)
        if body is None:
            self.answer(code, {}, headers=headers)
        else:
            ctype = self.arg("ctype") or ("application/json" if _is_json(body) else "text/plain; charset=utf-8")
            self.answer(code, body.encode(), ctype, headers=headers)

    def bytes_(self) -> None:
        """``/bytes?n=N&ctype=...&chunked=1``: N pattern bytes, written in pieces."""
        n = max(0, min(self.int_arg("n", 1024), MAX_BYTES))
        chunked = self.arg("chunked") in ("1", "true")
        self.send_response(200)
        self.send_header("Content-Type", self.arg("ctype", "application/octet-stream"))
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(n))
        self.end_headers()
        if self.command == "HEAD":
            return
        block = bytes(range(256)) * (CHUNK // 256)  # CHUNK is a multiple of 256
        for start in range(0, n, CHUNK):
            piece = block[: min(CHUNK, n - start)]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def text(self) -> None:
        """``/text``: text/plain."""
        self.answer(200, "plain text, caf\u00e9\n", "text/plain; charset=utf-8")

    def empty(self) -> None:
        """``/empty``: 204, no body."""
        self.answer(204)

    def html(self) -> None:
        """``/html``: text/html."""
        self.answer(200, "<!doctype html><html><body><h1>fault</h1></body></html>", "text/html; charset=utf-8")

    def upload(self) -> None:
        """``/upload``: drain the body in pieces; say how much and its sha256."""
        digest, size, largest = hashlib.sha256(), 0, 0
        for chunk in self.body_chunks():
            digest.update(chunk)
            size += len(chunk)
            largest = max(largest, len(chunk))
        self.answer(200, {"bytes": size, "sha256": digest.hexdigest(),
                          "content_type": self.headers.get("Content-Type"),
                          "chunked": "chunked" in self.headers.get("Transfer-Encoding", "").lower()})

    def not_found(self) -> None:
        self.answer(404, {"error": "NotFound", "error_description": f"fault server: no route {self.route_path}"})

    ROUTES = {
        "status": status, "json": echo, "slow": slow, "drop": drop, "reset": reset,
        "flaky": flaky, "redirect": redirect, "slash": slash, "headers": header, "with-headers": with_headers,
        "bytes": bytes_, "text": text, "empty": empty, "html": html, "upload": upload,
    }


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


class FaultServer(_StdlibServer):
    """A server that misbehaves on cue. Any verb; the first path segment picks the route.

    ==========================================  =====================================================
    ``/status/<code>?body=B&ctype=T``           that status; body B (JSON type if B parses as JSON,
                                                else text/plain; ``ctype`` overrides); without B a
                                                MAX-style ``{"error", "error_description"}`` for
                                                4xx/5xx, ``{}`` otherwise
    ``/json?...``                               200 ``{"method", "path", "query", "headers", "body",
                                                "json"}``: query values are strings, lists when
                                                repeated; ``json`` is the parsed body or null
    ``/slow?seconds=S``                         200 ``{"slept": S}`` after S seconds (at most 300);
                                                stopping the server ends the wait at once
    ``/drop``                                   reads the request, closes without answering
    ``/reset``                                  reads the request, answers with a TCP RST
    ``/flaky/<key>?fail=N&status=C&retry_after=X``
                                                C (default 503, with ``Retry-After: X`` if given)
                                                for the first N (default 1) hits of ``key``, then
                                                200 ``{"hits": n}``; keys live as long as the server,
                                                so use a fresh key per test
    ``/redirect?to=URL&status=C``               C (default 302) with ``Location: URL`` (default /json)
    ``/slash/<rest>?status=C``                  C (default 301) to ``/slash/<rest>/``, query kept
                                                (Django's slash redirect); ``/slash/<rest>/`` echoes
    ``/headers/<name>/<value>``                 200 ``{}`` with that header (segments percent-decoded)
    ``/with-headers?h=N:V&h=...&body=B&status=C&ctype=T``
                                                C (default 200) with each header; body B or ``{}``
    ``/bytes?n=N&ctype=T&chunked=1``            N bytes of :func:`pattern_bytes`, written in 64 KiB
                                                pieces, Content-Length or (chunked=1) chunked
    ``/text``  ``/html``  ``/empty``            text/plain, text/html, 204
    ``/upload``                                 drains the body (Content-Length or chunked) in
                                                pieces, 200 ``{"bytes", "sha256", "content_type",
                                                "chunked"}``
    anything else                               404, MAX-style body
    ==========================================  =====================================================

    ``hits(key)`` counts requests by path without the query (``"/json"``,
    ``"/flaky/k"``), and for /flaky also by the bare key (``"k"``).
    ``requests`` lists recent ``(method, target, headers)``, target as sent.
    """

    handler = _FaultHandler


# --------------------------------------------------------------------------
# RecordingProxy


class _ProxyHandler(_Handler):
    def dispatch(self) -> None:
        target = self.path
        self.server.record((target,), self.command, target, dict(self.headers.items()))
        self.read_body()
        if self.command == "CONNECT":
            self.answer(405, {"error": "NotSupported", "error_description": "no CONNECT tunnels here"})
            self.close_connection = True
        elif "://" not in target:
            self.answer(400, {"error": "NotAProxyRequest", "error_description": f"not an absolute URI: {target}"})
        else:
            self.answer(200, {"proxied": target, "method": self.command})


class RecordingProxy(_StdlibServer):
    """An HTTP forward proxy that answers for everyone and connects nowhere.

    A request line with an absolute URI (``GET http://example.invalid/x HTTP/1.1``)
    gets 200 ``{"proxied": "http://example.invalid/x", "method": "GET"}``; an
    origin-form target gets 400 and CONNECT gets 405. ``hits(uri)`` and
    ``requests`` record every request, as for :class:`FaultServer`.
    """

    handler = _ProxyHandler


# --------------------------------------------------------------------------
# ScriptedServer: raw bytes on a raw socket


HEADER_LIMIT = 64 * 1024   # a request head longer than this is not ours


class ScriptedServer(_Running):
    """Answers every request with ``answer`` (raw bytes, status line and all), then closes.

    With ``trickle`` seconds, the answer goes out one byte at a time, that long
    apart, and the connection ends early when the client goes away or the server
    stops: each connection's loop is bounded by ``len(answer)`` and by stopping.
    Each connection has its own thread. ``connections`` counts those accepted,
    ``served`` those that got the whole answer, ``abandoned`` those the client
    left before the end, and ``sent`` the bytes written in all.
    """

    def __init__(self, answer: bytes, trickle: float = 0.0) -> None:
        self.answer, self.trickle = answer, trickle
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # how often the accept loop looks at _stopping
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.connections = self.served = self.abandoned = self.sent = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: List[threading.Thread] = []
        self._thread = threading.Thread(target=self._serve, name=f"scripted {self.url}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            with self._lock:
                self.connections += 1
            worker = threading.Thread(target=self._answer, args=(connection,), daemon=True)
            self._threads.append(worker)
            worker.start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(JOIN_TIMEOUT)
            if not _read_request_head(connection):
                return
            step = 1 if self.trickle else len(self.answer) or 1
            for start in range(0, len(self.answer), step):
                if start and self._stopping.wait(self.trickle):
                    return
                try:
                    connection.sendall(self.answer[start:start + step])
                except OSError:
                    with self._lock:
                        self.abandoned += 1
                    return
                with self._lock:
                    self.sent += len(self.answer[start:start + step])
            with self._lock:
                self.served += 1

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._thread.join(JOIN_TIMEOUT)
        for worker in self._threads:
            worker.join(JOIN_TIMEOUT)
        self._listener.close()


def _read_request_head(connection: socket.socket) -> bool:
    """Read up to the end of a request's head; False when the client went away first."""
    head = b""
    while b"\r\n\r\n" not in head and len(head) < HEADER_LIMIT:
        try:
            piece = connection.recv(4096)
        except OSError:
            return False
        if not piece:
            return False
        head += piece
    return True
