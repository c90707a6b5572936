"""``-v`` and ``-p/--print``: the requests and responses of a call, secrets masked.

httpie's letters choose the parts: ``H`` request headers, ``B`` request body,
``h`` response headers, ``b`` response body (printed by the caller). Every hop
is shown, redirects first: ``> `` starts a request line, ``< `` a response line; with
``-v``, each retry too (restish.retry's log lines).
"""
from __future__ import annotations

from typing import Any, TextIO

from .common import UsageError, printable

__all__ = ["parts_to_print", "show_exchange", "show_request", "show_retries", "LETTERS"]

LETTERS = "HBhb"
BODY_LIMIT = 10_000  # characters of a request body shown: enough to read, not a whole upload


def parts_to_print(letters: str | None, verbose: bool) -> str:
    """The letters to print: ``-p`` as given, else all with ``-v``, else the body alone."""
    if letters is None:
        return LETTERS if verbose else "b"
    bad = sorted(set(letters) - set(LETTERS))
    if bad or not letters:
        raise UsageError(f"-p/--print {letters!r}: use the letters H (request headers), B (request body), "
                         f"h (response headers), b (response body)")
    return letters


def show_exchange(response: Any, letters: str, out: TextIO) -> None:
    """For every hop of ``response`` (redirects first): the request (``H``, ``B``) and
    the response's status line and headers (``h``)."""
    if response is None:
        return
    for hop in (*response.history, response):
        show_request(hop.request, letters, out)
        if "h" in letters:
            from ..redact import redact_headers
            lines = [f"< {hop.status_code} {hop.reason or ''}".rstrip()]
            lines += [f"< {name}: {value}" for name, value in redact_headers(hop.headers).items()]
            # A server's header could carry ESC sequences: shown escaped, as the error line is.
            out.write("\n".join(printable(line) for line in lines) + "\n\n")
    out.flush()


def show_request(request: Any, letters: str, out: TextIO) -> None:
    """The request line and headers (``H``) and its body (``B``), secrets masked."""
    from ..curl import shown_body, shown_headers
    from ..redact import redact_url
    lines = []
    if "H" in letters:
        lines.append(f"> {request.method} {redact_url(request.url or '')}")
        lines += [f"> {name}: {value}" for name, value in shown_headers(request).items()]
    if "B" in letters:
        body = shown_body(request.body, request.headers, BODY_LIMIT)
        if body is not None:
            lines += [">"] if "H" in letters else []
            lines += [f"> {line}" for line in body.splitlines()]
    if lines:
        out.write("\n".join(lines) + "\n\n")


def show_retries(err: Any) -> Any:
    """-v: each retry and each decision not to retry (restish.retry's DEBUG lines) on stderr,
    so a slow failure says what it waited for. Returns the function that stops it."""
    import logging

    class _Printable(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return printable(f"restish: {record.getMessage()}")

    handler = logging.StreamHandler(err)
    handler.setFormatter(_Printable())
    log = logging.getLogger("restish.retry")
    level = log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)

    def stop() -> None:
        log.removeHandler(handler)
        log.setLevel(level)
    return stop
