"""Client-side cost per call: restish against plain requests and the small peers.

Every client is mounted on the same in-process adapter (:class:`CannedAdapter`),
which answers ``200 {"ok": true}`` without a socket, so what is timed is the
client's own work: building the URL and body, requests' session machinery,
decoding the answer. The clients are interleaved: each round times one batch
of calls per client, in a rotating order, and the figure reported is the
median over rounds of the mean cost per call in a batch.

A second part times route resolution (attribute and item navigation to a
proxy) in maps of 10, 1,000 and 10,000 routes.

    python bench/overhead.py                 # table on stdout
    python bench/overhead.py --json          # the same figures as JSON
    python bench/overhead.py --rounds 5      # quicker, noisier
"""
from __future__ import annotations

import argparse
import functools
import gc
import io
import json
import os
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional, Tuple

import requests
import requests.adapters
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import HTTPResponse

BASE = "http://127.0.0.1:9"  # port 9 (discard): nothing listens, so a client that missed the adapter fails loudly
URL = f"{BASE}/people/alice/activities"
BODY = b'{"ok": true}'
POST_JSON = {"object": {"objectType": "note", "content": "hi"}, "generator": "bench"}
MAP_DICT = {
    "/people/{username}/activities": {"methods": ["GET", "POST"]},
    "/people/{username}": {"methods": ["GET"]},
}
DEFAULTS_DICT = {"/people/{username}/activities": {"post": {"object": {"objectType": "note"}}}}
ROUTE_SIZES = (10, 1_000, 10_000)
# The working tree's restish, whether or not it is installed.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class CannedAdapter(requests.adapters.BaseAdapter):
    """A transport that answers every request with a canned JSON 200, no socket.

    The response is built the way ``HTTPAdapter.build_response`` builds one,
    around a fresh urllib3 ``HTTPResponse`` reading from memory, so the
    client's decoding path is the real one.
    """

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.calls += 1
        raw = HTTPResponse(
            body=io.BytesIO(BODY), headers={"Content-Type": "application/json", "Content-Length": str(len(BODY))},
            status=200, reason="OK", preload_content=False, decode_content=True,
        )
        response = requests.models.Response()
        response.status_code = raw.status
        response.headers = CaseInsensitiveDict(raw.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = raw
        response.reason = raw.reason
        response.url = request.url
        extract_cookies_to_jar(response.cookies, request, raw)
        response.request = request
        response.connection = self
        return response

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------
# The clients: each builder returns {row name: zero-argument call}


def requests_calls(adapter: CannedAdapter) -> Dict[str, Callable]:
    default = requests.Session()
    default.mount(BASE, adapter)
    no_env = requests.Session()
    no_env.trust_env = False
    no_env.mount(BASE, adapter)
    params = {"limit": 10}
    return {
        "requests GET": lambda: default.get(URL, params=params).json(),
        "requests POST": lambda: default.post(URL, json=POST_JSON).json(),
        "requests GET trust_env=False": lambda: no_env.get(URL, params=params).json(),
        "requests POST trust_env=False": lambda: no_env.post(URL, json=POST_JSON).json(),
    }


def peer_calls(adapter: CannedAdapter) -> Tuple[Dict[str, Callable], List[str]]:
    calls, notes = {}, []
    try:
        import tortilla
    except ImportError:
        notes.append("tortilla: not importable")
    else:
        api = tortilla.wrap(BASE)
        api._parent.session.mount(BASE, adapter)  # the root Wrap's parent is tortilla's Client
        calls["tortilla GET"] = lambda: api.people("alice").activities.get(params={"limit": 10})
    try:
        import slumber
    except ImportError:
        notes.append("slumber: not importable")
    else:
        session = requests.Session()
        session.mount(BASE, adapter)
        api_s = slumber.API(BASE, session=session, append_slash=False)
        calls["slumber GET"] = lambda: api_s.people("alice").activities.get(limit=10)
    try:
        import hammock
    except ImportError:
        notes.append("hammock: not importable")
    else:
        api_h = hammock.Hammock(BASE)
        api_h._session.mount(BASE, adapter)  # children are shallow copies sharing this session
        calls["hammock GET"] = lambda: api_h.people("alice").activities.GET(params={"limit": 10}).json()
    return calls, notes


@functools.lru_cache(maxsize=None)
def import_restish():
    try:
        import restish
    except Exception as exc:  # noqa: BLE001 - any failure means: skip the restish rows
        return None, f"restish: not importable ({type(exc).__name__}: {exc})"
    return restish, None


def restish_calls(adapter: CannedAdapter) -> Tuple[Dict[str, Callable], List[str]]:
    restish, note = import_restish()
    if restish is None:
        return {}, [note]
    try:
        api = restish.Client(BASE, resources=MAP_DICT, defaults=DEFAULTS_DICT)
        api.session.mount(BASE, adapter)
    except Exception as exc:  # noqa: BLE001
        return {}, [f"restish: client failed ({type(exc).__name__}: {exc})"]
    return {
        "restish GET": lambda: api.people["alice"].activities.get(qs={"limit": 10}),
        "restish POST": lambda: api.people["alice"].activities.post(object_content="hi", generator="bench"),
    }, []


def check(calls: Dict[str, Callable], adapter: CannedAdapter) -> List[str]:
    """Call each once; drop (with a note) any that fails or misses the adapter."""
    notes = []
    for name, call in list(calls.items()):
        before = adapter.calls
        try:
            result = call()
            if dict(result) != {"ok": True} or adapter.calls != before + 1:
                raise AssertionError(f"got {result!r}, adapter calls {adapter.calls - before}")
        except Exception as exc:  # noqa: BLE001
            notes.append(f"{name}: skipped ({type(exc).__name__}: {exc})")
            del calls[name]
    return notes


# --------------------------------------------------------------------------
# Timing


def time_batch(call: Callable, batch: int) -> float:
    """Nanoseconds per call, averaged over one batch."""
    start = time.perf_counter_ns()
    for _ in range(batch):
        call()
    return (time.perf_counter_ns() - start) / batch


def interleaved(calls: Dict[str, Callable], rounds: int, batch: int) -> Dict[str, float]:
    """Median ns per call for each call, timed round-robin in a rotating order."""
    names = list(calls)
    samples: Dict[str, List[float]] = {name: [] for name in names}
    for name in names:  # warm-up: caches, lazy imports, first-call paths
        time_batch(calls[name], max(1, batch // 10))
    for round_no in range(rounds):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            samples[name].append(time_batch(calls[name], batch))
    return {name: statistics.median(values) for name, values in samples.items()}


# --------------------------------------------------------------------------
# Route resolution


def synthetic_map(size: int) -> Dict[str, dict]:
    """``size`` routes ``/r{i}/{id}/sub{j}``, ten ``sub`` per ``r``."""
    return {f"/r{i}/{{id}}/sub{j}": {"methods": ["GET"]} for i, j in (divmod(k, 10) for k in range(size))}


def resolution(rounds: int, batch: int) -> Tuple[Dict[int, float], List[str]]:
    """Median ns to resolve ``client.r<i>['x'].sub<j>`` in maps of each size."""
    restish, note = import_restish()
    if restish is None:
        return {}, [note]
    navigations = {}
    for size in ROUTE_SIZES:
        i, j = (size // 10) // 2, min(5, size - 1)
        try:
            client = restish.Client(BASE, resources=synthetic_map(size))
            fixed_i, fixed_j = f"r{i}", f"sub{j}"
            navigate = (lambda c=client, a=fixed_i, b=fixed_j: getattr(getattr(c, a)["x"], b))
            assert navigate().path.endswith(f"/r{i}/x/sub{j}"), navigate().path
        except Exception as exc:  # noqa: BLE001
            return {}, [f"restish route resolution: failed at {size} routes ({type(exc).__name__}: {exc})"]
        navigations[size] = navigate
    medians = interleaved(navigations, rounds, batch)
    return medians, []


# --------------------------------------------------------------------------
# Report


def run(rounds: int, batch: int) -> dict:
    adapter = CannedAdapter()
    calls = requests_calls(adapter)
    peers, notes = peer_calls(adapter)
    calls.update(peers)
    mine, more = restish_calls(adapter)
    calls.update(mine)
    notes += more + check(calls, adapter)
    medians = interleaved(calls, rounds, batch)
    rows = []
    for name, ns in medians.items():
        baseline = medians.get("requests POST" if "POST" in name else "requests GET")
        rows.append({"name": name, "us_per_call": ns / 1000, "vs_requests": ns / baseline if baseline else None})
    routes, more = resolution(rounds, batch * 5)
    notes += [note for note in more if note not in notes]
    result = {
        "rounds": rounds, "batch": batch, "python": sys.version.split()[0],
        "requests": requests.__version__, "calls": rows, "notes": notes,
        "route_resolution_ns": {str(size): ns for size, ns in routes.items()},
    }
    if routes:
        result["route_ratio_10k_over_10"] = routes[ROUTE_SIZES[-1]] / routes[ROUTE_SIZES[0]]
    return result


def print_table(result: dict) -> None:
    print(f"per-call cost, canned in-process adapter; median of {result['rounds']} rounds x "
          f"{result['batch']} calls (Python {result['python']}, requests {result['requests']})")
    width = max(len(row["name"]) for row in result["calls"])
    print(f"{'client':<{width}}  {'us/call':>9}  {'vs requests':>11}")
    for row in result["calls"]:
        ratio = f"{row['vs_requests']:.2f}x" if row["vs_requests"] else "-"
        print(f"{row['name']:<{width}}  {row['us_per_call']:>9.1f}  {ratio:>11}")
    if result["route_resolution_ns"]:
        print("\nroute resolution: client.r<i>['x'].sub<j>")
        print(f"{'routes':>7}  {'ns/resolution':>13}")
        for size, ns in result["route_resolution_ns"].items():
            print(f"{int(size):>7,}  {ns:>13.0f}")
        print(f"ratio 10k/10: {result['route_ratio_10k_over_10']:.2f}")
    for note in result["notes"]:
        print(note)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=25, help="timed batches per client (default 25)")
    parser.add_argument("--batch", type=int, default=200, help="calls per batch (default 200)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.batch < 1:
        parser.error("--rounds and --batch must be at least 1")
    result = run(args.rounds, args.batch)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
