"""``--download`` / ``-o FILE``: the body streamed to a file, named as httpie names it.

Without ``-o``, the name comes from the answer (``Content-Disposition``'s
filename, else the URL's last segment plus an extension for its
Content-Type), made safe (no directories) and never overwriting a file: ``name-1``,
``name-2``... The body goes to a temporary file in the same directory first.
"""
from __future__ import annotations

import contextlib
import mimetypes
import os
import secrets
import sys
from email.message import Message
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from .progress import ProgressBar

__all__ = ["download", "file_name"]


def download(send: Callable[..., Any], output: str | None, get_response: Callable[[], Any]) -> str:
    """Stream the answer of ``send(stream_to=..., progress=...)`` to ``output``, or to a file
    named after the answer; returns the file's name. A progress bar is drawn when stderr is
    a terminal. Errors are the client's (RestishError)."""
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    kwargs: dict[str, Any] = {"progress": bar} if bar else {}
    if output is not None:
        written = send(stream_to=output, **kwargs)
        name = output
    else:
        temp = f".restish-download.{secrets.token_hex(6)}.part"
        try:
            written = send(stream_to=temp, **kwargs)
            name = _unused(file_name(get_response()))
            os.replace(temp, name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
    if bar is not None:
        bar.end()
    print(f"restish: saved {written} bytes to {name!r}", file=sys.stderr)
    return name


def file_name(response: Any) -> str:
    """A safe file name for ``response``: Content-Disposition's, else the URL's last segment."""
    message = Message()
    message["Content-Disposition"] = response.headers.get("Content-Disposition", "")
    name = _safe(message.get_filename() or "")
    if name:
        return name
    name = _safe(unquote(urlsplit(response.url or "").path.rstrip("/").rsplit("/", 1)[-1])) or "index"
    if not os.path.splitext(name)[1]:
        mime = response.headers.get("Content-Type", "").split(";", 1)[0].strip()
        if mime:
            name += mimetypes.guess_extension(mime) or ""
    return name


def _safe(name: str) -> str:
    """The last component of ``name``, without leading dots or control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable())
    return name.lstrip(".").strip()


def _unused(name: str) -> str:
    """``name``, or ``name-1``, ``name-2``... the first that does not exist (httpie's way)."""
    stem, ext = os.path.splitext(name)
    candidate, number = name, 0
    while os.path.lexists(candidate):
        number += 1
        candidate = f"{stem}-{number}{ext}"
    return candidate
