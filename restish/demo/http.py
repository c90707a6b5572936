"""Requests, responses and MAX-style errors of the demo app (standard library only).

Every failure a handler can meet is a :class:`MaxError`: the app answers it as
MAX does, ``{"error": ..., "error_description": ...}`` with its status.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Iterable
from urllib.parse import parse_qs, quote

from . import multipart

CHUNK = 64 * 1024
# Bytes of an unwanted body still read (and thrown away) before answering, so
# that the client gets our 4xx rather than a connection reset mid-upload.
DRAIN_CAP = 64 * 1024 * 1024


class MaxError(Exception):
    """An error answered as a MAX-style JSON body."""

    status = 400
    error = "ValidationError"

    def __init__(self, description: str, *, status: int | None = None,
                 headers: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(description)
        self.description = description
        self.status = status or self.status
        self.headers = list(headers)


class BadRequest(MaxError):
    status, error = 400, "ValidationError"


class Unauthorized(MaxError):
    status, error = 401, "Unauthorized"


class Forbidden(MaxError):
    status, error = 403, "Forbidden"


class NotFound(MaxError):
    status, error = 404, "ObjectNotFound"


class UnknownUser(MaxError):
    """404 for a user named in the URL; 400 (``status=400``) for one named in a body."""

    status, error = 404, "UnknownUserError"


class RequestTimeout(MaxError):
    status, error = 408, "RequestTimeout"


class LengthRequired(MaxError):
    status, error = 411, "LengthRequired"


class MethodNotAllowed(MaxError):
    status, error = 405, "MethodNotAllowed"


class NotImplementedRoute(MaxError):
    status, error = 501, "NotImplemented"


class ServerError(MaxError):
    status, error = 500, "ServerError"


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list = field(default_factory=list)

    @property
    def status_line(self) -> str:
        return f"{self.status} {HTTPStatus(self.status).phrase}"


def json_response(data: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(status, body, [("Content-Type", "application/json"), *headers])


def error_response(exc: MaxError) -> Response:
    body = {"error": exc.error, "error_description": exc.description}
    return json_response(body, exc.status, exc.headers)


def no_content() -> Response:
    return Response(204)


def wsgi_str(value: str) -> str:
    """A PEP 3333 "bytes as latin-1" string back to the UTF-8 text the client sent."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


class BodyReader:
    """Reads ``wsgi.input`` in chunks: never past Content-Length, never past a limit.

    Without a Content-Length the body is read to EOF when the server sets
    ``wsgi.input_terminated`` (it has decoded a chunked body). A chunked body
    from a server that leaves it encoded (wsgiref, which ``restish demo`` runs)
    cannot be read: that is a 411 LengthRequired, not a malformed body.
    """

    def __init__(self, environ: dict) -> None:
        self.stream = environ["wsgi.input"]
        self.remaining: int | None = None  # None: length unknown
        self.until_eof = bool(environ.get("wsgi.input_terminated"))
        length = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if length.strip() and chunked:  # which one frames the body? A proxy may think the other
            raise BadRequest("A request may not have both Content-Length and Transfer-Encoding: chunked")
        if length.strip():
            if not (length.strip().isascii() and length.strip().isdigit()):
                raise BadRequest(f"Invalid Content-Length: {length!r}")
            self.remaining = int(length)
        elif chunked and not self.until_eof:
            raise LengthRequired("Chunked request bodies are not supported by this server; send a Content-Length")

    def read(self, limit: int, hint: str = "") -> bytes:
        """The whole body; ``BadRequest`` as soon as it is known to exceed ``limit``."""
        if self.remaining is not None and self.remaining > limit:
            raise BadRequest(f"Request body too large: {self.remaining} bytes, at most {limit} allowed{hint}")
        chunks, size = [], 0
        for chunk in self._chunks():
            size += len(chunk)
            if size > limit:
                raise BadRequest(f"Request body too large: more than {limit} bytes{hint}")
            chunks.append(chunk)
        return b"".join(chunks)

    def drain(self) -> None:
        """Discard what the handler left unread, up to DRAIN_CAP bytes."""
        discarded = 0
        for chunk in self._chunks():
            discarded += len(chunk)
            if discarded >= DRAIN_CAP:
                break

    def _chunks(self) -> Iterable[bytes]:
        # Without a length, only a server that marks the input's end may be read to EOF.
        while self.remaining or (self.remaining is None and self.until_eof):
            want = CHUNK if self.remaining is None else min(CHUNK, self.remaining)
            try:
                chunk = self.stream.read(want)
            except TimeoutError:  # the server's idle timeout: the client stopped sending
                self.remaining, self.until_eof = 0, False
                raise RequestTimeout("The request body did not arrive in time") from None
            if not chunk:
                self.remaining, self.until_eof = 0, False
                return
            if self.remaining is not None:
                self.remaining -= len(chunk)
            yield chunk


