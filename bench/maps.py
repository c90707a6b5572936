"""Big endpoint maps: route resolution from 10 to 100k routes, loading a 100k-route
YAML map (time and memory), and the cost of a typo's suggestion among 100k siblings.

- resolution: ``client.r<i>['x'].sub<j>`` in synthetic maps of 10 to 100,000
  routes (``/r{i}/{id}/sub{j}``, ten ``sub`` per ``r``), nanoseconds per
  navigation, interleaved; the ratio 100k/10 should stay near 1.
- load: ``restish.Client(url, resources=<100k-route YAML file>)`` in a fresh
  subprocess: seconds, the growth of the peak resident set, and what stays
  resident while the client lives (the same peak-RSS measure as transfer.py).
- typo: ``getattr(api, <misspelt name>)`` at a level with 100,000 fixed
  siblings, until the ``UnknownResource`` with its "did you mean" arrives, in
  microseconds; two kinds of siblings: numbered (``item54321``) and words
  with a number (``activities_2500``). The suggestion is shown too.

    python bench/maps.py
    python bench/maps.py --rounds 5 --json
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from typing import Dict, List, Optional

from common import arguments, interleaved, show
from transfer import _baseline_kib, _peak_kib  # the same resident-set measure

BASE = "http://127.0.0.1:9"
SIZES = (10, 1_000, 10_000, 100_000)
BIG = 100_000
WORDS = ("people", "activities", "contexts", "comments", "likes", "favorites", "subscriptions",
         "admin", "security", "avatar", "follows", "tags", "users", "groups", "posts", "files",
         "conversations", "messages", "devices", "tokens")
MiB = 1 << 20


def synthetic_map(size: int) -> Dict[str, dict]:
    """``size`` routes ``/r{i}/{id}/sub{j}``, ten ``sub`` per ``r``."""
    return {f"/r{i}/{{id}}/sub{j}": {"methods": ["GET"]} for i, j in (divmod(k, 10) for k in range(size))}


def resolution(rounds: int, batch: int) -> dict:
    """Median ns to resolve ``client.r<i>['x'].sub<j>``, and the seconds each map took to build."""
    import restish
    navigations, built = {}, {}
    for size in SIZES:
        i, j = (size // 10) // 2, min(5, size - 1)
        started = time.perf_counter()
        client = restish.Client(BASE, resources=synthetic_map(size))
        built[size] = time.perf_counter() - started
        navigate = (lambda c=client, a=f"r{i}", b=f"sub{j}": getattr(getattr(c, a)["x"], b))
        assert navigate().path.endswith(f"/r{i}/x/sub{j}"), navigate().path
        navigations[size] = navigate
    medians = interleaved(navigations, rounds, batch)
    return {"ns": {str(size): medians[size]["wall"] for size in SIZES},
            "ratio": medians[SIZES[-1]]["wall"] / medians[SIZES[0]]["wall"],
            "build_s": {str(size): seconds for size, seconds in built.items()}}


def siblings(kind: str) -> List[str]:
    if kind == "numbered":
        return [f"item{i}" for i in range(BIG)]
    return [f"{WORDS[i % len(WORDS)]}_{i // len(WORDS)}" for i in range(BIG)]


TYPOS = {"numbered": "itme54321", "words": "activites_2500"}  # two letters swapped; one left out


def typo_cost(rounds: int) -> dict:
    """Microseconds from a misspelt attribute to its UnknownResource, per kind of siblings."""
    import restish
    out = {}
    for kind, typo in TYPOS.items():
        api = restish.Client(BASE, resources={f"/{name}": {"methods": ["GET"]} for name in siblings(kind)})
        times, message = [], ""
        for _ in range(rounds + 1):  # the first one builds whatever is cached; shown apart
            started = time.perf_counter()
            try:
                getattr(api, typo)
            except restish.UnknownResource as exc:
                message = str(exc)
            times.append(time.perf_counter() - started)
        out[kind] = {"typo": typo, "first_us": times[0] * 1e6, "us": statistics.median(times[1:]) * 1e6,
                     "message": message}
    return out


def load_child(path: str, traced: bool) -> None:
    """Load the map at ``path`` once; print one JSON line.

    Timed (``traced`` false): seconds and the growth of the peak resident set.
    Traced: the bytes of the allocations still held once the map is loaded
    (tracemalloc slows the load, so its time is not taken).
    """
    import restish
    import restish.routes  # noqa: F401 - imported before the baseline
    gc.collect()
    if traced:
        tracemalloc.start()
        api = restish.Client(BASE, resources=path, defaults=None)
        gc.collect()
        print(json.dumps({"kept": tracemalloc.get_traced_memory()[0], "routes": len(api.routes.routes)}))
        return
    baseline = _baseline_kib()
    started = time.perf_counter()
    api = restish.Client(BASE, resources=path, defaults=None)
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "peak_growth": (_peak_kib() - baseline) * 1024,
                      "routes": len(api.routes.routes)}))


def _child(path: str, traced: bool) -> dict:
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", path] + ["--traced"] * traced,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"load child failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def load_big(rounds: int) -> dict:
    """Load time and memory of a 100k-route YAML map, each round in a fresh subprocess."""
    import yaml
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "resources.yaml")
        with open(path, "w") as out:
            yaml.safe_dump(synthetic_map(BIG), out, default_flow_style=None, sort_keys=False)
        runs = [_child(path, False) for _ in range(rounds)]
        kept = _child(path, True)["kept"]
        size = os.path.getsize(path)
    return {"bytes": size, "routes": runs[0]["routes"],
            "seconds": statistics.median(run["seconds"] for run in runs),
            "peak_growth": max(run["peak_growth"] for run in runs), "kept": kept}


def print_table(result: dict) -> None:
    res = result["resolution"]
    print("route resolution: client.r<i>['x'].sub<j>")
    print(f"{'routes':>7}  {'ns/resolution':>13}  {'map built in':>12}")
    for size, ns in res["ns"].items():
        print(f"{int(size):>7,}  {ns:>13.0f}  {res['build_s'][size] * 1000:>9.0f} ms")
    print(f"ratio 100k/10: {res['ratio']:.2f}")
    load = result["load"]
    print(f"\n100k-route YAML map ({load['bytes'] / MiB:.1f} MiB, {load['routes']:,} routes): "
          f"{load['seconds']:.2f} s, peak +{load['peak_growth'] / MiB:.0f} MiB, "
          f"kept {load['kept'] / MiB:.0f} MiB")
    print(f"\ntypo at a level with {BIG:,} siblings (target under 1 ms)")
    for kind, figures in result["typo"].items():
        print(f"{kind:>9}: {figures['typo']!r} {figures['us']:>8.0f} us (first {figures['first_us']:.0f} us)"
              f"  -> {figures['message'].split('did you mean', 1)[-1].strip()[:70]}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = arguments(__doc__, rounds=9, batch=1000, what="navigations")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        load_child(args.child, args.traced)
        return 0
    result = {"resolution": resolution(args.rounds, args.batch), "typo": typo_cost(args.rounds),
              "load": load_big(min(args.rounds, 3))}
    return show(result, args.json, print_table)


if __name__ == "__main__":
    sys.exit(main())
