"""What an HTTP header can carry: one check for every place a header is set
(``Client(headers=)``, a call's ``headers=``, auth objects, the command's ``-H``).

requests checks header values only for line breaks, and only before auth runs;
http.client then fails on a value outside Latin-1 with an error that quotes
the whole value. Messages here name the header and never show its value:
headers are where tokens and API keys travel.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from .errors import InvalidValue

__all__ = ["header_problem", "first_header_problem", "check_headers"]

_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 5.1: a token
_BAD_VALUE = re.compile(r"^\s|[\r\n\0]")  # RFC 9110 5.5; requests refuses leading whitespace too


def header_problem(name: Any, value: Any) -> str | None:
    """Why ``name: value`` cannot be sent, naming the header but not its value; None when it can."""
    text_name = name.decode("latin-1") if isinstance(name, bytes) else name
    if not isinstance(text_name, str) or not _NAME.fullmatch(text_name):  # match() lets "X-Key\n" pass
        return f"header {text_name!r}: not a valid header name"
    if not isinstance(value, (str, bytes)):
        return f"header {text_name!r}: its value must be a str or bytes, not {type(value).__name__} (value not shown)"
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    if _BAD_VALUE.search(text):
        return f"header {text_name!r}: its value has a line break, a NUL or leading whitespace (value not shown)"
    if not text.isascii():
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            return (f"header {text_name!r}: its value has characters outside Latin-1, which HTTP "
                    f"headers cannot carry; encode it first (value not shown)")
    return None


def first_header_problem(headers: Mapping[Any, Any]) -> str | None:
    """The problem of the first header in ``headers`` that cannot be sent, or None.

    A None value is skipped: it removes a header.
    """
    for name, value in headers.items():
        if value is not None:
            problem = header_problem(name, value)
            if problem:
                return problem
    return None


def check_headers(headers: Mapping[Any, Any], where: str = "") -> None:
    """Raise InvalidValue, ``where`` first, naming the first header that cannot be sent."""
    problem = first_header_problem(headers)
    if problem:
        raise InvalidValue(f"{where}: {problem}" if where else problem)
