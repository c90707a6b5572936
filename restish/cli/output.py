"""What the ``restish`` command prints as a body: JSON pretty (coloured on a terminal),
text as text, binary data as is but never to a terminal."""
from __future__ import annotations

import json
import os
import sys
from typing import Any, BinaryIO, Mapping, TextIO

__all__ = ["show_result", "show_response_body", "show_item", "colour_enabled", "binary_note"]


def show_result(result: Any, response: Any, raw: bool, out: TextIO) -> None:
    """Print a call's result: the body bytes with ``raw``, else JSON pretty (coloured
    on a terminal), text as text, bytes as bytes, nothing for an empty body."""
    if raw:
        _write_bytes(out, response.content if response is not None else b"", response)
        return
    if result is None:
        return
    if isinstance(result, bytes):
        _write_bytes(out, result, response)
        return
    if isinstance(result, str):
        out.write(result if result.endswith("\n") else result + "\n")
        return
    if isinstance(result, Mapping) and not isinstance(result, dict):  # head(): the headers
        result = dict(result)
    _write_json(json.dumps(result, indent=2, ensure_ascii=False), out)


def show_response_body(response: Any, raw: bool, out: TextIO) -> None:
    """An error response's body, as :func:`show_result` prints a success's: JSON pretty
    (left as text when it does not parse), text as text, binary data guarded."""
    content = response.content
    if raw or not content:
        _write_bytes(out, content, response)
        return
    mime = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if mime == "application/json" or mime.endswith("+json"):
        try:
            show_result(json.loads(content), response, False, out)
            return
        except ValueError:
            pass  # a broken JSON error body is still worth reading as text
    if mime.startswith("text/") or mime.endswith(("json", "xml")):
        show_result(response.text, response, False, out)
    else:
        _write_bytes(out, content, response)


def show_item(item: Any, out: TextIO) -> None:
    """``--all``: one item as one line of JSON (JSON Lines), coloured on a terminal."""
    _write_json(json.dumps(item, ensure_ascii=False), out)
    out.flush()  # a reader (jq, head) sees each item as it comes


def colour_enabled(out: TextIO) -> bool:
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org) or pygments is missing."""
    if os.environ.get("NO_COLOR") or not _isatty(out):
        return False
    import importlib
    try:
        importlib.import_module("pygments")  # the extra restish[cli]
    except ImportError:
        return False
    return True


def _write_json(text: str, out: TextIO) -> None:
    if colour_enabled(out):
        from pygments import highlight  # type: ignore[import-untyped]
        from pygments.formatters import TerminalFormatter  # type: ignore[import-untyped]
        from pygments.lexers import JsonLexer  # type: ignore[import-untyped]
        out.write(highlight(text, JsonLexer(), TerminalFormatter()))
    else:
        out.write(text + "\n")


def binary_note(data: bytes, response: Any) -> str:
    """What is printed instead of a binary body on a terminal."""
    ctype = response.headers.get("Content-Type", "") if response is not None else ""
    kind = f", {ctype}" if ctype else ""
    return (f"restish: binary body ({len(data)} bytes{kind}) not written to the terminal: "
            f"use -o FILE (--download), or redirect stdout to a file")


def _is_binary(data: bytes) -> bool:
    """As httpie judges: a NUL byte, or bytes that are not UTF-8 text."""
    head = data[:64 * 1024]
    if b"\0" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(head) - 3  # a character cut at the 64 KiB mark is still text
    return False


def _write_bytes(out: TextIO, data: bytes, response: Any = None) -> None:
    if not data:
        return
    if _isatty(out) and _is_binary(data):
        print(binary_note(data, response), file=sys.stderr)
        return
    buffer: BinaryIO | None = getattr(out, "buffer", None)
    out.flush()
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:  # a StringIO in tests
        out.write(data.decode("utf-8", "replace"))


def _isatty(out: Any) -> bool:
    return bool(getattr(out, "isatty", None) and out.isatty())
