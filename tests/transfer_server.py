"""Loopback servers for the upload and download tests (machinery from servers.py).

- :class:`PartsServer` parses multipart uploads as they arrive, in 64 KiB
  pieces, and says what each part held (sizes and sha256, never the bytes),
  so a test can check a 50 MiB file end to end without either side holding it.
- :class:`TruncatingServer` promises a body with ``Content-Length`` and
  closes the connection before sending all of it: a download broken mid-body.
"""
from __future__ import annotations

import hashlib
import socket
import struct
from typing import Any, Dict
from urllib.parse import unquote

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from servers import ScriptedServer, _Handler, _StdlibServer, pattern_bytes

__all__ = ["PartsServer", "TruncatingServer"]

class _PartsHandler(_Handler):
    def dispatch(self) -> None:
        path, _, query = self.path.partition("?")
        segments = path.strip("/").split("/")
        args = dict(pair.partition("=")[::2] for pair in query.split("&") if pair)
        hit = self.server.record((path,), self.command, self.path, dict(self.headers.items()))
        failing = hit <= int(args.get("fail", 0))
        if segments[0] == "cut" and failing:
            self.cut(int(args.get("after", 0)))
        elif segments[0] == "redirect":  # /redirect?status=C&to=PATH: C (307) after draining the body
            self.read_body()
            self.answer(int(args.get("status", 307)), b"", headers=[("Location", unquote(args.get("to", "/")))])
        elif segments[0] in ("parts", "cut"):
            report = self.parse()
            report["hits"] = hit
            self.answer(int(args.get("status", 503)) if failing else 200, report)
        else:
            self.read_body()
            self.answer(404, {"error": "NotFound", "error_description": path})

    def parse(self) -> Dict[str, Any]:
        """Drain a multipart body piece by piece: ``{"bytes", "chunked", "parts": {name: {...}}}``."""
        ctype, options = parse_options_header(self.headers.get("Content-Type", ""))
        if ctype != "multipart/form-data" or "boundary" not in options:
            return {"bytes": sum(len(c) for c in self.body_chunks()), "parts": {}, "error": ctype}
        decoder = MultipartDecoder(options["boundary"].encode())
        parts: Dict[str, Dict[str, Any]] = {}
        state: Dict[str, Any] = {"size": 0, "current": None, "digest": None}
        for chunk in self.body_chunks():
            state["size"] += len(chunk)
            decoder.receive_data(chunk)
            self._events(decoder, parts, state)
        decoder.receive_data(None)
        self._events(decoder, parts, state)
        return {"bytes": state["size"], "parts": parts,
                "chunked": "chunked" in self.headers.get("Transfer-Encoding", "").lower()}

    @staticmethod
    def _events(decoder: MultipartDecoder, parts: dict, state: dict) -> None:
        while True:
            event = decoder.next_event()
            if isinstance(event, (NeedData, Epilogue)):
                return
            if isinstance(event, (Field, File)):
                state["current"] = parts[event.name] = {
                    "filename": getattr(event, "filename", None),
                    "content_type": event.headers.get("Content-Type"), "bytes": 0, "head": ""}
                state["digest"] = hashlib.sha256()
            elif isinstance(event, Data):
                current = state["current"]
                state["digest"].update(event.data)
                current["bytes"] += len(event.data)
                if len(current["head"]) < 200:  # enough to read a small field's value
                    current["head"] += event.data[:200].decode("utf-8", "replace")
                if not event.more_data:
                    current["sha256"] = state["digest"].hexdigest()

    def cut(self, after: int) -> None:
        """Read ``after`` bytes of the body, then a TCP RST."""
        remaining = after
        for chunk in self.body_chunks():
            remaining -= len(chunk)
            if remaining <= 0:
                break
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.connection.close()
        self.close_connection = True


class PartsServer(_StdlibServer):
    """Parses multipart uploads in pieces. Any verb.

    =====================================  ====================================================
    ``/parts/<anything>?fail=N&status=C``  drains and parses the body; C (default 503) for the
                                           first N (default 0) hits of that path, then 200;
                                           the answer is always ``{"bytes", "chunked", "hits",
                                           "parts": {name: {"filename", "content_type",
                                           "bytes", "sha256", "head"}}}`` (``head``: the first
                                           200 bytes as text)
    ``/cut/<key>?fail=N&after=B``          the first N hits: read B bytes of the body, then
                                           reset the connection; later hits as ``/parts``
    =====================================  ====================================================

    ``hits(path)`` counts requests by path without the query.
    """

    handler = _PartsHandler


class TruncatingServer(ScriptedServer):
    """Answers every request ``200`` with ``Content-Length: promised``, sends ``sent`` bytes
    of :func:`servers.pattern_bytes`, and closes the connection."""

    def __init__(self, promised: int, sent: int) -> None:
        super().__init__((f"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                          f"Content-Length: {promised}\r\n\r\n").encode() + pattern_bytes(sent))
