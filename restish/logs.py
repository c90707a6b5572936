"""What restish logs, secrets masked.

- ``restish`` at DEBUG: one line per request (login and /info included):
  method, URL, status (each redirect hop), elapsed time; or the transport
  failure. Retries are logged by ``restish.retry``, failed renewals at WARNING
  by ``restish.auth``.
- ``restish.bodies`` at DEBUG: the request as a curl command, and the
  response's status, headers and body (cut at 2000 characters). Bodies are
  logged only when this logger *itself* is set to DEBUG::

      logging.getLogger('restish.bodies').setLevel(logging.DEBUG)

  A DEBUG level inherited from ``restish`` or the root logger is not enough,
  so ``logging.basicConfig(level=logging.DEBUG)`` shows calls, not bodies.
"""
from __future__ import annotations

import logging
import time

import requests

from .curl import shown_body, to_curl
from .errors import TransportError
from .redact import redact_headers, redact_url, redact_urls, scrub, secret_values, spelled

__all__ = ["log", "bodies", "answered", "failed"]

log = logging.getLogger("restish")
log.addHandler(logging.NullHandler())  # a library never prints unless asked


class _Redacting(logging.Filter):
    """Masks the URLs in urllib3's own log lines: at DEBUG it logs every request line,
    query string and all (``GET /x?access_token=... HTTP/1.1``), and each retry's URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format is the logging module's to report
            return True
        masked = redact_urls(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


_REDACTING = _Redacting()
for _name in ("urllib3.connectionpool", "urllib3.poolmanager", "urllib3.util.retry"):
    if _REDACTING not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_REDACTING)
bodies = logging.getLogger("restish.bodies")
BODY_LIMIT = 2000


def answered(prepared: requests.PreparedRequest, response: requests.Response, started: float,
             stream: bool = False) -> None:
    """Log one request that got an answer; ``started`` is a ``time.perf_counter()``."""
    if log.isEnabledFor(logging.DEBUG):
        statuses = " -> ".join(str(r.status_code) for r in (*response.history, response))
        landed = f" at {redact_url(response.url)}" if response.history else ""
        log.debug("%s %s -> %s%s (%.1f ms)", prepared.method, redact_url(prepared.url or ""),
                  statuses, landed, _ms(started))
    if 0 < bodies.level <= logging.DEBUG and bodies.isEnabledFor(logging.DEBUG):
        shown = "<streamed, not shown>" if stream else shown_body(response.content, response.headers, BODY_LIMIT)
        text = (f"request: {to_curl(prepared)}\nresponse: {response.status_code} "
                f"{redact_headers(response.headers)}\n{shown or '<empty>'}")
        # Answers may echo what was sent, raw, URL-encoded or JSON-escaped.
        bodies.debug("%s", scrub(text, spelled(secret_values(prepared))))


def failed(exc: TransportError, started: float) -> None:
    """Log one request that got no answer (the error says method, URL and cause)."""
    log.debug("%s (%.1f ms)", exc, _ms(started))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
