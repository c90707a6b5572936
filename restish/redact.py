"""Keep secrets out of messages, logs, reprs and curl lines."""
from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

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
