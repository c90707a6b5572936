"""Reading a response off the socket: one cut short is an error, a whole one has a deadline.

Two holes under requests, both closed here, in the connection classes that
restish's adapters use:

- http.client reads a header block until a blank line *or the end of the
  stream*, so a server that sends ``HTTP/1.1 201 Created\\r\\n`` (or half its
  headers) and closes looks like a complete 201 with an empty body. Here the
  end of the stream inside the status line or the headers raises
  ``RemoteDisconnected``, which requests reports as a ``ConnectionError``.
- A socket timeout bounds each read, not the response: a server that sends
  one byte every 0.4 s keeps a call with ``timeout=(1, 1)`` alive for ever.
  Here a call that does not stream (no ``stream_to=``) must have its whole
  response (status, headers, body) within ``connect + read`` seconds of the
  start of its try: each read waits at most what is left of that, and none
  starts once it is spent (a read timeout, so urllib3 retries it as one). A
  streamed download keeps the per-read bound.

Only the socket reads change, and one cost: the common head (an HTTP/1.1 status
line and plain ``Name: value`` fields, all in the first read) is parsed here
into the very ``HTTPMessage`` the stdlib's email parser would build, a fifth
of its cost; any other head goes to http.client (see :func:`plain_head`).
requests and urllib3 do everything else as usual.
"""
from __future__ import annotations

import http.client
import io
import re
import socket
import threading
import time
from typing import Any

import requests.adapters
import urllib3
from urllib3 import connection, connectionpool

__all__ = ["Adapter", "whole_response_budget", "plain_head"]

# ``_try.budget``: seconds the whole response may take from its try's start, for the
# request the adapter sends in this thread (None: no bound, a streamed download);
# ``_try.until``: that try's deadline, read by the response as it is made. urllib3
# sends and retries in the calling thread, so thread-locals suffice.
_try = threading.local()


class Adapter(requests.adapters.HTTPAdapter):
    """requests' ``HTTPAdapter`` whose pools read responses as this module says."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, urllib3.ProxyManager) and not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _POOLS  # SOCKS managers have pools of their own
        return manager

    def send(self, request: Any, stream: bool = False, timeout: Any = None, *args: Any, **kwargs: Any) -> Any:
        previous = getattr(_try, "budget", None)
        _try.budget = None if stream else whole_response_budget(timeout)
        try:
            return super().send(request, stream, timeout, *args, **kwargs)
        finally:
            _try.budget = previous


def whole_response_budget(timeout: Any) -> float | None:
    """``connect + read`` of a requests ``timeout`` (a number counts for both); None if unbounded."""
    if isinstance(timeout, urllib3.Timeout):
        connect, read = timeout.connect_timeout, timeout.read_timeout
    elif isinstance(timeout, tuple):
        connect, read = timeout
    else:
        connect = read = timeout
    if isinstance(connect, (int, float)) and isinstance(read, (int, float)):
        return float(connect) + float(read)
    return None


class _Tries:
    """A pool whose every try (urllib3 retries by calling ``urlopen`` again) starts its own clock."""

    def urlopen(self, *args: Any, **kwargs: Any) -> Any:
        budget = getattr(_try, "budget", None)
        previous = getattr(_try, "until", None)
        _try.until = None if budget is None else time.monotonic() + budget
        try:
            return super().urlopen(*args, **kwargs)  # type: ignore[misc]
        finally:
            _try.until = previous


class _Guard(io.RawIOBase):
    """The socket's reader under a response: notes the end of the stream, keeps the deadline."""

    def __init__(self, raw: Any, sock: socket.socket, until: float | None) -> None:
        super().__init__()
        self._raw, self._sock, self._until = raw, sock, until
        self._per_read = sock.gettimeout()  # urllib3 set the read timeout just before
        self.ended = False

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._raw.fileno()

    def readinto(self, buffer: Any) -> int | None:
        if self._until is None:
            count = self._raw.readinto(buffer)
        else:
            count = self._read_before_deadline(buffer)
        if count == 0:
            self.ended = True
        return count

    def _read_before_deadline(self, buffer: Any) -> int | None:
        left = self._until - time.monotonic()  # type: ignore[operator]
        if left <= 0:
            raise socket.timeout("the whole response did not arrive within connect + read timeout")
        if self._per_read is not None and left >= self._per_read:
            return self._raw.readinto(buffer)
        self._sock.settimeout(left)
        try:
            return self._raw.readinto(buffer)
        finally:
            self._sock.settimeout(self._per_read)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()  # the socket's file: closing it releases the socket, as before
        super().close()


