"""Memory of ``.iterate()`` over many pages, and speed of ``concurrently()``.

Both run against the loopback ``PagingServer`` of the tests (tests/paging_server.py),
in this process, which makes its pages on the fly.

1. ``iterate``: ``--items`` items (default 100,000) in pages of ``--per-page``
   (default 100) through ``.iterate()``, counted and dropped. It runs in a fresh
   subprocess that imports everything and iterates one small listing first,
   then reports how far its peak resident set grew (Linux: the peak is reset
   through ``/proc/self/clear_refs`` and read from ``VmHWM``; elsewhere
   ``ru_maxrss``). For scale, the same run keeping every item in a list.
2. ``concurrently``: ``--calls`` GETs (default 64) of an endpoint that sleeps
   ``--ms`` (default 20) milliseconds, sequential and with ``--workers`` (default 8),
   through restish and through raw requests with a ``ThreadPoolExecutor``, in
   the same run, interleaved over ``--repeat`` rounds (median).

    python bench/paging.py
    python bench/paging.py --items 20000 --repeat 3
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Dict, List

from common import TESTS  # puts the restish to time on sys.path
from transfer import _baseline_kib, _peak_kib  # the same peak-RSS measure as the transfer bench

sys.path.insert(1, TESTS)

import requests  # noqa: E402 - after the path set-up, like restish

import restish  # noqa: E402
from paging_server import PagingServer  # noqa: E402

MiB = 1 << 20
GROWTH_TARGET = 16 * MiB
SPEEDUP_TARGET = 7.0


# --------------------------------------------------------------------------
# 1. iterate, in a child process


def child(url: str, items: int, per_page: int, keep: bool) -> None:
    """Iterate once, print ``{"growth": bytes, "seen": n, "seconds": s}`` as one JSON line."""
    import gc

    api = restish.Client(url, resources={"/page": {"methods": ["GET"], "paginate": {"style": "page"}}})
    listing = api.page.iterate
    sum(1 for _ in listing(total=per_page * 2, per_page=per_page))  # warm: imports, pool, caches
    gc.collect()
    baseline = _baseline_kib()
    started = time.perf_counter()
    pages = listing(total=items, per_page=per_page)
    seen = len(list(pages)) if keep else sum(1 for _ in pages)
    elapsed = time.perf_counter() - started
    print(json.dumps({"growth": (_peak_kib() - baseline) * 1024, "seen": seen, "seconds": elapsed}))


def run_child(url: str, items: int, per_page: int, keep: bool) -> dict:
    command = [sys.executable, os.path.abspath(__file__), "--child", url,
               "--items", str(items), "--per-page", str(per_page)] + (["--keep"] if keep else [])
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"iterate child failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["seen"] != items:
        raise SystemExit(f"iterate saw {result['seen']} of {items} items")
    return result


# --------------------------------------------------------------------------
# 2. concurrently against a sleeping endpoint


def cases(url: str, calls: int, workers: int, ms: int) -> Dict[str, Callable[[], object]]:
    api = restish.Client(url, resources=None)
    session = requests.Session()  # its pool (10 a host) is already >= 8 workers
    target = f"{url}/sleep?ms={ms}"

    def restish_call() -> object:
        return api.sleep.get(ms=ms)

    def raw_call() -> object:
        response = session.get(target)
        response.raise_for_status()
        return response.json()

    def raw_pool() -> list:
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(lambda _: raw_call(), range(calls)))

    return {
        "restish sequential": lambda: [restish_call() for _ in range(calls)],
        "restish concurrently": lambda: api.concurrently([restish_call] * calls, workers=workers),
        "requests sequential": lambda: [raw_call() for _ in range(calls)],
        "requests + ThreadPoolExecutor": raw_pool,
    }


def time_cases(server: PagingServer, calls: int, workers: int, ms: int, repeat: int) -> Dict[str, dict]:
    runs = cases(server.url, calls, workers, ms)
    for run in runs.values():
        run()  # warm-up: connections opened, the pool grown
    seconds: Dict[str, List[float]] = {name: [] for name in runs}
    in_flight: Dict[str, int] = {}
    names = list(runs)
    for round_ in range(repeat):
        for name in names[round_ % len(names):] + names[: round_ % len(names)]:
            server.reset_stats()
            started = time.perf_counter()
            results = runs[name]()
            seconds[name].append(time.perf_counter() - started)
            in_flight[name] = max(in_flight.get(name, 0), server.stats()["max_in_flight"])
            failed = [r for r in results if isinstance(r, Exception)]
            if failed:
                raise SystemExit(f"{name}: {failed[0]!r}")
    return {name: {"seconds": statistics.median(s), "in_flight": in_flight[name]} for name, s in seconds.items()}


# --------------------------------------------------------------------------
# Report


def report(memory: Dict[str, dict], items: int, per_page: int, speed: Dict[str, dict],
           calls: int, workers: int, ms: int) -> str:
    lines = [f"iterate {items:,} items in pages of {per_page} (fresh subprocess)",
             f"{'case':<32} {'peak RSS growth':>16} {'seconds':>8}"]
    for name, figures in memory.items():
        lines.append(f"{name:<32} {figures['growth'] / MiB:>12.1f} MiB {figures['seconds']:>8.2f}")
    growth = memory["restish .iterate()"]["growth"]
    lines += [f"growth {growth / MiB:.1f} MiB (target < {GROWTH_TARGET // MiB} MiB: "
              f"{'ok' if growth < GROWTH_TARGET else 'OVER'})", "",
              f"{calls} GETs of /sleep?ms={ms}, {workers} workers (median)",
              f"{'case':<32} {'seconds':>8} {'max in flight':>14}"]
    for name, figures in speed.items():
        lines.append(f"{name:<32} {figures['seconds']:>8.3f} {figures['in_flight']:>14}")
    ours = speed["restish sequential"]["seconds"] / speed["restish concurrently"]["seconds"]
    raw = speed["requests sequential"]["seconds"] / speed["requests + ThreadPoolExecutor"]["seconds"]
    lines.append(f"speed-up: restish {ours:.2f}x, raw requests {raw:.2f}x "
                 f"(target >= {SPEEDUP_TARGET}: {'ok' if ours >= SPEEDUP_TARGET else 'UNDER'})")
    return "\n".join(lines)


def main(argv: List[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000, help="items to iterate; default 100000")
    parser.add_argument("--per-page", type=int, default=100, help="items a page; default 100")
    parser.add_argument("--calls", type=int, default=64, help="GETs per concurrency case; default 64")
    parser.add_argument("--workers", type=int, default=8, help="threads for the concurrent cases; default 8")
    parser.add_argument("--ms", type=int, default=20, help="how long the endpoint sleeps; default 20")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of the concurrency cases; default 5")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.items, args.per_page, args.keep)
        return
    with PagingServer() as server:
        memory = {"restish .iterate()": run_child(server.url, args.items, args.per_page, False),
                  "list(.iterate()) (keeps all)": run_child(server.url, args.items, args.per_page, True)}
        speed = time_cases(server, args.calls, args.workers, args.ms, args.repeat)
    if args.json:
        print(json.dumps({"iterate": memory, "concurrently": speed}, indent=2))
    else:
        print(report(memory, args.items, args.per_page, speed, args.calls, args.workers, args.ms))


if __name__ == "__main__":
    main()
