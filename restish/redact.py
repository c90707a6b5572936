"""Keep secrets out of messages, logs, reprs and curl lines: find them, mask them, scrub them."""
from __future__ import annotations

import base64
import binascii
import json
import re
from typing import TYPE_CHECKING, Any, Iterable, Mapping
from urllib.parse import parse_qsl, quote, quote_plus, unquote_plus, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    import requests

MASK = "***"

# Header and parameter names whose values are secrets (matched case-insensitively).
_SECRET_NAME = re.compile(
    r"authorization|token|password|passwd|secret|api[-_]?key|cookie|session|signature|credential"
    r"|(?:access|private|subscription)[-_]?key|assertion"
    r"|(?:^|[-_.])auth(?:$|[-_.])"  # X-Auth, X-Auth-Key, ?auth= (not "author")
    r"|^x-[\w-]*key$|^key$|^sig$|^pass(?:phrase)?$",  # X-Tenant-Key, ?key= (Google), ?sig= (Azure SAS)
    re.IGNORECASE,
)
_USERINFO = re.compile(r"(//)[^/@\s]+@")


def is_secret_name(name: str) -> bool:
    """True for header or parameter names that carry credentials."""
    return bool(_SECRET_NAME.search(name))


def redact_url(url: str) -> str:
    """The URL with user info and the values of secret-named query and fragment parameters masked.

    The fragment counts: OAuth's implicit flow sends ``#access_token=...``, and a
    single-page app's route may carry one (``#!/cb?token=...``). Everything else is
    kept as written, so a harmless fragment or query is shown unchanged.
    """
    if not url or ("@" not in url and "?" not in url and "#" not in url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL urlsplit accepts (a bad IPv6 host): mask all it might hold
        head, mark, _ = url.partition("?") if "?" in url else url.partition("#")
        return redact_text(head) + (f"{mark}{MASK}" if mark else "")
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    return urlunsplit((parts.scheme, netloc, parts.path, _masked_params(parts.query),
                       _masked_params(parts.fragment)))


# Where a parameter name starts and a secret value ends, written plain or percent-encoded:
# a fragment may be a route (``!/cb?token=``), hold a second ``#``, or nest an encoded URL
# (``redirect=https%3A%2F%2Fa%2Fcb%3Ftoken%3DS``); each of these still shows its ``name=``.
_ESCAPED_DELIMITER = r"%(?:2[0136fF]|3[bBdDfF])"  # %20 ! # & / ; = ? percent-encoded
_NAMED = re.compile(
    # A name starts only after a delimiter, so a long run of text costs one pass, not a
    # pass from each of its characters (lookbehinds are fixed-width: one per width).
    r"(?:^|(?<=[&;?/#!\s=])|(?<=%2[0136fF])|(?<=%3[bBdDfF]))"
    rf"((?:[^=&;?/#!\s%]|(?!{_ESCAPED_DELIMITER})%)+)(?:=|%3[dD])")
# A value ends at a raw ``&`` or ``#`` (not ``;``: it may be part of a password, and masking
# ``;x=1`` too is the safe error); one after an encoded ``%3D`` also at ``%26`` or ``%23``.
_VALUE_END = re.compile(r"[&#]")
_ENCODED_VALUE_END = re.compile(r"[&#]|%2[36]")


def _masked_params(text: str) -> str:
    """``text`` with the value after every secret-named ``name=`` masked, up to the next
    ``&`` or ``#``; all else as written (no re-encoding, no reordering).

    Not parsed as ``name=value&...``: a fragment often is not one, and parsing and
    re-encoding it would mangle it. Masking a look-alike (``#/auth=x``) is the safe error.
    """
    if "=" not in text and "%3" not in text:
        return text
    shown, done = [], 0
    for named in _NAMED.finditer(text):
        if named.start() < done or not is_secret_name(unquote_plus(named[1])):
            continue  # inside a value already masked, or not a secret
        ends = _VALUE_END if named[0].endswith("=") else _ENCODED_VALUE_END
        end = ends.search(text, named.end())
        shown += [text[done:named.end()], MASK]
        done = end.start() if end else len(text)
    return "".join(shown) + text[done:]


# Response headers whose value is a URL, which may carry a token (a redirect to
# ``...?access_token=``, an implicit grant's ``#access_token=``).
_URL_HEADERS = frozenset({"location", "content-location"})
_REFRESH_URL = re.compile(r"(url\s*=\s*['\"]?)([^'\"]*)", re.IGNORECASE)  # Refresh: 5; url=...
_LINK_URL = re.compile(r"<([^>]*)>")  # Link: <url>; rel="next", <url>; rel="last"


def redact_headers(headers) -> dict[str, str]:
    """A copy of ``headers`` with secret values masked, and secrets in URL-valued headers
    (``Location``, ``Content-Location``, ``Refresh``, each ``<url>`` of ``Link``) masked
    as :func:`redact_url` does."""
    return {k: _redacted_header(k, v) for k, v in headers.items()}


def _redacted_header(name: str, value: str) -> str:
    if is_secret_name(name):
        return MASK
    lowered = name.lower()
    if lowered in _URL_HEADERS:
        return redact_url(value)
    if lowered == "refresh":
        return _REFRESH_URL.sub(lambda m: m[1] + redact_url(m[2]), value)
    if lowered == "link":  # a next page's URL may carry the token the first one was asked with
        return _LINK_URL.sub(lambda m: f"<{redact_url(m[1])}>", value)
    return value


def redact_text(text: str) -> str:
    """Mask user info in any URL inside free text (e.g. a urllib3 message)."""
    return _USERINFO.sub(rf"\1{MASK}@", text)


_URLISH = re.compile(r"[^\s\"']*[?#@][^\s\"']*")  # a word that may hold user info, a query or a fragment


def redact_urls(text: str) -> str:
    """Free text with every URL or request target in it redacted as :func:`redact_url` does
    (urllib3's ``"GET /x?access_token=... HTTP/1.1"`` log lines)."""
    return _URLISH.sub(lambda word: redact_url(word[0]), text) if ("?" in text or "#" in text or "@" in text) else text


# -- secrets a request carries ---------------------------------------------

_FORM = "application/x-www-form-urlencoded"
# Auth headers that name, not prove: still shown as ***, but their values (a user
# name, the scope "widgetcli") are not scrubbed from every body logged.
_NAMES_NOT_SECRETS = frozenset({"x-oauth-username", "x-oauth-scope"})
_FLOOR = 4  # shortest value secret_values() reports (see there)


def note_auth_headers(prepared: requests.PreparedRequest, names: Iterable[str]) -> None:
    """Note on ``prepared`` which headers carry its auth (see ``auth.sign``)."""
    prepared._restish_auth_headers = frozenset(n.lower() for n in names)  # type: ignore[attr-defined]


def auth_headers(prepared: requests.PreparedRequest) -> frozenset[str]:
    """The lower-case names of the headers auth set on ``prepared``."""
    return getattr(prepared, "_restish_auth_headers", frozenset())


def secret_values(prepared: requests.PreparedRequest) -> frozenset[str]:
    """The secrets ``prepared`` carries (masked header values, the credentials
    after an auth scheme such as ``Bearer``, secret query parameters, masked body fields), so that an
    answer echoing them can be scrubbed with :func:`scrub` before it is logged."""
    found: set[str] = set()
    for name, value in prepared.headers.items():
        if masked_header(prepared, name) and name.lower() not in _NAMES_NOT_SECRETS:
            found.update((value, value.split(" ", 1)[-1]))
            found.update(_basic_credentials(value))
    query = urlsplit(prepared.url or "").query
    if query:
        found.update(value for name, value in parse_qsl(query) if is_secret_name(name))
    text = body_text(prepared.body, prepared.headers)
    if text is not None and not text.startswith("<"):
        masked_fields(text, prepared.headers.get("Content-Type", ""), found)
    # The one length floor: these values are harvested from whatever headers and fields a
    # request happens to carry (``?key=1``, ``"secret": "no"``), and masking every "1" or
    # "no" in an answer would hide the answer, not a secret. A secret the caller names
    # (login's password and tokens, ``RequestError(secrets=)``) is masked whatever its length.
    return frozenset(value for value in found if len(value) >= _FLOOR)


def _basic_credentials(value: str) -> tuple[str, ...]:
    """``user:password`` and the password of a ``Basic`` value: a server may echo them decoded."""
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return ()
    try:
        pair = base64.b64decode(encoded.strip(), validate=True).decode("latin-1")
    except (ValueError, binascii.Error):
        return ()
    return pair, pair.partition(":")[2]


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


def masked_header(prepared: requests.PreparedRequest, name: str) -> bool:
    return name.lower() in auth_headers(prepared) or is_secret_name(name)


def body_text(body: Any, headers: Mapping[str, str]) -> str | None:
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


def masked_fields(text: str, ctype: str, found: set[str] | None = None) -> str:
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
