"""The ``restish`` command: one-shot calls and the subcommands (``shell``, ``routes``, ``demo``...).

Only argparse is imported here, so that ``restish --help`` and ``--version`` start
fast; each subcommand imports what it needs (requests, yaml, the client) when
it runs. A subcommand is one entry of :data:`SUBCOMMANDS`: its name, a one-line
summary, a function building its parser, and one running it.

Exit codes: 0 success, 1 the server answered 4xx/5xx, 2 usage or map error,
3 transport error, 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, NamedTuple, Sequence

from ..errors import RestishError
from .common import INTERRUPTED, OK, Parser, UsageError, exit_code, printable
from .options import client_options

__all__ = ["main", "UsageError", "exit_code", "Subcommand", "SUBCOMMANDS"]


class Subcommand(NamedTuple):
    """``restish NAME ...``: ``build()`` makes its parser, ``run(args)`` returns the exit code."""

    summary: str
    build: Callable[[], argparse.ArgumentParser]
    run: Callable[[argparse.Namespace], int]


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
        print(f"restish: {printable(str(exc))}", file=sys.stderr)
        return exit_code(exc)


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] in SUBCOMMANDS:
        command = SUBCOMMANDS[argv[0]]
        return command.run(command.build().parse_args(argv[1:]))
    from .options import call_parser
    summaries = "".join(f"  {name:<18} {command.summary}\n" for name, command in SUBCOMMANDS.items())
    args = call_parser(summaries).parse_intermixed_args(argv)
    from .call import run_call
    return run_call(args, sorted(SUBCOMMANDS))


def _shell_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="restish shell", description="An interactive session with `api` bound.")
    parser.add_argument("url_arg", metavar="URL", nargs="?", help="base URL (default: --url, $RESTISH_URL)")
    parser.add_argument("--url", help="base URL, as the URL argument")
    client_options(parser)
    parser.add_argument("--plain", action="store_true",
                        help="the stdlib REPL even when IPython is installed (also: RESTISH_SHELL=python)")
    return parser


def _routes_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="restish routes", description="The map as a table: route, verbs, RPC names, doc.")
    parser.add_argument("--resources", metavar="F", help="endpoint map (default: the bundled map)")
    return parser


def _demo_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="restish demo", description="Serve the demo API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    parser.add_argument("--tour", action="store_true", help="run a scripted session against it and exit")
    return parser


def _openapi_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="restish openapi",
                    description="Print the resources.yaml built from an OpenAPI / Swagger document.")
    parser.add_argument("spec", metavar="SPEC", help="path or URL of the document")
    return parser


def _stubs_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="restish stubs",
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
    if args.url_arg and args.url and args.url_arg != args.url:
        raise UsageError(f"two URLs: {args.url_arg!r} and --url {args.url!r}; give one")
    args.url = args.url_arg or args.url
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


SUBCOMMANDS: dict[str, Subcommand] = {
    "shell": Subcommand("interactive session with `api` bound, tab completion over the map",
                        _shell_parser, _run_shell),
    "routes": Subcommand("the map as a table: route, verbs, RPC names, doc", _routes_parser, _run_routes),
    "demo": Subcommand("serve the demo API on 127.0.0.1 (or run a scripted tour)", _demo_parser, _run_demo),
    "openapi": Subcommand("print the resources.yaml built from an OpenAPI document", _openapi_parser, _run_openapi),
    "stubs": Subcommand("print a typing stub (.pyi) of the map for editors and mypy", _stubs_parser, _run_stubs),
}
