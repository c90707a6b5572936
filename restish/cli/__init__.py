"""The ``restish`` command: one-shot calls, ``shell``, ``routes``, ``demo``, ``openapi``.

Only argparse is imported here, so that ``restish --help`` starts fast; each
subcommand imports what it needs (requests, yaml, the client) when it runs.

Exit codes: 0 success, 1 the server answered 4xx/5xx, 2 usage or map error,
3 transport error, 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, Sequence

from ..errors import DecodeError, LoginError, RequestError, RestishError, TransportError

__all__ = ["main", "UsageError"]

OK, SERVER_ERROR, USAGE, TRANSPORT, INTERRUPTED = 0, 1, 2, 3, 130
VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class UsageError(RestishError):
    """Bad command-line input: exit code 2, one line on stderr."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) that main() turns into exit code 2."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see {self.prog} --help)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code (never raises, never prints a traceback
    for a user error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(argv)
    except SystemExit as exc:  # --help and --version: argparse exits 0
        return exc.code if isinstance(exc.code, int) else OK
    except KeyboardInterrupt:
        print("restish: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # `restish ... | head`: the reader left early; nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so exit's flush is quiet
        return OK
    except RestishError as exc:
        print(f"restish: {exc}", file=sys.stderr)
        return exit_code(exc)


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


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] in _SUBCOMMANDS:
        build, run = _SUBCOMMANDS[argv[0]]
        return run(build().parse_args(argv[1:]))
    args = _call_parser().parse_intermixed_args(argv)
    from .call import run_call
    return run_call(args)


def _map_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--resources", metavar="F", help="endpoint map (resources.yaml); default: the bundled map")
    group.add_argument("--no-map", action="store_true", help="permissive mode: any path, any verb")
    parser.add_argument("--defaults", metavar="F", help="default payloads (defaults.yaml)")


def _client_options(parser: argparse.ArgumentParser) -> None:
    """The options that make the Client: map, auth and headers (one-shot calls and the shell)."""
    _map_options(parser)
    parser.add_argument("--token", help="Bearer token; with --user, MAX OAuth headers (default: $RESTISH_TOKEN)")
    parser.add_argument("--user", help="name:password for Basic auth, or name to be asked the password "
                                       "(default: $RESTISH_USER)")
    parser.add_argument("--login", action="store_true", help="log in as --user (OAuth2 password grant) first")
    parser.add_argument("--token-url", metavar="URL",
                        help="the token endpoint for --login (default: found through GET /info)")
    parser.add_argument("-H", "--header", action="append", default=[], metavar="'NAME: VALUE'",
                        help="extra request header (repeatable)")


def _call_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="restish", formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="restish [options] METHOD PATH [key=value | key:=json ...]\n"
              "       restish {shell,routes,demo,openapi,stubs} ... (each has --help)",
        description="Call a REST API described by a map, from the command line.",
        epilog="subcommands:\n"
               "  shell [URL]        interactive session with `api` bound, tab completion over the map\n"
               "  routes             the map as a table: route, verbs, RPC names, doc\n"
               "  demo [--tour]      serve the demo API on 127.0.0.1 (or run a scripted tour)\n"
               "  openapi SPEC       print the resources.yaml built from an OpenAPI document\n"
               "  stubs [--name N]   print a typing stub (.pyi) of the map for editors and mypy\n\n"
               "items: key=value is a string, key:=json a raw JSON value; key_subkey nests\n"
               "(body for POST/PUT/PATCH/DELETE, query for GET/HEAD/OPTIONS).\n"
               "environment: RESTISH_URL, RESTISH_TOKEN, RESTISH_USER.\n"
               "exit codes: 0 ok, 1 server answered 4xx/5xx, 2 usage or map error, 3 transport error.")
    parser.add_argument("method", metavar="METHOD", help=" ".join(VERBS) + " (any case)")
    parser.add_argument("path", metavar="PATH", help="e.g. people/alice/activities")
    parser.add_argument("items", metavar="ITEM", nargs="*", help="key=value or key:=json")
    parser.add_argument("--url", help="base URL (default: $RESTISH_URL)")
    _client_options(parser)
    parser.add_argument("--qs", action="append", default=[], metavar="K=V",
                        help="query parameter (repeatable; a repeated key sends a list)")
    parser.add_argument("--file", action="append", default=[], metavar="FIELD=PATH",
                        help="upload a file in multipart field FIELD (repeatable)")
    parser.add_argument("--data", metavar="JSON|@FILE", help="send exactly this JSON body")
    parser.add_argument("--raw", action="store_true", help="write the response body as is")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="request and response lines and headers on stderr (secrets masked)")
    parser.add_argument("--dry-run", action="store_true", help="print the curl command, send nothing")
    return parser


def _shell_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="restish shell", description="An interactive session with `api` bound.")
    parser.add_argument("url", metavar="URL", nargs="?", help="base URL (default: $RESTISH_URL)")
    _client_options(parser)
    parser.add_argument("--plain", action="store_true",
                        help="the stdlib REPL even when IPython is installed (also: RESTISH_SHELL=python)")
    return parser


def _routes_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="restish routes", description="The map as a table: route, verbs, RPC names, doc.")
    parser.add_argument("--resources", metavar="F", help="endpoint map (default: the bundled map)")
    return parser


def _demo_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="restish demo", description="Serve the demo API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    parser.add_argument("--tour", action="store_true", help="run a scripted session against it and exit")
    return parser


def _openapi_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="restish openapi",
                     description="Print the resources.yaml built from an OpenAPI / Swagger document.")
    parser.add_argument("spec", metavar="SPEC", help="path or URL of the document")
    return parser


def _stubs_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="restish stubs",
                     description="Print a typing stub (.pyi) describing the map, for editors and type checkers: "
                                 "save it as NAME.pyi (or any module name) and write "
                                 "`api: NAME = restish.Client(url)`.")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--resources", metavar="F", help="endpoint map (default: the bundled map)")
    group.add_argument("--openapi", metavar="SPEC", help="an OpenAPI / Swagger document (path or URL)")
    parser.add_argument("--name", default="Api", help="the class name of the client in the stub (default: Api)")
    return parser


def _run_stubs(args: argparse.Namespace) -> int:
    from ..stubs import stub_for
    sys.stdout.write(stub_for(args.resources, args.openapi, args.name))
    return OK


def _run_shell(args: argparse.Namespace) -> int:
    from .shell import run_shell
    return run_shell(args)


def _run_routes(args: argparse.Namespace) -> int:
    from .shell import run_routes
    return run_routes(args)


def _run_demo(args: argparse.Namespace) -> int:
    from ..demo.serve import run
    return run(args.port, args.tour, sys.stdout)


def _run_openapi(args: argparse.Namespace) -> int:
    from ..openapi import spec_to_yaml
    sys.stdout.write(spec_to_yaml(args.spec))
    return OK


_SUBCOMMANDS: dict[str, tuple[Callable[[], argparse.ArgumentParser], Callable[[argparse.Namespace], int]]] = {
    "shell": (_shell_parser, _run_shell),
    "routes": (_routes_parser, _run_routes),
    "demo": (_demo_parser, _run_demo),
    "openapi": (_openapi_parser, _run_openapi),
    "stubs": (_stubs_parser, _run_stubs),
}
