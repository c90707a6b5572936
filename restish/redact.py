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
    """The URL with user info and secret query values masked."""
    if not url or ("@" not in url and "?" not in url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL urlsplit accepts (a bad IPv6 host): mask all it might hold
        return redact_text(url.split("?", 1)[0]) + (f"?{MASK}" if "?" in url else "")
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
