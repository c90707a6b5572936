"""A prepared request as a curl command line, secrets shown as ``***``.

The masking helpers here also serve the ``restish.bodies`` log: whatever a
human reads about a request goes through :func:`shown_headers` and
:func:`shown_body`.
"""
from __future__ import annotations

import json
import shlex
from typing import Any, Mapping
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit

import requests

from .redact import MASK, is_secret_name, redact_url
from .transport import auth_headers

__all__ = ["to_curl", "shown_headers", "shown_body", "secret_values", "secret_spellings", "spelled", "scrub"]

_FORM = "application/x-www-form-urlencoded"
# Auth headers that name, not prove: still shown as ***, but their values (a user
# name, the scope "widgetcli") are not scrubbed from every body logged.
_NAMES_NOT_SECRETS = frozenset({"x-oauth-username", "x-oauth-scope"})
# Headers curl sets by itself from the command line.
_LEFT_TO_CURL = frozenset({"content-length", "connection", "accept-encoding"})
_FLOOR = 4  # shortest value secret_values() reports (see there)


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
    return {name: MASK if _masked(prepared, name) else value for name, value in prepared.headers.items()}


def shown_body(body: Any, headers: Mapping[str, str], limit: int | None = None) -> str | None:
    """A body as text for humans: secret JSON and form fields masked, streams and
    binary data as a placeholder, cut at ``limit`` characters. None when empty."""
    text = _text(body, headers)
    if text is None or text.startswith("<"):
        return text
    text = _masked_fields(text, headers.get("Content-Type", ""))
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}... ({len(text)} characters)"
    return text


def secret_values(prepared: requests.PreparedRequest) -> frozenset[str]:
    """The secrets ``prepared`` carries (masked header values, the credentials
    after an auth scheme such as ``Bearer``, secret query parameters, masked body fields), so that an
    answer echoing them can be scrubbed with :func:`scrub` before it is logged."""
    found: set[str] = set()
    for name, value in prepared.headers.items():
        if _masked(prepared, name) and name.lower() not in _NAMES_NOT_SECRETS:
            found.update((value, value.split(" ", 1)[-1]))
    query = urlsplit(prepared.url or "").query
    if query:
        found.update(value for name, value in parse_qsl(query) if is_secret_name(name))
    text = _text(prepared.body, prepared.headers)
    if text is not None and not text.startswith("<"):
        _masked_fields(text, prepared.headers.get("Content-Type", ""), found)
    # The one length floor: these values are harvested from whatever headers and fields a
    # request happens to carry (``?key=1``, ``"secret": "no"``), and masking every "1" or
    # "no" in an answer would hide the answer, not a secret. A secret the caller names
    # (login's password and tokens, ``RequestError(secrets=)``) is masked whatever its length.
    return frozenset(value for value in found if len(value) >= _FLOOR)


def secret_spellings(secret: str) -> set[str]:
    """``secret`` as it may come back in a server's text: raw, form- or URL-encoded
    (``quote_plus`` / ``quote``, either safe set), JSON-escaped (ASCII or not), and
    each of those with runs of whitespace made one space (as error descriptions are)."""
    spellings = {secret, quote_plus(secret), quote_plus(secret, safe=""), quote(secret), quote(secret, safe=""),
                 json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    spellings |= {" ".join(spelling.split()) for spelling in spellings}
    return {spelling for spelling in spellings if spelling}


def spelled(secrets: frozenset[str]) -> frozenset[str]:
    """Every spelling of every one of ``secrets`` (see :func:`secret_spellings`)."""
    return frozenset(spelling for secret in secrets for spelling in secret_spellings(secret))


def scrub(text: str, secrets: frozenset[str]) -> str:
    """``text`` with every one of ``secrets`` replaced by ``***``."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _masked(prepared: requests.PreparedRequest, name: str) -> bool:
    return name.lower() in auth_headers(prepared) or is_secret_name(name)


def _text(body: Any, headers: Mapping[str, str]) -> str | None:
    """The body as text; a ``<...>`` placeholder for streams, multipart and binary data."""
    if body is None or body == b"" or body == "":
        return None
    ctype = headers.get("Content-Type", "")
    if not isinstance(body, (bytes, str)) or ctype.startswith("multipart/"):
        return _placeholder(ctype.split(";")[0] or "streamed", headers)
    try:
        return body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        return _placeholder("binary", headers)


def _placeholder(kind: str, headers: Mapping[str, str]) -> str:
    size = headers.get("Content-Length")
    return f"<{kind} body{f', {size} bytes' if size else ''}, not shown>"


def _masked_fields(text: str, ctype: str, found: set[str] | None = None) -> str:
    """``text`` with the values of secret-named JSON keys or form fields masked
    (and added to ``found``)."""
    found = set() if found is None else found
    if ctype.startswith(_FORM):
        pairs = parse_qsl(text, keep_blank_values=True)
        found.update(v for k, v in pairs if is_secret_name(k))
        if any(is_secret_name(k) for k, _ in pairs):
            return urlencode([(k, MASK if is_secret_name(k) else v) for k, v in pairs], safe="*")
        return text
    try:
        data = json.loads(text)
    except ValueError:
        return text
    masked = _mask_json(data, found)
    return text if masked == data else json.dumps(masked, ensure_ascii=False)


def _mask_json(value: Any, found: set[str]) -> Any:
    if isinstance(value, dict):
        masked = {}
        for key, item in value.items():
            if is_secret_name(str(key)):
                if isinstance(item, str):
                    found.add(item)
                masked[key] = MASK
            else:
                masked[key] = _mask_json(item, found)
        return masked
    if isinstance(value, list):
        return [_mask_json(item, found) for item in value]
    return value