class _Response(http.client.HTTPResponse):
    """http.client's response, reading through a :class:`_Guard`."""

    def __init__(self, sock: socket.socket, debuglevel: int = 0, method: str | None = None,
                 url: str | None = None) -> None:
        super().__init__(sock, debuglevel, method, url)
        self._guard = _Guard(self.fp.detach(), sock, getattr(_try, "until", None))
        self.fp = io.BufferedReader(self._guard)

    def begin(self) -> None:
        if self.headers is None and not self._begin_plain():
            super().begin()
        # A complete header block ends with a blank line found in what arrived; a read
        # that met the end of the stream means the block was cut short.
        if self._guard.ended:
            raise http.client.RemoteDisconnected(
                "the server closed the connection inside the response's status line or headers")

    def _begin_plain(self) -> bool:
        """http.client's ``begin()`` for a head :func:`plain_head` reads; False (nothing
        consumed) for any other, which ``begin()`` then reads as usual."""
        head = plain_head(self.fp.peek()) if not self.debuglevel else None
        if head is None:
            return False
        status, reason, message, size = head
        self.fp.read(size)
        self.code = self.status = status
        self.reason, self.version = reason, 11
        self.headers = self.msg = message
        self._frame(status, message._headers)  # type: ignore[attr-defined]
        return True

    def _frame(self, status: int, fields: list) -> None:
        """What http.client's ``begin()`` concludes from an HTTP/1.1 head's fields: chunked or
        not, the body's length, and whether the connection closes after it."""
        names = [name.lower() for name, _ in fields]
        encoding, close, length = (_first(fields, names, name) for name in ("transfer-encoding", "connection", "content-length"))
        self.chunked = encoding is not None and encoding.lower() == "chunked"
        if self.chunked:
            self.chunk_left = None
        self.will_close = close is not None and "close" in close.lower()
        self.length = None if self.chunked or not length else _length(length)
        if status in (http.client.NO_CONTENT, http.client.NOT_MODIFIED) or self._method == "HEAD":  # type: ignore[attr-defined]
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True  # the body ends when the connection does


# A status line http.client reads the same (HTTP/1.1, one space each side of a final status),
# then fields the email parser takes one line each: a name of the characters it allows, a
# colon, and a value with no line break (a line starting with a space would continue one).
_STATUS_LINE = re.compile(rb"HTTP/1\.1 ([2-9][0-9][0-9])(?: ([^\r\n]*))?\r\n")
_FIELD_LINES = re.compile(rb"(?:[!-9;-~]+:[^\r\n]*\r\n)*")
_PARTS_TYPE = re.compile(r"^content-type:[^\r\n]*(?:multipart|message)", re.IGNORECASE | re.MULTILINE)
_MAX_FIELDS = 98  # http.client refuses a head of more than 100 lines, the blank one included


def plain_head(data: bytes) -> tuple[int, str, http.client.HTTPMessage, int] | None:
    """``(status, reason, message, size)`` of the head at the start of ``data``, where
    ``message`` is the ``HTTPMessage`` that http.client's ``parse_headers`` builds of
    those bytes and ``size`` the head's length; None for any head it might read otherwise.

    Left to http.client: a head not wholly in ``data``, another HTTP version, a 1xx
    (it skips them), a field folded over two lines or with a bare CR or LF, a line
    that is not a field (the email parser would start the body there), more than
    :data:`_MAX_FIELDS` fields, and a ``message/*`` or ``multipart/*`` content type
    (the parser looks for parts in the body).
    """
    end = data.find(b"\r\n\r\n") + 2  # just past the last field line; 1 when there is no blank line
    status = _STATUS_LINE.match(data, 0, end) if end > 1 else None
    if status is None or not _FIELD_LINES.fullmatch(data, status.end(), end):
        return None
    text = data[status.end():end - 2].decode("latin-1")
    lines = text.split("\r\n") if text else []
    if len(lines) > _MAX_FIELDS or _PARTS_TYPE.search(text):
        return None
    message = http.client.HTTPMessage()
    # What the parser's set_raw() appends: the name, and the value after the colon's blanks.
    message._headers = [(name, value.lstrip(" \t"))  # type: ignore[attr-defined]
                        for name, _, value in (line.partition(":") for line in lines)]
    message.set_payload("")  # the parser's: the (empty) rest of the head
    reason = (status.group(2) or b"").decode("latin-1").strip()
    return int(status.group(1)), reason, message, end + 2


def _length(text: str) -> int | None:
    """A Content-Length as http.client takes it: a number, and None for anything else or below 0."""
    try:
        length = int(text)
    except ValueError:
        return None
    return length if length >= 0 else None


def _first(fields: list, names: list, name: str) -> str | None:
    """``message.get(name)`` for a message's ``fields`` and their lower-case ``names``."""
    try:
        return fields[names.index(name)][1]
    except ValueError:
        return None


# urllib3's own names: they show in its error messages (``HTTPConnectionPool(host=...)``).
class HTTPConnection(connection.HTTPConnection):
    response_class = _Response


class HTTPSConnection(connection.HTTPSConnection):
    response_class = _Response


class HTTPConnectionPool(_Tries, connectionpool.HTTPConnectionPool):
    ConnectionCls = HTTPConnection


class HTTPSConnectionPool(_Tries, connectionpool.HTTPSConnectionPool):
    ConnectionCls = HTTPSConnection


_POOLS = {"http": HTTPConnectionPool, "https": HTTPSConnectionPool}
