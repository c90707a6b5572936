"""An in-process transport: a requests adapter that calls a WSGI app, with no socket.

``Client(url, app=wsgi_app)`` mounts :class:`WSGIAdapter` for the base URL's
origin. The environ is the one a real WSGI server mounted at the root would
build (PEP 3333), so ``Client("http://kinto.local/v1", app=kinto)`` reaches
Kinto's ``/v1`` routes. Request and response bodies are streamed, never joined.
"""
from __future__ import annotations

import io
import sys
from email.message import Message
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import unquote_to_bytes, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from .errors import TransportError
from .redact import redact_text

__all__ = ["WSGIAdapter", "build_environ"]

_NO_HTTP_PREFIX = {"CONTENT_TYPE", "CONTENT_LENGTH"}


class WSGIAdapter(BaseAdapter):
    """Send requests to ``app`` in-process. ``timeout`` is accepted and not enforced:
    an app running in this thread cannot be interrupted."""

    def __init__(self, app: Callable) -> None:
        super().__init__()
        self.app = app

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        environ = build_environ(request)
        try:
            status, headers, body = _start(self.app, environ)
        except Exception as exc:
            raise _app_error(request, exc) from exc
        response = _response(request, status, headers, _Body(body, request))
        if not stream:
            response.content  # read it now, as requests does; errors surface here
        return response

    def close(self) -> None:
        """Nothing to release: there are no connections."""


def build_environ(request: requests.PreparedRequest) -> dict:
    """The PEP 3333 environ for ``request``, as a server at the root would build it."""
    url = urlsplit(request.url or "")
    scheme = url.scheme or "http"
    port = url.port or (443 if scheme == "https" else 80)
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
        "HTTP_HOST": url.netloc,
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
    return environ


def _start(app: Callable, environ: dict) -> tuple[str, list, Iterator[bytes]]:
    """Call the app until it has started the response; the body is left unread."""
    started: list = []
    written: list[bytes] = []

    def start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
        if exc_info and started and written:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return written.append  # the legacy write() callable

    result = app(environ, start_response)
    chunks = iter(result)
    first: list[bytes] = []
    try:
        while not started:  # a generator app may call start_response on its first step
            first.append(next(chunks))
    except StopIteration:
        pass
    if not started:
        _close(result)
        raise RuntimeError("the app returned without calling start_response")
    return started[0], started[1], _chain(written, first, chunks, result)


def _chain(written: list, first: list, chunks: Iterator[bytes], result: Iterable) -> Iterator[bytes]:
    try:
        yield from written
        yield from first
        yield from chunks
    finally:
        _close(result)


def _close(result: Any) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()  # PEP 3333: the server must call close() when done


def _response(request: requests.PreparedRequest, status: str, headers: list, body: "_Body") -> requests.Response:
    response = requests.Response()
    code, _, reason = status.partition(" ")
    response.status_code = int(code)
    response.reason = reason
    response.headers = CaseInsensitiveDict()
    message = Message()  # what cookie extraction reads, as from http.client
    for name, value in headers:
        response.headers[name] = f"{response.headers[name]}, {value}" if name in response.headers else value
        message[name] = value
    body._original_response = _Original(message)  # type: ignore[attr-defined]
    response.raw = body
    response.url = request.url or ""
    response.request = request
    response.encoding = requests.utils.get_encoding_from_headers(response.headers)
    response.connection = None  # type: ignore[assignment]
    return response


class _Original:
    """Stands in for http.client's response where requests looks for cookies."""

    def __init__(self, msg: Message) -> None:
        self.msg = msg

    def isclosed(self) -> bool:
        return True


class _Body(io.RawIOBase):
    """The app's body iterable as a readable stream (``response.raw``)."""

    def __init__(self, chunks: Iterator[bytes], request: requests.PreparedRequest) -> None:
        self._chunks, self._request, self._pending = chunks, request, b""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return b""
            except Exception as exc:
                raise _app_error(self._request, exc) from exc
        if size is None or size < 0:
            size = len(self._pending)
        data, self._pending = self._pending[:size], self._pending[size:]
        return bytes(data)

    def close(self) -> None:
        if not self.closed:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
        super().close()

    def release_conn(self) -> None:
        """requests calls this after reading; there is no connection to give back."""


class _Input(io.RawIOBase):
    """``wsgi.input`` over a request body: bytes, a file-like object or an iterable."""

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
        if self._source is not None:
            chunk = self._source.read(size)
        else:
            chunk = next(self._chunks, b"")  # type: ignore[arg-type]
        return chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk or b"")


def _app_error(request: requests.PreparedRequest, exc: Exception) -> TransportError:
    cause = f"WSGI app raised {type(exc).__name__}: {redact_text(str(exc))}"
    return TransportError(request.method or "?", request.url or "?", cause)
