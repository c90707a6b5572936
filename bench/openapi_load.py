"""``Client.from_openapi`` on GitHub's REST description, against a plain ``json.load`` of it.

The description (about 12 MiB of JSON, 800-odd paths) is read from
``tests/data`` (gzipped there; unpacked once into a temporary file) or from
``--spec``. Each round times ``json.load`` of the file and
``restish.Client.from_openapi(path)`` (read, parse, translate, compile),
interleaved; figures are medians. The routes and RPC names are counted and
digested (sha1 of the sorted ``VERB template name`` lines), so two runs, or
two versions of restish, can be checked to build the same map.

    python bench/openapi_load.py
    python bench/openapi_load.py --spec api.github.com.json --rounds 3 --json
"""
from __future__ import annotations

import glob
import gzip
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from typing import List, Optional

from common import TESTS, arguments, show

TARGET = 4.0  # from_openapi at most this many json.load


def find_spec() -> Optional[str]:
    """The GitHub description stored under tests/data, gzipped or not."""
    for pattern in ("*github*.json.gz", "*github*.json"):
        found = sorted(glob.glob(os.path.join(TESTS, "data", "**", pattern), recursive=True))
        if found:
            return found[0]
    return None


def names_digest(api) -> dict:
    """How many routes and RPC names the client's map has, and a digest of them all."""
    routes = api.routes
    lines = sorted(f"{verb} {route.template} {name}" for name, (route, verb) in routes.rpc.items())
    lines += sorted(f"route {template} {' '.join(sorted(route.methods))}" for template, route in routes.routes.items())
    return {"routes": len(routes.routes), "names": len(routes.rpc),
            "digest": hashlib.sha1("\n".join(lines).encode()).hexdigest()}


def run(spec: str, rounds: int) -> dict:
    import restish
    json_times: List[float] = []
    load_times: List[float] = []
    api = None
    for round_no in range(rounds):
        steps = ("json", "restish") if round_no % 2 == 0 else ("restish", "json")
        for step in steps:
            started = time.perf_counter()
            if step == "json":
                with open(spec, "rb") as file:
                    json.load(file)
                json_times.append(time.perf_counter() - started)
            else:
                api = restish.Client.from_openapi(spec)
                load_times.append(time.perf_counter() - started)
    plain, restish_s = statistics.median(json_times), statistics.median(load_times)
    return {"spec": os.path.basename(spec), "bytes": os.path.getsize(spec), "rounds": rounds,
            "json_load_s": plain, "from_openapi_s": restish_s, "ratio": restish_s / plain,
            "target": TARGET, **names_digest(api)}


def print_table(result: dict) -> None:
    print(f"OpenAPI load: {result['spec']} ({result['bytes'] / (1 << 20):.1f} MiB), "
          f"median of {result['rounds']} rounds")
    print(f"json.load             {result['json_load_s'] * 1000:8.0f} ms")
    print(f"Client.from_openapi   {result['from_openapi_s'] * 1000:8.0f} ms   "
          f"{result['ratio']:.1f}x json.load (target at most {result['target']:.0f}x)")
    print(f"{result['routes']} routes, {result['names']} RPC names, digest {result['digest']}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = arguments(__doc__, rounds=5)
    parser.add_argument("--spec", help="the description (JSON, may be gzipped); default: tests/data's")
    args = parser.parse_args(argv)
    spec = args.spec or find_spec()
    if spec is None:
        print("no GitHub description under tests/data; give --spec (npm pack @octokit/openapi has one)",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        if spec.endswith(".gz"):
            plain = os.path.join(scratch, os.path.basename(spec)[:-3])
            with gzip.open(spec, "rb") as packed, open(plain, "wb") as out:
                shutil.copyfileobj(packed, out)
            spec = plain
        result = run(spec, args.rounds)
    return show(result, args.json, print_table)


if __name__ == "__main__":
    sys.exit(main())