class Request:
    """What a handler needs of one request: route params, query, body, actor."""

    def __init__(self, environ: dict, params: dict, settings: Any, reader: BodyReader) -> None:
        self.environ = environ
        self.method = environ["REQUEST_METHOD"].upper()
        self.params = params
        self.settings = settings
        self.actor: str | None = None  # the authenticated username
        self.body = b""
        self._reader = reader
        query = wsgi_str(environ.get("QUERY_STRING", ""))
        self.query = parse_qs(query, keep_blank_values=True)

    def header(self, name: str) -> str:
        return wsgi_str(self.environ.get("HTTP_" + name.upper().replace("-", "_"), "")).strip()

    @property
    def content_type(self) -> str:
        return self.environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def load_body(self) -> None:
        """Read the body before the handler runs (and before the store is locked)."""
        limit, hint = self.settings.max_json_bytes, ""
        if self.content_type == "multipart/form-data":
            limit = self.settings.max_avatar_bytes + multipart.OVERHEAD
            hint = f" (an avatar may have {self.settings.max_avatar_bytes} bytes)"
        self.body = self._reader.read(limit, hint)

    def json(self) -> Any:
        """The decoded JSON body; an empty body is ``{}``."""
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise BadRequest(f"Malformed JSON body: {exc}") from None

    def json_object(self) -> dict:
        data = self.json()
        if not isinstance(data, dict):
            raise BadRequest(f"Expected a JSON object, got {type(data).__name__}")
        return data

    def form(self) -> dict:
        """A form-encoded or JSON body as a flat dict of strings."""
        if "json" in self.content_type:
            return {k: v for k, v in self.json_object().items() if isinstance(v, str)}
        pairs = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[-1] for key, values in pairs.items()}

    def upload(self, name: str) -> multipart.Part:
        """The multipart/form-data part named ``name``; ``BadRequest`` if there is none."""
        if self.content_type != "multipart/form-data":
            raise BadRequest(f"Expected a multipart/form-data upload, got {self.content_type or 'no Content-Type'}")
        try:
            parts = multipart.parse(self.body, self.environ.get("CONTENT_TYPE", ""))
        except ValueError as exc:
            raise BadRequest(f"Malformed multipart body: {exc}") from None
        if name not in parts:
            raise BadRequest(f"Missing form field {name!r} in the upload")
        return parts[name]

    @property
    def base_url(self) -> str:
        """This app's own URL: scheme, host and SCRIPT_NAME (PEP 3333 URL reconstruction)."""
        env = self.environ
        scheme = env.get("wsgi.url_scheme", "http")
        host = env.get("HTTP_HOST")
        if not host:
            host, port = env.get("SERVER_NAME", "localhost"), env.get("SERVER_PORT", "")
            if port and port != {"https": "443", "http": "80"}.get(scheme):
                host = f"{host}:{port}"
        script = quote(wsgi_str(env.get("SCRIPT_NAME", "")))
        return f"{scheme}://{host}{script}".rstrip("/")
