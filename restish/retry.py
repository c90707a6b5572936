"""The retry policy: which requests are sent again, and how long to wait before each try.

urllib3's ``Retry`` does the counting inside requests' ``HTTPAdapter``, below
redirects and auth, so a retried request is the very same request. restish's
subclass keeps urllib3's rules about *what* is safe to retry:

- connection errors before the request left (refused, connect timeout) are
  retried for every verb, POST and PATCH included: the server never saw it;
- errors after the request may have reached the server (reset, read timeout),
  and the statuses 429, 502, 503 and 504, are retried for idempotent verbs only;
- a body that cannot be rewound (an upload from a pipe, once some of it was
  read) is never sent again: the answer or error of its one try surfaces;

and bounds *how long* it goes on: each wait at most ``backoff_max`` seconds,
and no retry starts once ``total_wait`` seconds of wall time (tries and waits
alike) have passed since the first try. A try that hangs is bounded by the
read timeout, so a call lasts at most about ``total_wait`` plus one try.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any, Collection

from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.util.retry import Retry as Urllib3Retry

from .errors import InvalidValue
from .redact import redact_url

__all__ = ["Retry", "IDEMPOTENT", "RETRY_STATUSES", "policy", "first_try", "body_rewindable"]

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_log = logging.getLogger(__name__)

# ``first_try.started``: the time.monotonic() at which the first try of the request
# being sent in this thread began; None (or unset) outside a send. urllib3 tells a
# ``Retry`` nothing before the first try, only after each failed one; without this
# mark, ``total_wait`` would count from the end of the first try. urllib3 retries in
# the calling thread, so a thread-local suffices. ``transport.send`` sets it before
# sending and puts the previous value back after, so no later request sees a stale start.
# ``first_try.body``: the body of the request being sent in this thread (None: none,
# or outside a send), set the same way and for each redirect hop; only read when a try
# failed, to tell whether the body can be sent again (see ``body_rewindable``).
first_try = threading.local()


class Retry(Urllib3Retry):
    """urllib3's ``Retry`` with restish's defaults and bounded waits.

    - The wait before the n-th retry is ``backoff_factor * 2**(n - 1)`` seconds
      times a random factor between 0.5 and 1 (jitter, so that many clients
      do not come back in step), at most ``backoff_max``.
    - No retry starts when the wall time since the first try (tries and
      waits together), plus the coming wait, would pass ``total_wait``.
    - A ``Retry-After`` header (seconds or an HTTP date) replaces the backoff.
      One that asks for more than ``backoff_max``, or more than is left of
      ``total_wait``, ends the retries: the answer surfaces at once instead of
      after a wait shorter than the server asked for (logged at DEBUG as
      "Retry-After N s exceeds the cap"). A garbage value is ignored and the
      backoff applies.
    - Answers that are still 429/5xx after the last try are returned, so they
      surface as ``TooManyRequests`` / ``ServiceUnavailable`` with their body.
    - A request whose body cannot be rewound (see :func:`body_rewindable`) is
      not retried: a 429/5xx answer is returned as it is, and an error raised
      as when out of tries, instead of urllib3 draining the answer and then
      failing with ``UnrewindableBodyError``. (A plain urllib3 ``Retry`` given
      as ``retries=`` knows nothing of this and keeps urllib3's behaviour.)
    """

    RETRY_AFTER_STATUS_CODES = frozenset({429, 503})

    def __init__(
        self,
        total: bool | int | None = 3,
        *,
        allowed_methods: Collection[str] | None = IDEMPOTENT,
        status_forcelist: Collection[int] | None = RETRY_STATUSES,
        backoff_factor: float = 0.5,
        backoff_max: float = 30.0,
        raise_on_status: bool = False,
        total_wait: float = 60.0,
        started: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(total, allowed_methods=allowed_methods, status_forcelist=status_forcelist,
                         backoff_factor=backoff_factor, backoff_max=backoff_max,
                         raise_on_status=raise_on_status, **kwargs)
        self.total_wait = total_wait
        self.started = started  # time.monotonic() of the first try; None until a try failed
        self.wait = 0.0         # seconds to wait before the next try

    def new(self, **kwargs: Any) -> "Retry":
        kwargs.setdefault("total_wait", self.total_wait)
        kwargs.setdefault("started", self.started)
        return super().new(**kwargs)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        """Should this answer be retried? Never when the body cannot be sent again.

        Saying no here (not in ``increment``) makes urllib3 return the answer
        whatever ``raise_on_status`` says, so it surfaces with its body.
        """
        if not super().is_retry(method, status_code, has_retry_after):
            return False
        if body_rewindable(getattr(first_try, "body", None)):
            return True
        _log.debug("not retrying the %d answer to %s: its body cannot be rewound", status_code, method)
        return False

    def increment(self, method: str | None = None, url: str | None = None, response: Any = None,
                  error: Exception | None = None, _pool: Any = None, _stacktrace: Any = None) -> "Retry":
        """The next state, or ``MaxRetryError`` when out of tries or out of time,
        or when the body cannot be sent again (urllib3 would fail rewinding it)."""
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        started = self.started if self.started is not None else _start_of_first_try()
        elapsed = time.monotonic() - started
        wait = retry.wait_before_next(response)
        stop = None
        if not body_rewindable(getattr(first_try, "body", None)):
            stop = "the request body cannot be rewound to send it again"
        elif wait is None:
            stop = (f"Retry-After {self.get_retry_after(response):g} s exceeds the cap of "
                    f"{self.backoff_max:g} s (backoff_max)")
        elif elapsed + wait > self.total_wait:
            stop = (f"no time left to retry: {elapsed:.1f} s since the first try, "
                    f"{wait:.1f} s to wait, total_wait {self.total_wait:g} s")
        if stop is not None:
            _log.debug("not retrying %s %s: %s", method, redact_url(url or ""), stop)
            reason = error or ResponseError(stop)
            raise MaxRetryError(_pool, url or "", reason) from reason
        # ``retry`` is a fresh object nobody else holds yet: fill in its wait.
        retry.wait, retry.started = wait, started
        cause = f"{response.status}" if response is not None and not error else type(error).__name__
        _log.debug("retrying %s %s after %s in %.2f s (retry %d, %.1f s since the first try)", method,
                   redact_url(url or ""), cause, wait, len(retry.history), elapsed)
        return retry

    def wait_before_next(self, response: Any = None) -> float | None:
        """Seconds to wait before the next try; None when ``Retry-After`` asks for too long."""
        if response is not None and self.respect_retry_after_header:
            after = self.get_retry_after(response)
            if after is not None:
                return after if after <= self.backoff_max else None
        return self.get_backoff_time()

    def get_backoff_time(self) -> float:
        exponential = self.backoff_factor * 2 ** max(len(self.history) - 1, 0)
        jittered = exponential * random.uniform(0.5, 1.0) + random.random() * self.backoff_jitter
        return min(self.backoff_max, jittered)

    def parse_retry_after(self, retry_after: str) -> float | None:  # type: ignore[override]
        try:
            return super().parse_retry_after(retry_after)
        except (InvalidHeader, ValueError, OverflowError):
            return None  # garbage: the backoff applies

    def sleep(self, response: Any = None) -> None:
        if self.wait > 0:
            time.sleep(self.wait)


def body_rewindable(body: Any) -> bool:
    """Can ``body`` be sent again from its start?

    True for no body and for bytes or str (sent again as they are), for a body
    whose ``seekable()`` is true (an upload of files that can seek: urllib3
    rewinds it), and for a stream nothing was read from yet (``tell()`` is 0:
    a connection refused before the request left). False otherwise: an upload
    from a pipe once sending began, an iterator.
    """
    if body is None or isinstance(body, (bytes, str)):
        return True
    try:
        return bool(body.seekable()) or body.tell() == 0
    except (AttributeError, OSError, ValueError):
        return False


def _start_of_first_try() -> float:
    """When the first try began, if ``first_try`` holds it; else now (it just failed)."""
    started = getattr(first_try, "started", None)
    return started if started is not None else time.monotonic()


def policy(retries: Any) -> Urllib3Retry:
    """The urllib3 ``Retry`` for ``Client(retries=...)``.

    An int n is restish's :class:`Retry` with n tries more (0: no retries); a
    urllib3 ``Retry`` is used as given (a plain one, not restish's subclass, still
    tries to retry an upload from a pipe, and that ends in a ``TransportError``
    naming ``UnrewindableBodyError``). Raises ``InvalidValue`` for anything else.
    """
    if isinstance(retries, Urllib3Retry):
        return retries
    if isinstance(retries, int) and not isinstance(retries, bool) and retries >= 0:
        return Retry(retries)
    raise InvalidValue(f"retries must be a count >= 0 or a urllib3 Retry, not {retries!r}")
