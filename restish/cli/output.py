"""What the ``restish`` command prints: results, ``-v`` exchanges, curl lines, progress."""
from __future__ import annotations

import json
import os
import re
import time
from typing import Any, BinaryIO, Mapping, TextIO

__all__ = ["show_result", "show_exchange", "curl_line", "colourise", "ProgressBar"]

_RESET = "\x1b[0m"
_COLOURS = {"key": "\x1b[34;1m", "string": "\x1b[32m", "number": "\x1b[36m", "literal": "\x1b[35m"}
# One JSON token of json.dumps output: a string (a key when a ':' follows), a number or a literal.
_TOKEN = re.compile(r'(?P<string>"(?:[^"\\]|\\.)*")(?P<colon>\s*:)?'
                    r'|(?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)'
                    r'|(?P<literal>\btrue\b|\bfalse\b|\bnull\b)')


def show_result(result: Any, response: Any, raw: bool, out: TextIO) -> None:
    """Print a call's result: the body bytes with ``raw``, else JSON pretty (coloured
    on a terminal), text as text, bytes as bytes, nothing for an empty body."""
    if raw:
        _write_bytes(out, response.content if response is not None else b"")
        return
    if result is None:
        return
    if isinstance(result, bytes):
        _write_bytes(out, result)
        return
    if isinstance(result, str):
        out.write(result if result.endswith("\n") else result + "\n")
        return
    if isinstance(result, Mapping) and not isinstance(result, dict):  # head(): the headers
        result = dict(result)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    out.write((colourise(text) if _colour(out) else text) + "\n")


def colourise(text: str) -> str:
    """``json.dumps`` output with ANSI colours for keys, strings, numbers and literals."""
    def paint(match: re.Match) -> str:
        if match["string"] is not None:
            kind = "key" if match["colon"] else "string"
            return f"{_COLOURS[kind]}{match['string']}{_RESET}{match['colon'] or ''}"
        kind = "number" if match["number"] is not None else "literal"
        return f"{_COLOURS[kind]}{match[0]}{_RESET}"
    return _TOKEN.sub(paint, text)


def show_exchange(response: Any, err: TextIO) -> None:
    """``-v``: for every hop (redirects first), the request line and headers, then
    the status line and headers; secrets masked."""
    if response is None:
        return
    from ..curl import shown_headers
    from ..redact import redact_headers, redact_url
    blocks = []
    for hop in (*response.history, response):
        request = hop.request
        lines = [f"> {request.method} {redact_url(request.url or '')}"]
        lines += [f"> {name}: {value}" for name, value in shown_headers(request).items()]
        lines += [f"< {hop.status_code} {hop.reason or ''}".rstrip()]
        lines += [f"< {name}: {value}" for name, value in redact_headers(hop.headers).items()]
        blocks.append("\n".join(lines) + "\n\n")
    err.write("".join(blocks))
    err.flush()


def curl_line(prepared: Any) -> str:
    """``--dry-run``: the curl command for ``prepared``, secrets masked (restish.to_curl)."""
    from ..curl import to_curl
    return to_curl(prepared)


class ProgressBar:
    """A ``progress=`` callable drawing ``[#####.....]  42% 1.2/2.9 MB`` on a terminal stream."""

    WIDTH = 30
    INTERVAL = 0.1  # seconds between redraws, so a fast upload does not flood the terminal

    def __init__(self, stream: TextIO) -> None:
        self._stream, self._drawn = stream, 0.0

    def __call__(self, done: int, total: int | None) -> None:
        finished = total is not None and done >= total
        now = time.monotonic()
        if not finished and now - self._drawn < self.INTERVAL:
            return
        self._drawn = now
        if total:
            filled = self.WIDTH * done // total
            bar = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {100 * done // total:3d}% "
            text = f"{bar}{_mb(done)}/{_mb(total)} MB"
        else:
            text = f"{_mb(done)} MB"
        self._stream.write(f"\r{text}" + ("\n" if finished else ""))
        self._stream.flush()


def _mb(count: int) -> str:
    return f"{count / 1e6:.1f}"


def _colour(out: TextIO) -> bool:
    # NO_COLOR (https://no-color.org) turns colour off even on a terminal.
    return out.isatty() and not os.environ.get("NO_COLOR")


def _write_bytes(out: TextIO, data: bytes) -> None:
    buffer: BinaryIO | None = getattr(out, "buffer", None)
    out.flush()
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:  # a StringIO in tests
        out.write(data.decode("utf-8", "replace"))
