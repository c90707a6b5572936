"""A small multipart/form-data parser (RFC 7578) for bodies already read with a bound.

The ``cgi`` module is deprecated (and gone in Python 3.13); the ``email``
parser would decode binary parts as text. This one finds the boundaries with
``bytes.find`` and copies each part's data once. Part headers, with their
quoting and RFC 2231 parameters, are left to the ``email`` package.
"""
from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import collapse_rfc2231_value

# Room for the boundaries, part headers and small fields around an uploaded file.
OVERHEAD = 64 * 1024


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None  # as sent; None when the part has no Content-Type
    data: bytes


def parse(body: bytes, content_type: str) -> dict[str, Part]:
    """The parts of ``body`` by field name (the first of a repeated name wins).

    Raises ValueError for a missing boundary or a truncated or malformed body.
    """
    dash_boundary = b"--" + _boundary(content_type)
    delimiter = b"\r\n" + dash_boundary
    pos = body.find(dash_boundary)
    if pos < 0 or (pos > 0 and body[pos - 2:pos] != b"\r\n"):
        raise ValueError("no opening boundary")
    parts: dict[str, Part] = {}
    while True:
        pos += len(dash_boundary)
        if body.startswith(b"--", pos):  # the close delimiter; an epilogue may follow
            return parts
        line_end = body.find(b"\r\n", pos)  # after optional transport padding
        end = body.find(delimiter, pos)
        if line_end < 0 or end < 0:
            raise ValueError("truncated body: no closing boundary")
        part = _part(body, line_end + 2, end)
        parts.setdefault(part.name, part)
        pos = end + 2


def _boundary(content_type: str) -> bytes:
    message = Message()
    message["Content-Type"] = content_type
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not 0 < len(boundary) <= 70:
        raise ValueError("no valid boundary in the Content-Type header")
    return boundary.encode("latin-1", "replace")


def _part(body: bytes, start: int, end: int) -> Part:
    if body.startswith(b"\r\n", start):  # a part without headers
        head_end, data_start = start, start + 2
    else:
        head_end = body.find(b"\r\n\r\n", start, end)
        if head_end < 0:
            raise ValueError("a part's headers do not end")
        data_start = head_end + 4
    headers = BytesHeaderParser().parsebytes(body[start:head_end])
    name = headers.get_param("name", header="content-disposition")
    if isinstance(name, tuple):  # RFC 2231: name*=utf-8''...
        name = collapse_rfc2231_value(name)
    if not isinstance(name, str):
        raise ValueError("a part has no Content-Disposition name")
    return Part(name, _text(headers.get_filename()), _content_type(headers), body[data_start:end])


def _content_type(headers: Message) -> str | None:
    """The part's Content-Type; ValueError (a 400) unless it is ASCII, as RFC 7578 media types are."""
    value = headers.get("Content-Type")
    if value is not None and not (isinstance(value, str) and value.isascii()):
        raise ValueError("a part's Content-Type is not ASCII")
    return value


def _text(value: str | None) -> str | None:
    """A header value as text: raw UTF-8 bytes (browsers send file names so) decoded, not escaped."""
    if value is None:
        return None
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
