"""Streaming uploads (``upload_file=``) and downloads (``stream_to=``).

An upload is a multipart/form-data body streamed by requests-toolbelt's
``MultipartEncoder``: requests reads it in blocks, and each block reads the
files a piece at a time, so memory stays flat whatever their size. A
download is written in 64 KiB chunks as it arrives.

Rewinding, for whoever sends a body twice (307/308 redirects, urllib3
``Retry``, a retry after renewing a token): the body is a
:class:`MultipartBody` whose ``tell()`` starts at 0 and whose ``seek(0)``
rewinds every file to where it stood and restarts the encoder with the same
boundary, so the bytes sent again are the same. When a file cannot seek (a
pipe), its size is unknown: the body goes with ``Transfer-Encoding: chunked``
and ``seek(0)`` after the first byte has been read raises
``io.UnsupportedOperation``: such an upload is never sent twice. restish's
``Retry`` sees that before retrying (``retry.body_rewindable``: ``seekable()``
is False and ``tell()`` is not 0) and does not retry, so a 503 surfaces as
``ServiceUnavailable`` with its body; a 307/308 redirect, which would need the
body again, fails with a TransportError naming requests' ``UnrewindableBodyError``.
"""
from __future__ import annotations

import contextlib
import io
import mimetypes
import os
import secrets
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Mapping

import requests
from requests_toolbelt.multipart.encoder import MultipartEncoder

from .errors import InvalidValue, RestishError, TransportError
from .payloads import QUERY_VERBS, form_pairs, json_body
from .redact import redact_url
from .transport import describe, error_class

if TYPE_CHECKING:
    from .call import Call

__all__ = ["CHUNK", "JSON_FIELD", "MultipartBody", "multipart", "check_options", "download"]

CHUNK = 64 * 1024
JSON_FIELD = "json_data"
DEFAULT_TYPE = "application/octet-stream"
_PREFIX = "upload_file"
Progress = Callable[[int, "int | None"], Any]


# --------------------------------------------------------------------------
# Uploads


def multipart(call: "Call", files: dict[str, Any], payload: dict | None,
              plain: Mapping[str, Any] | None = None) -> tuple["MultipartBody", str]:
    """The streamed multipart body for ``upload_file*=`` kwargs, and its Content-Type.

    ``plain`` fields travel as form fields of their own (text, by the query
    string's rules), then ``payload`` (if not empty) as the form field
    ``json_data``, then the files. Paths
    are opened here and closed when the call ends (``call.cleanups``); files
    the caller opened are left open. Raises InvalidValue before anything is
    sent for a bad value (missing path, directory, text-mode or closed file,
    not a file at all).
    """
    where = f"{call.method} {call.resource.path}"
    if call.method in QUERY_VERBS:
        raise InvalidValue(f"{where}: uploads need a body verb (POST, PUT, PATCH, DELETE), not {call.method}")
    try:
        fields: list[tuple[str, Any]] = list(form_pairs(plain or {}))
    except InvalidValue as exc:
        raise InvalidValue(f"{where}: {exc}") from exc
    if payload:
        fields.append((JSON_FIELD, json_body(payload, call.method, call.resource.path)))
    parts = []
    with contextlib.ExitStack() as opened:  # closes what was opened if a later value is bad
        for key, value in files.items():
            name = _field_name(key, where)
            if payload and name == JSON_FIELD:
                raise InvalidValue(f"{where}: {key}= clashes with the {JSON_FIELD} field that carries the payload")
            filename, file, content_type = _source(value, name, f"{where}: {key}=", opened)
            part = _FilePart(file, f"{where}: {key}= ({filename})")
            parts.append(part)
            fields.append((name, (filename, part, content_type)))
        call.cleanups.append(opened.pop_all().close)
    body = MultipartBody(fields, parts, call.progress)
    return body, body.content_type


class MultipartBody:
    """What requests sends for an upload: a read-only, rewindable view of a MultipartEncoder.

    ``len`` is the whole body's length, or None when a file's size is unknown
    (the body then goes chunked). ``progress(done, len)`` is called after
    every read that returned bytes.
    """

    def __init__(self, fields: list, parts: list["_FilePart"], progress: Progress | None = None) -> None:
        self._fields, self._parts, self._progress = fields, parts, progress
        self._boundary = secrets.token_hex(16)
        self._restart()
        self.content_type: str = self._encoder.content_type
        self.len: int | None = self._encoder.len if all(p.size is not None for p in parts) else None

    def _restart(self) -> None:
        # A fresh encoder with the same boundary and parts yields the same bytes again.
        self._encoder = MultipartEncoder(self._fields, boundary=self._boundary)
        self._position = 0

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of the body (all that is left when negative)."""
        data = self._encoder.read(size)
        if data:
            self._position += len(data)
            if self._progress is not None:
                self._progress(self._position, self.len)
        return data

    def tell(self) -> int:
        """How many bytes have been read."""
        return self._position

    def seekable(self) -> bool:
        """True when every file can be rewound."""
        return all(part.seekable for part in self._parts)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Rewind to the start (``seek(0)``); seeking where the body already is does nothing.

        Raises io.UnsupportedOperation for any other position, or to rewind a
        body with a file that cannot seek after some of it was read.
        """
        if whence == os.SEEK_SET and offset == self._position:
            return offset
        if whence != os.SEEK_SET or offset != 0 or not self.seekable():
            raise io.UnsupportedOperation("a streamed upload can only be rewound to its start, "
                                          "and only when every file can seek")
        for part in self._parts:
            part.rewind()
        self._restart()
        return 0

    def __repr__(self) -> str:
        size = "chunked" if self.len is None else f"{self.len} bytes"
        return f"<MultipartBody {len(self._fields)} fields, {size}>"


