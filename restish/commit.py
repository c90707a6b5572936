"""Writes that wait for the commit: :class:`Pending` calls queued on a ``transaction``.

``api.after_commit`` (see :class:`restish.client.AfterCommit`) queues each
POST, PUT, PATCH and DELETE here instead of sending it. The call is checked
at once (a bad verb or argument raises where it is made), then waits on the
transaction: it is sent, in the order queued, only after the transaction
commits, and dropped when it aborts. A replayed request (Zope's
ConflictError retry, pyramid_retry) aborts the first transaction, so each
queued call goes out once. Sending happens after the commit succeeded, so a
failure cannot undo it: it is logged and kept on the call's :class:`Pending`,
never raised into the committed transaction. pyramid_mailer delivers mail
the same way.

The ``transaction`` package (the one Zope, Plone and pyramid_tm share) is
imported only by those who use this.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from .errors import RestishError

__all__ = ["Pending", "queue"]

_log = logging.getLogger("restish.commit")
_QUEUED, _SENT, _FAILED, _DROPPED = "queued", "sent", "failed", "dropped"


class Pending:
    """A call queued until its transaction commits.

    ``done`` is True once it was sent (or its sending failed); ``result()``
    then returns what the call returned, or raises what it raised;
    ``exception()`` returns that exception, or None.
    """

    def __init__(self, where: str) -> None:
        self.where = where  # "POST /people/alice", for messages
        self._state = _QUEUED
        self._value: Any = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()  # commit runs in the committing thread; readers may be others

    @property
    def done(self) -> bool:
        """True once the call was sent after the commit, whether it succeeded or failed."""
        return self._state in (_SENT, _FAILED)

    def result(self) -> Any:
        """What the call returned. Raises what it raised, or RestishError when it was not sent
        (the transaction has not committed yet, or aborted)."""
        if self._state == _FAILED:
            raise self._error  # type: ignore[misc]
        if self._state == _SENT:
            return self._value
        raise RestishError(f"{self.where}: {self._not_sent()}")

    def exception(self) -> BaseException | None:
        """The exception the call raised after the commit, or None."""
        return self._error

    def _not_sent(self) -> str:
        if self._state == _DROPPED:
            return "not sent: its transaction aborted"
        return "not sent yet: it waits for its transaction to commit"

    def _send(self, status: bool, send: Callable[[], Any]) -> None:
        """The after-commit hook: send when the commit succeeded, else drop."""
        with self._lock:
            if self._state != _QUEUED:
                return
            if not status:
                self._state = _DROPPED
                return
            try:
                self._value, self._state = send(), _SENT
            except Exception as exc:  # noqa: BLE001 - the commit stands; the failure is kept and logged
                self._error, self._state = exc, _FAILED
                _log.error("%s after commit failed: %s", self.where, exc)

    def _drop(self) -> None:
        with self._lock:
            if self._state == _QUEUED:
                self._state = _DROPPED

    def __repr__(self) -> str:
        return f"<Pending {self.where}: {self._state}>"


def queue(manager: Any, where: str, send: Callable[[], Any]) -> Pending:
    """Queue ``send`` on ``manager``'s current transaction; the :class:`Pending` that tracks it.

    ``manager`` is a ``transaction`` manager (``transaction.manager``,
    pyramid_tm's ``request.tm``); its current transaction is the one joined.
    """
    pending = Pending(where)
    current = manager.get()
    current.addAfterCommitHook(pending._send, (send,))
    current.addAfterAbortHook(pending._drop)
    return pending


def default_manager() -> Any:
    """The thread-local ``transaction.manager`` (Zope's, Plone's and pyramid_tm's default)."""
    try:
        import transaction
    except ImportError as exc:
        raise RestishError("after_commit needs the transaction package: pip install 'restish[transaction]'") from exc
    return transaction.manager
