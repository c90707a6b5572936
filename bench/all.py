"""Every bench, one after the other, their figures side by side in one table.

Each bench runs as its own process with ``--json`` and a minimal environment
(``env -i``: no variables at all for overhead.py, whose figures compare with
requests, which reads the whole environment on every call; only ``PATH``
for the others). The table gives each figure as a ratio where one is
meaningful, with the goal of issue 16 beside it. Nothing here is asserted:
the figures are for reading.

``--before DIR`` times the restish of another checkout too (made, say, with
``git worktree add /tmp/before <commit>``), with these same benches, each
bench run for both trees in turn: the table then has a before and an after
column.

    python bench/all.py                       # about 3 minutes
    python bench/all.py --quick               # fewer rounds, 64 MiB transfers
    python bench/all.py --before /tmp/before --quick
    python bench/all.py --only overhead,loopback --json
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Callable, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))

# bench -> (arguments, quick arguments)
BENCHES: Dict[str, Tuple[List[str], List[str]]] = {
    "overhead": ([], ["--rounds", "9"]),
    "loopback": ([], ["--rounds", "9"]),
    "openapi_load": ([], ["--rounds", "3"]),
    "maps": ([], ["--rounds", "3"]),
    "paging": ([], ["--items", "20000", "--repeat", "3"]),
    "transfer": (["--size", "256M"], ["--size", "64M", "--repeat", "1"]),
    "startup": ([], ["--runs", "9"]),
    "cli": (["--size", "256M"], ["--size", "64M", "--repeat", "1", "--runs", "9"]),
}


def run_bench(name: str, args: List[str], tree: Optional[str]) -> Optional[dict]:
    env = {} if name == "overhead" else {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if tree:
        env["RESTISH_TREE"] = tree
    done = subprocess.run([sys.executable, os.path.join(HERE, f"{name}.py"), *args, "--json"],
                          capture_output=True, text=True, env=env, cwd=os.path.dirname(HERE), timeout=3600)
    if done.returncode != 0:
        print(f"{name} failed ({'before' if tree else 'after'}):\n{done.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout[done.stdout.index("{"):])


def _row(rows: list, name: str, field: str = "us_per_call") -> Optional[float]:
    return next((row[field] for row in rows if row["name"] == name), None)


def _ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


# Each figure: (label, goal, function of that bench's JSON)
Figure = Tuple[str, str, Callable[[dict], Optional[float]]]


def _case(field: str, case: str) -> Callable[[dict], Optional[float]]:
    return lambda r: r["results"].get(case, {}).get(field)


FIGURES: Dict[str, List[Figure]] = {
    "overhead": [
        ("in-process GET: restish / requests Session (env -i)", "<= 0.35",
         lambda r: _ratio(_row(r["calls"], "restish GET"), _row(r["calls"], "requests GET"))),
        ("in-process GET, a new item each call: restish / requests", "",
         lambda r: _ratio(_row(r["calls"], "restish GET, a new item each call"), _row(r["calls"], "requests GET"))),
        ("in-process GET: restish / httpx MockTransport", "<= 1.0",
         lambda r: _ratio(_row(r["calls"], "restish GET"), _row(r["calls"], "httpx GET (MockTransport)"))),
        ("in-process POST: restish / requests Session", "",
         lambda r: _ratio(_row(r["calls"], "restish POST"), _row(r["calls"], "requests POST"))),
        ("in-process GET: restish / requests trust_env=False", "",
         lambda r: _ratio(_row(r["calls"], "restish GET"), _row(r["calls"], "requests GET trust_env=False"))),
        ("in-process GET: raw http.client / requests Session", "(floor)",
         lambda r: _ratio(_row(r["calls"], "http.client GET (raw)"), _row(r["calls"], "requests GET"))),
        ("in-process GET: restish us/call (CPU)", "", lambda r: _row(r["calls"], "restish GET")),
    ],
    "loopback": [
        ("loopback GET wall: restish / raw http.client", "<= 2.0", lambda r: _row(r["calls"], "restish", "wall_vs_raw")),
        ("loopback GET CPU: restish / raw http.client", "", lambda r: _row(r["calls"], "restish", "cpu_vs_raw")),
        ("loopback GET wall: requests / raw http.client", "",
         lambda r: _row(r["calls"], "requests Session", "wall_vs_raw")),
        ("loopback GET wall: httpx / raw http.client", "", lambda r: _row(r["calls"], "httpx Client", "wall_vs_raw")),
        ("loopback GET wall: urllib3 pool / raw http.client", "",
         lambda r: _row(r["calls"], "urllib3 pool", "wall_vs_raw")),
    ],
    "openapi_load": [
        ("from_openapi(GitHub) / json.load", "<= 4", lambda r: r["ratio"]),
        ("from_openapi(GitHub) routes", "same", lambda r: r["routes"]),
        ("from_openapi(GitHub) RPC names", "same", lambda r: r["names"]),
    ],
    "maps": [
        ("route resolution 100k / 10 routes", "~ 1", lambda r: r["resolution"]["ratio"]),
        ("map of 100k routes from a dict, seconds", "", lambda r: r["resolution"]["build_s"]["100000"]),
        ("100k-route YAML map: load seconds", "", lambda r: r["load"]["seconds"]),
        ("100k-route YAML map: MiB kept", "", lambda r: r["load"]["kept"] / (1 << 20)),
        ("100k-route YAML map: MiB peak growth", "", lambda r: r["load"]["peak_growth"] / (1 << 20)),
        ("typo among 100k numbered siblings, us", "< 1000", lambda r: r["typo"]["numbered"]["us"]),
        ("typo among 100k word siblings, us", "< 1000", lambda r: r["typo"]["words"]["us"]),
    ],
    "paging": [
        ("concurrently() speed-up: restish", "> requests'",
         lambda r: _ratio(r["concurrently"]["restish sequential"]["seconds"],
                          r["concurrently"]["restish concurrently"]["seconds"])),
        ("ThreadPoolExecutor speed-up: requests", "",
         lambda r: _ratio(r["concurrently"]["requests sequential"]["seconds"],
                          r["concurrently"]["requests + ThreadPoolExecutor"]["seconds"])),
        ("iterate() memory growth, MiB", "flat", lambda r: r["iterate"]["restish .iterate()"]["growth"] / (1 << 20)),
    ],
    "transfer": [
        ("upload memory growth, MiB (restish)", "flat", lambda r: _case("growth", "restish-up")(r) / (1 << 20)),
        ("download memory growth, MiB (restish)", "flat", lambda r: _case("growth", "restish-down")(r) / (1 << 20)),
    ],
    "startup": [
        ("restish --help / import requests", "< 1",
         lambda r: _ratio(r.get("python -m restish --help"), r.get("python -c 'import requests'"))),
    ],
    "cli": [
        ("restish -o FILE GET: memory growth, MiB", "< 64",
         lambda r: r["downloads"]["restish -o FILE GET (the command)"]["growth"] / (1 << 20)),
        ("restish -o FILE GET / stream_to=: CPU", "~ 1",
         lambda r: _ratio(r["downloads"]["restish -o FILE GET (the command)"]["cpu_s"],
                          r["downloads"]["Client.get(stream_to=) (a script)"]["cpu_s"])),
        ("restish --version / http --version", "< 1",
         lambda r: _ratio(r["startup_ms"].get("restish --version"), r["startup_ms"].get("http --version (httpie)"))),
    ],
}


def _shown(value: Optional[float]) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller transfers")
    parser.add_argument("--before", help="another checkout whose restish to time too (before column)")
    parser.add_argument("--spec", help="the GitHub description for openapi_load (default: tests/data's)")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(BENCHES)}")
    parser.add_argument("--json", action="store_true", help="print every bench's JSON instead of the table")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else list(BENCHES)
    unknown = [name for name in names if name not in BENCHES]
    if unknown:
        parser.error(f"unknown bench {', '.join(unknown)}")
    trees = {"after": None} if not args.before else {"before": os.path.abspath(args.before), "after": None}
    results: Dict[str, Dict[str, Optional[dict]]] = {}
    for name in names:
        bench_args = BENCHES[name][1 if args.quick else 0]
        if name == "openapi_load" and args.spec:
            bench_args = [*bench_args, "--spec", os.path.abspath(args.spec)]
        results[name] = {label: run_bench(name, bench_args, tree) for label, tree in trees.items()}
        print(f"{name}: done", file=sys.stderr)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    width = max(len(label) for name in names for label, _, _ in FIGURES[name])
    print(f"{'figure':<{width}}  {'goal':>11}  " + "  ".join(f"{label:>8}" for label in trees))
    for name in names:
        for label, goal, figure in FIGURES[name]:
            values = []
            for tree in trees:
                try:
                    values.append(_shown(figure(results[name][tree])) if results[name][tree] else "failed")
                except (KeyError, TypeError):
                    values.append("-")
            print(f"{label:<{width}}  {goal:>11}  " + "  ".join(f"{value:>8}" for value in values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
