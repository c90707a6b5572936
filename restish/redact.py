"""Keep secrets out of messages, logs, reprs and curl lines."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"

# Header and parameter names whose values are secrets (matched case-insensitively).
_SECRET_NAME = re.compile(
    r"authorization|token|password|passwd|secret|api[-_]?key|cookie|session|signature|credential",
    re.IGNORECASE,
)
_USERINFO = re.compile(r"(//)[^/@\s]+@")


def is_secret_name(name: str) -> bool:
    """True for header or parameter names that carry credentials."""
    return bool(_SECRET_NAME.search(name))


def redact_url(url: str) -> str:
    """The URL with user info and secret query values masked."""
    if not url or ("@" not in url and "?" not in url):
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_name(k) for k, _ in pairs):
            query = urlencode([(k, MASK if is_secret_name(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_headers(headers) -> dict[str, str]:
    """A copy of ``headers`` with secret values masked."""
    return {k: (MASK if is_secret_name(k) else v) for k, v in headers.items()}


def redact_text(text: str) -> str:
    """Mask user info in any URL inside free text (e.g. a urllib3 message)."""
    return _USERINFO.sub(rf"\1{MASK}@", text)
