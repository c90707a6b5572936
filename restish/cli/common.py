"""What every part of the ``restish`` command shares: exit codes, verbs, UsageError.

Kept apart from ``restish.cli`` (which dispatches to the parts) so that the
parts import this module and never the package that imports them.
"""
from __future__ import annotations

import argparse

from ..errors import DecodeError, LoginError, RequestError, RestishError, TransportError

__all__ = ["OK", "SERVER_ERROR", "USAGE", "TRANSPORT", "INTERRUPTED", "VERBS", "UsageError", "Parser",
           "exit_code", "printable"]

OK, SERVER_ERROR, USAGE, TRANSPORT, INTERRUPTED = 0, 1, 2, 3, 130
VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class UsageError(RestishError):
    """Bad command-line input: exit code 2, one line on stderr."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) that main() turns into exit code 2."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see {self.prog} --help)")


def exit_code(exc: RestishError) -> int:
    """The exit code for an error: 1 the server said no, 3 no answer, 2 anything else.

    A login that got no answer (``LoginUnreachable``) is a ``TransportError``: 3.
    A refused or broken login is 1: the token endpoint answered.
    """
    if isinstance(exc, TransportError):
        return TRANSPORT
    if isinstance(exc, (RequestError, LoginError, DecodeError)):
        return SERVER_ERROR
    return USAGE


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\x1b``): a server's words in an error
    message must not move the cursor, recolour or clear the user's terminal."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