class _FilePart:
    """One file as the encoder reads it: at most ``size`` bytes from where it stood.

    ``len`` follows toolbelt's protocol, the bytes still to come; for a file
    of unknown size it is 1 until the file ends ("more to come").
    """

    def __init__(self, file: BinaryIO, label: str) -> None:
        self.file, self.label = file, label
        self.start, self.size = _position_and_size(file)
        self.seekable = self.size is not None
        self._done, self._ended = 0, False

    @property
    def len(self) -> int:
        if self.size is None:
            return 0 if self._ended else 1
        return self.size - self._done

    def read(self, size: int = -1) -> bytes:
        want = size
        if self.size is not None:
            left = self.size - self._done
            want = left if size < 0 else min(size, left)
        data = self.file.read(want) if want else b""
        if not data:
            if self.size is not None and self._done < self.size:
                # The encoder promised `size` bytes in Content-Length; sending fewer would hang the server.
                raise InvalidValue(f"{self.label}: the file ended after {self._done} of {self.size} bytes "
                                   f"(it changed while being sent)")
            self._ended = True
        self._done += len(data)
        return data

    def rewind(self) -> None:
        self.file.seek(self.start)
        self._done, self._ended = 0, False


def _position_and_size(file: BinaryIO) -> tuple[int | None, int | None]:
    """``(position, bytes from there to the end)``, or ``(None, None)`` for a file that cannot seek."""
    try:
        if not file.seekable():
            return None, None
        start = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(start)
    except (AttributeError, OSError):
        return None, None
    return start, max(0, end - start)


def _field_name(key: str, where: str) -> str:
    if key == _PREFIX:
        return "file"
    name = key[len(_PREFIX) + 1:] if key.startswith(_PREFIX + "_") else ""
    if not name:
        raise InvalidValue(f"{where}: unknown keyword {key!r}: use upload_file= or upload_file_<field>=")
    return name


def _source(value: Any, field: str, where: str, opened: contextlib.ExitStack) -> tuple[str, BinaryIO, str]:
    """``(filename, binary file, content type)`` for one ``upload_file*=`` value."""
    filename = content_type = None
    if isinstance(value, tuple):
        if len(value) not in (2, 3) or not isinstance(value[0], str):
            raise InvalidValue(f"{where} a tuple must be (filename, file) or (filename, file, content_type)")
        filename, value, content_type = value if len(value) == 3 else (*value, None)
        if content_type is not None and not isinstance(content_type, str):
            raise InvalidValue(f"{where} a tuple's content type must be a str such as 'image/png', "
                               f"not {type(content_type).__name__}")
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        file = opened.enter_context(_open_for_upload(path, where))
        filename = filename or os.path.basename(path)
    else:
        file = _readable(value, where)
        filename = filename or _file_basename(file) or field
    return filename, file, content_type or mimetypes.guess_type(filename)[0] or DEFAULT_TYPE


def _open_for_upload(path: str, where: str) -> BinaryIO:
    if not os.path.exists(path):
        raise InvalidValue(f"{where} no such file: {path!r}")
    if os.path.isdir(path):
        raise InvalidValue(f"{where} {path!r} is a directory, not a file")
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InvalidValue(f"{where} cannot open {path!r}: {exc.strerror or exc}") from exc


def _readable(file: Any, where: str) -> BinaryIO:
    """``file`` if it is an open binary file to read from, else InvalidValue."""
    if isinstance(file, (bytes, bytearray, memoryview)):
        raise InvalidValue(f"{where} expects a binary file, a path or a (filename, file) tuple, not bytes: "
                           f"restish streams files and never holds a whole one in memory")
    if not callable(getattr(file, "read", None)):
        raise InvalidValue(f"{where} expects an open binary file, a path or a (filename, file) tuple, "
                           f"not {type(file).__name__}")
    _check_open(file, where, "readable", "reading")
    try:
        probe = file.read(0)  # reads nothing; tells text mode from binary
    except OSError as exc:
        raise InvalidValue(f"{where} cannot read {_describe(file)}: {exc}") from exc
    if not isinstance(probe, bytes):
        raise InvalidValue(f"{where} {_describe(file)} is open in text mode; open it with 'rb'")
    return file


