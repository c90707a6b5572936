"""An in-process transport: a requests adapter that calls a WSGI app, with no socket.

``Client(url, app=wsgi_app)`` mounts :class:`WSGIAdapter` for the base URL's
origin. The environ is the one a real WSGI server mounted at the root would
build (PEP 3333), so ``Client("http://kinto.local/v1", app=kinto)`` reaches
Kinto's ``/v1`` routes. Request and response bodies are streamed, never joined.

The adapter plays the server's part of PEP 3333: it checks what the app hands
back (status, headers, bytes), sends the headers with the first body bytes, and
re-raises a late ``start_response(..., exc_info)``. A body the app encoded
(``Content-Encoding: gzip``...) goes out as a ``urllib3.HTTPResponse``, as
HTTPAdapter's does, so it is decoded the same way in-process and over a socket;
any other body is ``response.raw`` itself, which costs far less per call and
offers what requests' users reach for on a urllib3 response (read, stream,
headers, status, data, release_conn).
"""
from __future__ import annotations

import collections
import contextlib
import io
import re
import sys
from email.message import Message
from typing import Any, Callable, Iterator
from urllib.parse import unquote_to_bytes, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.cookies import extract_cookies_to_jar
from requests.exceptions import ChunkedEncodingError
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPResponse
from urllib3._collections import HTTPHeaderDict  # top-level only from urllib3 2.0
from urllib3.exceptions import IncompleteRead, ProtocolError

from .errors import TransportError
from .redact import redact_text
from .transport import DEFAULT_PORTS

__all__ = ["WSGIAdapter", "build_environ"]

_NO_HTTP_PREFIX = {"CONTENT_TYPE", "CONTENT_LENGTH"}
_STATUS = re.compile(r"[0-9]{3}( |$)")
_BODILESS = {204, 304}  # and 1xx, and any answer to HEAD: http.client reads no body for them


class WSGIAdapter(BaseAdapter):
    """Send requests to ``app`` in-process. ``timeout`` is accepted and not enforced:
    an app running in this thread cannot be interrupted."""

    def __init__(self, app: Callable) -> None:
        super().__init__()
        self.app = app

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        """The app's response; raises TransportError when the app raises or breaks PEP 3333."""
        exchange = _Exchange(self.app, build_environ(request))
        try:
            exchange.start()
            response = self._response(request, exchange)
        except Exception as exc:
            with contextlib.suppress(Exception):  # the first failure is the one to report
                exchange.close()
            raise _app_error(request, exc) from exc
        if not stream:
            _read_content(response)  # read it now, as requests does; errors surface here
        return response

    def close(self) -> None:
        """Nothing to release: there are no connections."""

    def _response(self, request: requests.PreparedRequest, exchange: "_Exchange") -> requests.Response:
        """A requests Response over the started exchange, built as HTTPAdapter.build_response does."""
        code, _, reason = exchange.status.partition(" ")
        status = int(code)
        headers: CaseInsensitiveDict = CaseInsensitiveDict()
        for name, value in exchange.headers:  # repeated headers joined, as urllib3 joins them
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        bodiless = request.method == "HEAD" or status in _BODILESS or status < 200
        if bodiless:
            exchange.close()  # a server sends no body here, whatever the app yields
        encoded = headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity")
        # urllib3 checks an encoded body's length itself (and would wrap an error of ours in its own).
        body = _Body(exchange, request, 0 if bodiless else _content_length(exchange.headers), check=not encoded,
                     status=status, reason=reason)
        raw = _decoding(body, exchange, request, status, reason) if encoded else body
        response = requests.Response()
        response.status_code, response.reason, response.headers = status, reason, headers
        response.encoding = requests.utils.get_encoding_from_headers(headers)
        response.raw = raw
        response.url = request.url or ""
        response.request = request
        response.connection = self  # type: ignore[assignment]  # auth handlers resend through it
        extract_cookies_to_jar(response.cookies, request, body)
        return response


def _read_content(response: requests.Response) -> None:
    """Read the whole body into ``response.content``, as requests' ``content`` property does.

    A plain body is read in one call and stored where that property keeps it
    (``_content``, set by requests itself the same way): this skips requests'
    chunking generators, a good part of an in-process call's cost.
    """
    if isinstance(response.raw, _Body):
        response._content, response._content_consumed = response.raw.read(), True  # type: ignore[attr-defined]
    else:
        response.content  # urllib3 decodes it


