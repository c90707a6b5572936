"""The scripted tour ``restish demo --tour`` runs: each call printed, then its result."""
from __future__ import annotations

import io
import json
import struct
import zlib
from typing import Any, Callable, TextIO

__all__ = ["run_tour", "tiny_png"]

_MAX_LINES = 8


def run_tour(url: str, out: TextIO) -> int:
    """Run the tour against the demo API at ``url``. Returns 0, or 1 on a failed step."""
    import restish  # the demo app itself needs none of restish; the tour is a client

    api = restish.Client(url)
    alice = api.people["alice"]
    avatar = tiny_png()
    steps: list[tuple[str, Callable[[], Any]]] = [
        (f"api = restish.Client({url!r})", lambda: api),
        ("api.login('alice', 'demo')", lambda: "<token installed: " + type(api.auth).__name__ + ">"
         if api.login("alice", "demo") else None),
        ("api.people['alice'].post(displayName='Alice')", lambda: alice.post(displayName="Alice")),
        ("api.people['alice'].activities.defaults('post')", lambda: alice.activities.defaults("post")),
        *[(f"api.people['alice'].activities.post(object_content='Hello #{n}', generator='tour')",
           lambda n=n: alice.activities.post(object_content=f"Hello #{n}", generator="tour"))
          for n in (1, 2, 3)],
        ("api.people['alice'].avatar.post(upload_file=('alice.png', png_file, 'image/png'))",
         lambda: alice.avatar.post(upload_file=("alice.png", io.BytesIO(avatar), "image/png"))),
        ("api.people['alice'].avatar.get() == png_bytes", lambda: alice.avatar.get() == avatar),
        ("api.people['alice'].activities.head()['X-totalItems']", lambda: alice.activities.head()["X-totalItems"]),
        ("[a['object']['content'] for a in api.people['alice'].activities.iterate(limit=2)]",
         lambda: [a["object"]["content"] for a in _paged(alice.activities)]),
        ("api.people['nobody'].get()", lambda: api.people["nobody"].get()),
    ]
    for code, step in steps:
        out.write(f">>> {code}\n")
        try:
            result = step()
        except restish.RequestError as exc:  # the tour shows one on purpose
            out.write(f"{type(exc).__name__}: {exc}\n\n")
            continue
        except restish.RestishError as exc:
            out.write(f"tour failed: {type(exc).__name__}: {exc}\n")
            return 1
        out.write(_show(result) + "\n\n")
    out.write("Tour done. To explore: run `restish demo`, then `restish shell` on the URL it prints.\n")
    return 0


def _paged(collection: Any) -> list:
    """Pages of two, newest first: ``.iterate`` follows the map's ``before=<id>`` cursor."""
    return list(collection.iterate(limit=2))


def _show(result: Any) -> str:
    text = repr(result) if not isinstance(result, (dict, list)) else json.dumps(result, indent=2, ensure_ascii=False)
    lines = text.splitlines()
    if len(lines) > _MAX_LINES:
        lines = lines[:_MAX_LINES] + [f"... ({len(lines) - _MAX_LINES} more lines)"]
    return "\n".join(lines)


def tiny_png(size: int = 8) -> bytes:
    """A valid ``size`` x ``size`` PNG, made without any imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes((40, 120 + 10 * x, 200)) * size for x in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
