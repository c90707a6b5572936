"""A prepared request as a curl command line, secrets shown as ``***``.

:func:`shown_headers` and :func:`shown_body` also serve the ``restish.bodies``
log: whatever a human reads about a request goes through them. The masking
itself lives in :mod:`restish.redact`.
"""
from __future__ import annotations

import shlex
from typing import Any, Mapping

import requests

from .redact import (MASK, body_text, masked_fields, masked_header, redact_url, scrub, secret_spellings,
                     secret_values, spelled)

__all__ = ["to_curl", "shown_headers", "shown_body", "secret_values", "secret_spellings", "spelled", "scrub"]

# Headers curl sets by itself from the command line.
_LEFT_TO_CURL = frozenset({"content-length", "connection", "accept-encoding"})


def to_curl(prepared: requests.PreparedRequest) -> str:
    """A shell-quoted curl command that sends what ``prepared`` would send.

    Header values set by auth, or named like secrets, are shown as ``***``, as
    are user info and secret query parameters in the URL and secret fields of
    JSON and form bodies. Streamed and multipart bodies appear as a placeholder.
    """
    words = ["curl"]
    method = prepared.method or "GET"
    words += ["--head"] if method == "HEAD" else ["-X", method]
    headers = shown_headers(prepared)
    if "gzip" in prepared.headers.get("Accept-Encoding", ""):
        words.append("--compressed")
    for name, value in headers.items():
        if name.lower() not in _LEFT_TO_CURL:
            words += ["-H", f"{name}: {value}"]
    body = shown_body(prepared.body, prepared.headers)
    if body is not None:
        words += ["--data-binary", body]
    words.append(redact_url(prepared.url or ""))
    return " ".join(shlex.quote(word) for word in words)


def shown_headers(prepared: requests.PreparedRequest) -> dict[str, str]:
    """The request's headers, with auth-set and secret-named values masked."""
    return {name: MASK if masked_header(prepared, name) else value for name, value in prepared.headers.items()}


def shown_body(body: Any, headers: Mapping[str, str], limit: int | None = None) -> str | None:
    """A body as text for humans: secret JSON and form fields masked, streams and
    binary data as a placeholder, cut at ``limit`` characters. None when empty."""
    text = body_text(body, headers)
    if text is None or text.startswith("<"):
        return text
    text = masked_fields(text, headers.get("Content-Type", ""))
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}... ({len(text)} characters)"
    return text
