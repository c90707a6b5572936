"""The options of a one-shot call, ``restish [options] METHOD PATH [ITEM ...]`` (argparse only)."""
from __future__ import annotations

import argparse
import os

from ..version import __version__
from .common import VERBS, Parser

__all__ = ["call_parser", "client_options", "map_options", "USAGE"]

USAGE = "restish [options] METHOD PATH [ITEM ...]\n       restish SUBCOMMAND ... (each has --help)"
ITEMS_HELP = """\
items (httpie's syntax):
  key=value         a string field          key:=json        a raw JSON value
  key=@file         the file's text         key:=@file.json  JSON read from a file
  key==value        a query parameter       Header:value     a request header (Header: unsets it)
  field@path        a file to upload (multipart; field 'file' is upload_file)
  Fields are the JSON body of POST/PUT/PATCH/DELETE (key_subkey nests as the map
  knows) and the query of GET/HEAD/OPTIONS. A backslash escapes a separator.
  With no body fields, a body piped on stdin is sent (--data @- too).
PATH: people/alice, /people/alice?limit=5, or a full URL (one outside --url is
  called without a map).
environment: RESTISH_URL, RESTISH_TOKEN, RESTISH_USER, NO_COLOR, XDG_CONFIG_HOME.
exit codes: 0 ok, 1 server answered 4xx/5xx, 2 usage or map error, 3 transport error."""


def map_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--resources", metavar="F", help="endpoint map (resources.yaml); default: the bundled map")
    group.add_argument("--no-map", action="store_true", help="permissive mode: any path, any verb")
    parser.add_argument("--defaults", metavar="F", help="default payloads (defaults.yaml)")


def client_options(parser: argparse.ArgumentParser) -> None:
    """The options that make the Client: map, auth and headers (one-shot calls and the shell)."""
    map_options(parser)
    parser.add_argument("--token", help="Bearer token; with --user, MAX OAuth headers (default: $RESTISH_TOKEN)")
    parser.add_argument("--user", help="name:password for Basic auth, or name to be asked the password "
                                       "(default: $RESTISH_USER)")
    parser.add_argument("--login", action="store_true", help="log in as --user (OAuth2 password grant) first")
    parser.add_argument("--token-url", metavar="URL",
                        help="the token endpoint for --login (default: found through GET /info)")
    parser.add_argument("-H", "--header", action="append", default=[], metavar="'NAME: VALUE'",
                        help="extra request header (repeatable)")


def call_parser(subcommands: str) -> argparse.ArgumentParser:
    """The parser of a one-shot call; ``subcommands`` is the epilog's list of them."""
    parser = Parser(prog="restish", usage=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter,
                    description="Call a REST API described by a map, from the command line.",
                    epilog=f"subcommands:\n{subcommands}\n{ITEMS_HELP}")
    parser.add_argument("words", nargs="*", metavar="METHOD PATH [ITEM ...]",
                        help=" ".join(VERBS) + " (any case), the path, then items")
    parser.add_argument("--version", action="version", version=f"restish {__version__}")
    parser.add_argument("--url", help="base URL (default: $RESTISH_URL)")
    client_options(parser)
    _request_options(parser)
    _transport_options(parser)
    _output_options(parser)
    return parser


def _request_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--qs", action="append", default=[], metavar="K=V",
                        help="query parameter (repeatable; a repeated key sends a list); same as K==V")
    parser.add_argument("--file", action="append", default=[], metavar="FIELD=PATH",
                        help="upload a file in multipart field FIELD (repeatable); same as FIELD@PATH")
    parser.add_argument("--data", metavar="JSON|@FILE|@-", help="send exactly this JSON body (@-: stdin as is)")
    parser.add_argument("--form", action="store_true",
                        help="fields as a form body (x-www-form-urlencoded; multipart with files)")
    expand = parser.add_mutually_exclusive_group()
    expand.add_argument("--expand", dest="expand", action="store_true", default=None,
                        help="split every key_subkey into nested objects")
    expand.add_argument("--no-expand", dest="expand", action="store_false",
                        help="send every field as named (no key_subkey nesting)")
    parser.add_argument("--ignore-stdin", action="store_true", help="never read a body from stdin")
    parser.add_argument("--session", metavar="NAME",
                        help="keep cookies and the login token for this host under NAME, reused by later calls")


def _transport_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                        help="connect and read timeout (default: 5 s to connect, 30 s to read)")
    parser.add_argument("--retries", type=_count, metavar="N",
                        help="retries of idempotent calls on connection errors, 429 and 502-504 (default: 3)")
    parser.add_argument("--verify", type=_verify, metavar="yes|no|CA_PATH",
                        help="TLS certificate checks: yes (default), no, or a CA bundle file or directory")


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="every request (with its body) and response on stderr, secrets masked")
    parser.add_argument("-p", "--print", dest="print", metavar="HBhb",
                        help="what to print on stdout: H request headers, B request body, "
                             "h response headers, b response body (default: b)")
    parser.add_argument("--raw", action="store_true", help="write the response body as is")
    parser.add_argument("--download", "-d", action="store_true",
                        help="stream the body to a file named after the answer (progress bar on a terminal)")
    parser.add_argument("-o", "--output", metavar="FILE", help="stream the body to FILE (implies --download)")
    parser.add_argument("--all", action="store_true",
                        help="follow pagination: every item of every page, one JSON item a line")
    parser.add_argument("--dry-run", action="store_true", help="print the curl command, send nothing")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text!r}")
    return value


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number (0 or more), not {text!r}")
    return int(text)


def _verify(text: str) -> bool | str:
    """yes / no (true / false) as booleans, or the path of an existing CA bundle file or directory."""
    word = text.lower()
    if word in ("yes", "true"):
        return True
    if word in ("no", "false"):
        return False
    if not text or not os.path.exists(text):
        raise argparse.ArgumentTypeError(f"use yes, no, or an existing CA bundle file or directory, not {text!r}")
    return text