def _decoding(body: _Body, exchange: _Exchange, request: requests.PreparedRequest,
              status: int, reason: str) -> HTTPResponse:
    """urllib3's response over ``body``: it decodes gzip, deflate, br... as it does off a socket."""
    headers = HTTPHeaderDict()
    for name, value in exchange.headers:
        headers.add(name, value)
    return HTTPResponse(
        body=body, headers=headers, status=status, reason=reason, preload_content=False,
        decode_content=True, original_response=body._original_response,
        request_method=request.method, request_url=request.url,
    )


def build_environ(request: requests.PreparedRequest) -> dict:
    """The PEP 3333 environ for ``request``, as a server at the root would build it."""
    url = urlsplit(request.url or "")
    scheme = url.scheme or "http"
    port = url.port or DEFAULT_PORTS.get(scheme, 80)
    target = url.path or "/"
    environ = {
        "REQUEST_METHOD": request.method or "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(target).decode("latin-1"),
        "QUERY_STRING": url.query,
        "REQUEST_URI": target + (f"?{url.query}" if url.query else ""),
        "RAW_URI": target + (f"?{url.query}" if url.query else ""),
        "SERVER_NAME": url.hostname or "localhost",
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": _host_header(url.hostname or "localhost", url.port, scheme),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": _Input(request.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        key = key if key in _NO_HTTP_PREFIX else f"HTTP_{key}"
        environ[key] = f"{environ[key]},{value}" if key in environ and key != "HTTP_HOST" else value
    if "CONTENT_LENGTH" not in environ:
        # A chunked body (a pipe upload) has no length: say that wsgi.input ends at
        # the body's end, as gunicorn and waitress do, or a PEP 3333 app reads nothing.
        environ["wsgi.input_terminated"] = True
    return environ


def _host_header(hostname: str, port: int | None, scheme: str) -> str:
    """``Host`` as a client sends it: no user info, brackets around IPv6, the port if not the default."""
    host = f"[{hostname}]" if ":" in hostname else hostname
    return host if port is None or port == DEFAULT_PORTS.get(scheme) else f"{host}:{port}"


class _BrokenApp(Exception):
    """The app broke PEP 3333 (a bad status, headers or body chunk; no start_response)."""


class _Exchange:
    """The server's side of one app call: ``start_response``, ``write()`` and the body iterable.

    Body bytes are queued in the order the app produces them, whether written or
    yielded. The headers count as sent once the first body bytes exist (or the
    body has ended): after that, ``start_response(..., exc_info)`` re-raises.
    """

    def __init__(self, app: Callable, environ: dict) -> None:
        self.app, self.environ = app, environ
        self.status: str = ""
        self.headers: list[tuple[str, str]] = []
        self.headers_sent = False
        self._pending: collections.deque[bytes] = collections.deque()
        self._result: Any = None
        self._chunks: Any = None
        self._done = self._closed = False

    def start(self) -> None:
        """Call the app and run it up to its first body bytes, when a server sends the headers.

        Raises what the app raises, or _BrokenApp.
        """
        self._result = self.app(self.environ, self.start_response)
        try:
            self._chunks = iter(self._result)
        except TypeError:
            raise _BrokenApp(f"the app returned {type(self._result).__name__}, not an iterable of bytes") from None
        while not self.headers_sent and self._pull():
            pass
        if not self.status:
            raise _BrokenApp("the app returned without calling start_response")
        self.headers_sent = True

    def start_response(self, status: Any, headers: Any, exc_info: Any = None) -> Callable[[bytes], None]:
        """PEP 3333's start_response; returns the legacy write() callable."""
        if exc_info:
            try:
                if self.headers_sent:  # too late to change the answer: the app's error ends it
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None  # no reference cycle through the traceback
        elif self.status:
            raise _BrokenApp("start_response was called a second time without exc_info")
        self.status, self.headers = _checked_status(status), _checked_headers(headers)
        return self._write

    def _write(self, data: Any) -> None:
        if not self.status:
            raise _BrokenApp("write() was called before start_response")
        self._queue(data, "wrote")

    def _queue(self, data: Any, verb: str) -> None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise _BrokenApp(f"the app {verb} {type(data).__name__} body data, not bytes")
        if data:
            self._pending.append(bytes(data))
            self.headers_sent = True

    def _pull(self) -> bool:
        """Take the app's next body chunk into the queue; False when the body has ended."""
        if self._done:
            return False
        try:
            chunk = next(self._chunks)
        except StopIteration:
            self._done = True
            return False
        if chunk and not self.status:
            raise _BrokenApp("the app yielded body bytes before calling start_response")
        self._queue(chunk, "yielded")
        return True

    def next_chunk(self) -> bytes:
        """The next body bytes; b"" at the end. Raises what the app raises, or _BrokenApp."""
        while not self._pending:
            if self._closed or not self._pull():
                return b""
        return self._pending.popleft()

    def close(self) -> None:
        """Call the result's close() once, as PEP 3333 asks of a server, read to the end or not."""
        if self._closed:
            return
        self._closed, self._done = True, True
        self._pending.clear()
        close = getattr(self._result, "close", None)
        if close is not None:
            close()


def _checked_status(status: Any) -> str:
    if not isinstance(status, str):
        raise _BrokenApp(f"the status must be a str such as '200 OK', not {type(status).__name__} {status!r}")
    if not _STATUS.match(status):
        raise _BrokenApp(f"the status {status[:40]!r} is not a three-digit code and a reason, like '200 OK'")
    return status


def _checked_headers(headers: Any) -> list[tuple[str, str]]:
    if not isinstance(headers, (list, tuple)):
        raise _BrokenApp(f"the headers must be a list of (name, value) tuples, not {type(headers).__name__}")
    for header in headers:
        if not (isinstance(header, tuple) and len(header) == 2 and all(isinstance(s, str) for s in header)):
            raise _BrokenApp(f"a header must be a (str, str) tuple, not {redact_text(repr(header))[:80]}")
    return list(headers)


class _Original:
    """Stands in for http.client's response where requests and urllib3 look for it.

    Only cookie extraction reads it; without ``Set-Cookie`` there is none to
    build (requests then skips the extraction, which would find nothing).
    """

    def __init__(self, msg: Message) -> None:
        self.msg = msg

    def isclosed(self) -> bool:
        return True

    def close(self) -> None:
        """urllib3 closes it after a failed read; the exchange is closed by _Body."""


class _Body(io.RawIOBase):
    """The app's body as a readable stream, closed at its end: ``response.raw``, or what urllib3
    decodes. No more than its Content-Length, like http.client; with ``check``, fewer is an error.

    As ``response.raw`` it answers what code written for requests uses of a
    ``urllib3.HTTPResponse``: ``read(amt, decode_content=)``, ``stream()``, ``headers``,
    ``status``, ``reason``, ``data``, ``tell()``, ``release_conn()`` and ``closed``.
    """

    def __init__(self, exchange: _Exchange, request: requests.PreparedRequest, length: int | None,
                 check: bool = True, status: int = 200, reason: str = "") -> None:
        self._exchange, self._request, self._check = exchange, request, check
        self.status, self.reason = status, reason
        self._pending, self._offset, self._read = b"", 0, 0
        self._left = length  # bytes still due; None: as many as the app yields
        self._original_response = _original(exchange.headers)  # read by cookie extraction
        self._data: bytes | None = None
        self._failure: Exception | None = None  # raised by the next read, after the bytes before it

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1, decode_content: Any = None) -> bytes:
        """``size`` bytes, fewer only at the body's end; with no size (None or < 0), the
        rest of the body; b"" at the end. ``decode_content`` is accepted, as urllib3's
        read takes it (requests passes it), and means nothing: this body is not encoded.

        Raises TransportError when the app fails mid-body; with ``check``,
        ChunkedEncodingError (as requests does over a socket) when it ends short of
        its Content-Length.
        """
        if size is None or size < 0:
            return b"".join(iter(self.read1, b""))
        piece = self.read1(size)
        if len(piece) == size or not piece:  # the usual case: one chunk holds it
            return piece
        pieces = [piece]  # the app's chunks are smaller than size: gather them, as a socket read does
        size -= len(piece)
        try:
            while size and (piece := self.read1(size)):
                pieces.append(piece)
                size -= len(piece)
        except Exception as exc:  # hand out the bytes that came, as a socket does; fail on the next read
            self._failure = exc
        return b"".join(pieces)

    def read1(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes of no more than one app chunk; b"" at the end (see read)."""
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
        if self.closed or size == 0:
            return b""
        if self._offset == len(self._pending) or self._left == 0:
            self._pending, self._offset = self._next_chunk(), 0
            if not self._pending:
                self._end()
                return b""
        start, end = self._offset, len(self._pending)
        if size is not None and size >= 0:
            end = min(end, start + size)
        if self._left is not None:
            end = min(end, start + self._left)
            self._left -= end - start
        # An offset into the chunk, not a re-slice of its rest: a 5 MiB chunk read
        # 10 KiB at a time is copied once, not 500 times.
        self._offset, self._read = end, self._read + end - start
        return self._pending[start:end]

    def readinto(self, buffer: Any) -> int:
        """io.BufferedReader's read: up to len(buffer) bytes of one app chunk; 0 at the end."""
        data = self.read1(len(buffer))
        memoryview(buffer).cast("B")[:len(data)] = data
        return len(data)

    def stream(self, amt: int | None = 2 ** 16, decode_content: Any = None) -> Iterator[bytes]:
        """The body in pieces of ``amt`` bytes (the last may be shorter), as urllib3 yields
        them; with ``amt=None``, as the app yields them. requests' iter_content uses it."""
        read = self.read1 if amt is None else lambda: self.read(amt)
        return iter(read, b"")

    @property
    def headers(self) -> HTTPHeaderDict:
        """The app's headers, repeated ones kept, as urllib3's response has them."""
        headers = HTTPHeaderDict()
        for name, value in self._exchange.headers:
            headers.add(name, value)
        return headers

    @property
    def data(self) -> bytes:
        """The rest of the body, read once and kept, as urllib3's ``data``."""
        if self._data is None:
            self._data = self.read()
        return self._data

    def tell(self) -> int:
        """How many body bytes were read so far, as urllib3's ``tell()``."""
        return self._read

    def release_conn(self) -> None:
        """Nothing to release: there is no connection. requests calls it on close()."""

    def _next_chunk(self) -> bytes:
        if self._left == 0:
            return b""  # cut at Content-Length: the rest is never sent
        try:
            return self._exchange.next_chunk()
        except Exception as exc:
            with contextlib.suppress(Exception):  # the first failure is the one to report
                self.close()
            raise _app_error(self._request, exc) from exc

    def _end(self) -> None:
        """Close at the body's end, as PEP 3333 asks; a body short of its length is an error."""
        if not (self._left and self._check):
            self.close()
            return
        with contextlib.suppress(Exception):  # the short body is the failure to report
            self.close()
        short = IncompleteRead(self._read, self._left)
        raise ChunkedEncodingError(ProtocolError(f"Connection broken: {short!r}", short))

    def close(self) -> None:
        """Close the app's result (once); TransportError if its close() raises."""
        try:
            self._exchange.close()
        except Exception as exc:
            raise _app_error(self._request, exc) from exc
        finally:
            super().close()


def _original(headers: list[tuple[str, str]]) -> _Original | None:
    """What cookie extraction reads, or None when the app sets no cookie."""
    if not any(name.lower() in ("set-cookie", "set-cookie2") for name, _ in headers):
        return None
    message = Message()
    for name, value in headers:
        message[name] = value
    return _Original(message)


def _content_length(headers: list[tuple[str, str]]) -> int | None:
    values = {value.strip() for name, value in headers if name.lower() == "content-length"}
    if len(values) == 1 and (value := values.pop()).isdigit():
        return int(value)
    return None


class _Input(io.RawIOBase):
    """``wsgi.input`` over a request body: bytes, a file-like object or an iterable.

    The whole file interface apps use: ``read``, ``readline``, ``readlines``,
    ``readinto`` (werkzeug, so Flask, reads through it) and iteration by lines.
    ``read()`` returns b"" only at the body's end (never for an empty chunk of an
    iterable body), so an app may read to EOF when ``wsgi.input_terminated`` is set.
    """

    def __init__(self, body: Any) -> None:
        if body is None:
            body = b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        if isinstance(body, (bytes, bytearray)):
            body = io.BytesIO(body)
        self._source = body if hasattr(body, "read") else None
        self._chunks = None if self._source is not None else iter(body)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(65536), b""))
        while len(self._buffer) < size:
            chunk = self._next_chunk(size - len(self._buffer))
            if not chunk:
                break
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` with up to its length of the body; 0 only at the body's end."""
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        limit = size if size is not None and size >= 0 else sys.maxsize
        while b"\n" not in self._buffer and len(self._buffer) < limit:
            chunk = self._next_chunk(65536)
            if not chunk:
                break
            self._buffer += chunk
        end = self._buffer.find(b"\n") + 1 or len(self._buffer)
        end = min(end, limit)
        line, self._buffer = self._buffer[:end], self._buffer[end:]
        return line

    def _next_chunk(self, size: int) -> bytes:
        """The source's next bytes; b"" only when it has ended."""
        if self._source is not None:
            return _as_bytes(self._source.read(size))
        for chunk in self._chunks:  # type: ignore[union-attr]
            if chunk:  # an empty chunk of a generator is not its end
                return _as_bytes(chunk)
        return b""


def _as_bytes(chunk: Any) -> bytes:
    return chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk or b"")


def _app_error(request: requests.PreparedRequest, exc: Exception) -> TransportError:
    if isinstance(exc, _BrokenApp):
        cause = f"WSGI app broke PEP 3333: {redact_text(str(exc))}"
    else:
        cause = f"WSGI app raised {type(exc).__name__}: {redact_text(str(exc))}"
    return TransportError(request.method or "?", request.url or "?", cause)