def _check_open(file: Any, where: str, ability: str, doing: str) -> None:
    """InvalidValue for a closed file, a text-mode file, or one whose ``ability()`` is false."""
    if getattr(file, "closed", False):
        raise InvalidValue(f"{where} {_describe(file)} is closed")
    mode = getattr(file, "mode", "b")
    if isinstance(file, io.TextIOBase) or (isinstance(mode, str) and "b" not in mode):
        raise InvalidValue(f"{where} {_describe(file)} is open in text mode; open it in binary mode")
    check = getattr(file, ability, None)
    if callable(check) and not check():
        raise InvalidValue(f"{where} {_describe(file)} is not open for {doing}")


def _file_basename(file: Any) -> str | None:
    name = getattr(file, "name", None)
    if isinstance(name, (str, bytes)) and name:
        return os.path.basename(os.fsdecode(name)) or None
    return None


def _describe(file: Any) -> str:
    name = getattr(file, "name", None)
    return f"file {name!r}" if isinstance(name, (str, bytes)) else f"the {type(file).__name__}"


# --------------------------------------------------------------------------
# Options checked before sending


def check_options(call: "Call") -> None:
    """InvalidValue before anything is sent for a bad ``progress=`` or ``stream_to=``.

    ``progress`` must be callable; ``stream_to`` an open binary file to write
    to, or a path that is not a directory, in a directory that exists.
    """
    where = f"{call.method} {call.resource.path}:"
    if call.progress is not None and not callable(call.progress):
        raise InvalidValue(f"{where} progress= must be a callable (done, total), not {type(call.progress).__name__}")
    target = call.stream_to
    if target is None:
        return
    if isinstance(target, (str, os.PathLike)):
        _check_target_path(os.fspath(target), f"{where} stream_to=")
    elif callable(getattr(target, "write", None)):
        _check_open(target, f"{where} stream_to=", "writable", "writing")
    else:
        raise InvalidValue(f"{where} stream_to= must be a path or an open binary file, not {type(target).__name__}")


def _check_target_path(path: str, where: str) -> None:
    if os.path.isdir(path):
        raise InvalidValue(f"{where} {path!r} is a directory; name the file to write")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InvalidValue(f"{where} cannot write {path!r}: directory {directory!r} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InvalidValue(f"{where} cannot write {path!r}: directory {directory!r} is not writable")


# --------------------------------------------------------------------------
# Downloads


def download(call: "Call", response: requests.Response) -> int:
    """Write the body to ``call.stream_to`` in 64 KiB chunks; return the bytes written.

    A path is written under a temporary name in the same directory and renamed
    only once the whole body arrived; on failure the temporary file is removed
    and an existing file at the path is left as it was. Raises TransportError
    (``GET <url> -> ...``) when the transfer breaks, RestishError when the
    file cannot be written. The response is closed in every case.
    """
    target = call.stream_to
    try:
        if isinstance(target, (str, os.PathLike)):
            return _download_to_path(call, response, os.fspath(target))
        return _copy(call, response, target)
    finally:
        response.close()


def _download_to_path(call: "Call", response: requests.Response, path: str) -> int:
    directory, name = os.path.split(os.path.abspath(path))
    temp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.part")
    try:
        # O_EXCL: never write through a file someone else made; 0o666 lets the umask decide, as open() does.
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise _write_error(call, response, path, exc) from exc
    try:
        with os.fdopen(descriptor, "wb") as out:
            written = _copy(call, response, out)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return written


def _copy(call: "Call", response: requests.Response, out: BinaryIO) -> int:
    total = _expected_length(response)
    done = 0
    try:
        for chunk in response.iter_content(CHUNK):
            try:
                out.write(chunk)
            except OSError as exc:
                raise _write_error(call, response, getattr(out, "name", "stream_to"), exc) from exc
            done += len(chunk)
            if call.progress is not None:
                call.progress(done, total)
    except requests.RequestException as exc:
        expected = "" if total is None else f" of {total}"
        arrived = _arrived(response, done)
        raise error_class(exc)(call.method, response.url,
                               f"download broken after {arrived}{expected} bytes: {describe(exc)}") from exc
    return done


def _arrived(response: requests.Response, written: int) -> int:
    """The body bytes that arrived before a download broke.

    urllib3 drops the bytes of the read that failed (it reads a whole chunk or
    raises), so ``written`` may be 0 when 1,000 bytes came; the raw response
    counts them. Compressed bodies count what was written: the raw count is of
    compressed bytes.
    """
    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
        return written
    tell = getattr(response.raw, "tell", None)
    try:
        return max(written, int(tell())) if callable(tell) else written
    except (TypeError, ValueError, OSError):
        return written


def _expected_length(response: requests.Response) -> int | None:
    """The body's length if the server said it; None for chunked or encoded (gzip) bodies."""
    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
        return None  # Content-Length counts the compressed bytes, not the ones written
    length = response.headers.get("Content-Length", "")
    return int(length) if length.isdigit() else None


def _write_error(call: "Call", response: requests.Response, path: Any, exc: OSError) -> RestishError:
    return RestishError(f"{call.method} {redact_url(response.url)} -> cannot write {path!r}: {exc.strerror or exc}")
