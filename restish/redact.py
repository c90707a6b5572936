"""Keep secrets out of messages, logs, reprs and curl lines."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
    """The URL with user info and secret query and fragment parameters masked.

    The fragment counts: OAuth's implicit flow sends ``#access_token=...``.
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


def _masked_params(text: str) -> str:
    """``name=value&...`` with the values of secret names masked; other text as it is."""
    if "=" not in text:
        return text
    pairs = parse_qsl(text, keep_blank_values=True)
    if not any(is_secret_name(k) for k, _ in pairs):
        return text
    return urlencode([(k, MASK if is_secret_name(k) else v) for k, v in pairs], safe="*")


# Response headers whose value is a URL, which may carry a token (a redirect to
# ``...?access_token=``, an implicit grant's ``#access_token=``).
_URL_HEADERS = frozenset({"location", "content-location"})
_REFRESH_URL = re.compile(r"(url\s*=\s*['\"]?)([^'\"]*)", re.IGNORECASE)  # Refresh: 5; url=...


def redact_headers(headers) -> dict[str, str]:
    """A copy of ``headers`` with secret values masked, and secrets in URL-valued headers
    (``Location``, ``Content-Location``, ``Refresh``) masked as :func:`redact_url` does."""
    return {k: _redacted_header(k, v) for k, v in headers.items()}


def _redacted_header(name: str, value: str) -> str:
    if is_secret_name(name):
        return MASK
    lowered = name.lower()
    if lowered in _URL_HEADERS:
        return redact_url(value)
    if lowered == "refresh":
        return _REFRESH_URL.sub(lambda m: m[1] + redact_url(m[2]), value)
    return value


def redact_text(text: str) -> str:
    """Mask user info in any URL inside free text (e.g. a urllib3 message)."""
    return _USERINFO.sub(rf"\1{MASK}@", text)
