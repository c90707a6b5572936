"""``restish shell`` (an interactive session with ``api`` bound) and ``restish routes``."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Iterable

from .common import OK

__all__ = ["run_shell", "run_routes", "routes_table"]


def run_shell(args: argparse.Namespace) -> int:
    """Open IPython (or the stdlib REPL with --plain, RESTISH_SHELL=python, or no
    IPython) with ``api`` and ``restish`` bound. Returns the exit code."""
    import restish
    from .connect import make_client
    api = make_client(args)
    namespace = {"api": api, "restish": restish}
    banner = f"restish shell: api = {api!r}\n{_hint(api)}"
    if not _plain(args):
        try:
            from IPython import start_ipython
        except ImportError:
            pass
        else:
            print(banner)
            # The extension completes the map after item access too: api.people['alice'].<TAB>
            start_ipython(argv=["--no-banner", "--ext=restish"], user_ns=namespace)
            return OK
    _interact(namespace, banner)
    return OK


def _hint(api: Any) -> str:
    """What to try first, in an order that works: log in first when no credentials were given."""
    first = next((name for name, node in api.routes.root.fixed.items()
                  if name.isidentifier() and node.route is not None and "GET" in node.route.methods), None)
    calls = ([] if api.auth is not None else ["api.login()"]) + ([f"api.{first}.get()"] if first else [])
    explore = [f"api.{first}.<TAB>" if first else "api.<TAB>",
               f"help(api.{next(iter(api.routes.rpc))})" if api.routes.rpc else "help(api)"]
    return "try: " + ", then ".join(calls) + ("; " if calls else "") + ", ".join(explore)


def _plain(args: argparse.Namespace) -> bool:
    return args.plain or os.environ.get("RESTISH_SHELL", "").lower() == "python"


def _interact(namespace: dict, banner: str) -> None:
    """code.interact with readline tab completion over ``namespace``, after item access too."""
    import code
    try:
        import readline
        import rlcompleter
    except ImportError:  # no readline (Windows): a REPL without completion still works
        pass
    else:
        from ..completion import ReadlineCompleter
        readline.set_completer(ReadlineCompleter(rlcompleter.Completer(namespace).complete, namespace))
        # macOS Python links libedit, which spells the binding differently.
        binding = "bind ^I rl_complete" if "libedit" in (readline.__doc__ or "") else "tab: complete"
        readline.parse_and_bind(binding)
    code.interact(banner=banner, local=namespace, exitmsg="")


def run_routes(args: argparse.Namespace) -> int:
    """Print the map (--resources, else the bundled one) as an aligned table."""
    from ..routes import bundled_path, load_map
    route_map = load_map(args.resources or bundled_path("resources.yaml"))
    sys.stdout.write(routes_table(route_map.routes.values()))
    return OK


def routes_table(routes: Iterable[Any]) -> str:
    """Route, verbs, RPC names and doc's first line, one route a line, columns aligned."""
    from ..routes import VERBS
    rows = [("ROUTE", "VERBS", "RPC NAMES", "DOC")]
    for route in routes:
        verbs = " ".join(v for v in VERBS if v in route.methods)
        names = ", ".join([*(route.names[v] for v in VERBS if v in route.names), *route.aliases])
        doc = (route.doc or "").strip().splitlines()[0] if route.doc else ""
        rows.append((route.template, verbs, names, doc))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    widths.append(0)  # the doc, last, is not padded
    return "".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n" for row in rows)
