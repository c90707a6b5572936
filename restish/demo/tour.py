"""The scripted tour ``restish demo --tour`` runs: each call printed, then its result."""
from __future__ import annotations

import io
import json
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Callable, TextIO

__all__ = ["run_tour", "tiny_png"]

_MAX_LINES = 8


@dataclass(frozen=True)
class _Step:
    """One call of the tour: the code shown, and what runs it.

    ``check``: the result must be True. ``expect_error``: the call must fail
    with this RequestError subclass, which the tour shows on purpose.
    """

    code: str
    run: Callable[[], Any]
    check: bool = False
    expect_error: type[Exception] | None = None


def run_tour(url: str, out: TextIO) -> int:
    """Run the tour against the demo API at ``url``.

    Returns 0, or 1 as soon as a step fails: an error where none was planned,
    a check that is not True, or no error where one was planned.
    """
    import restish  # the demo app itself needs none of restish; the tour is a client

    for step in _steps(restish.Client(url), url):
        out.write(f">>> {step.code}\n")
        try:
            result = step.run()
        except restish.RequestError as exc:
            out.write(f"{type(exc).__name__}: {exc}\n\n")
            if step.expect_error is not None and isinstance(exc, step.expect_error):
                continue
            return _failed(out, "the server answered an error the tour did not plan")
        except restish.RestishError as exc:
            return _failed(out, f"{type(exc).__name__}: {exc}")
        out.write(_show(result) + "\n\n")
        if step.check and result is not True:
            return _failed(out, "the check above is not True")
        if step.expect_error is not None:
            return _failed(out, "the call above should have answered an error")
    out.write("Tour done. To explore: run `restish demo`, then `restish shell` on the URL it prints.\n")
    return 0


def _steps(api: Any, url: str) -> list[_Step]:
    import restish

    alice = api.people["alice"]
    avatar = tiny_png()
    return [
        _Step(f"api = restish.Client({url!r})", lambda: api),
        _Step("api.login('alice', 'demo')   # returns the token", lambda: api.login("alice", "demo")),
        _Step("type(api.auth).__name__   # the kind of auth now installed", lambda: type(api.auth).__name__),
        _Step("api.people['alice'].post(displayName='Alice')", lambda: alice.post(displayName="Alice")),
        _Step("api.people['alice'].activities.defaults('post')", lambda: alice.activities.defaults("post")),
        *[_Step(f"api.people['alice'].activities.post(object_content='Hello #{n}', generator='tour')",
                lambda n=n: alice.activities.post(object_content=f"Hello #{n}", generator="tour"))
          for n in (1, 2, 3)],
        _Step("api.people['alice'].avatar.post(upload_file=('alice.png', png_file, 'image/png'))",
              lambda: alice.avatar.post(upload_file=("alice.png", io.BytesIO(avatar), "image/png"))),
        _Step("api.people['alice'].avatar.get() == png_bytes", lambda: alice.avatar.get() == avatar, check=True),
        _Step("api.people['alice'].activities.head()['X-totalItems']",
              lambda: alice.activities.head()["X-totalItems"]),
        _Step("[a['object']['content'] for a in api.people['alice'].activities.iterate(limit=2)]",
              lambda: [a["object"]["content"] for a in _paged(alice.activities)]),
        _Step("api.people['nobody'].get()", lambda: api.people["nobody"].get(),
              expect_error=restish.NotFound),
    ]


def _failed(out: TextIO, why: str) -> int:
    out.write(f"tour failed: {why}\n")
    return 1


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
