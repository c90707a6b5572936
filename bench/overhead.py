"""Client-side cost per call: restish against requests, httpx, raw http.client and the small peers.

Every requests-based client is mounted on the same in-process adapter
(:class:`CannedAdapter`), which answers ``200 {"ok": true}`` without a
socket; httpx gets a ``MockTransport`` giving the same answer, and raw
``http.client`` a connection whose socket reads the same answer from memory.
So what is timed is the client's own work: building the URL and body, the
session machinery, decoding the answer. The clients are interleaved: each
round times one batch of calls per client, in a rotating order, and the
figure reported is the median over rounds of the mean cost per call in a
batch, in this process's CPU time (nothing here waits, so on a quiet machine
it is the wall time; on a busy one, wall time adds whatever other processes
took, shown beside it). requests reads the whole environment on every call:
run it under ``env -i`` for the figures of a minimal environment
(``bench/all.py`` does).

Route resolution in big maps is timed by ``bench/maps.py``.

    python bench/overhead.py                 # table on stdout
    python bench/overhead.py --json          # the same figures as JSON
    python bench/overhead.py --rounds 5      # quicker, noisier
"""
from __future__ import annotations

import functools
import http.client
import io
import itertools
import json
import os
import sys
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import urlencode

import requests
import requests.adapters
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import HTTPResponse

from common import arguments, interleaved, show

BASE = "http://127.0.0.1:9"  # port 9 (discard): nothing listens, so a client that missed the adapter fails loudly
URL = f"{BASE}/people/alice/activities"
BODY = b'{"ok": true}'
POST_JSON = {"object": {"objectType": "note", "content": "hi"}, "generator": "bench"}
MAP_DICT = {
    "/people/{username}/activities": {"methods": ["GET", "POST"]},
    "/people/{username}": {"methods": ["GET"]},
}
DEFAULTS_DICT = {"/people/{username}/activities": {"post": {"object": {"objectType": "note"}}}}
CANNED = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
          + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)


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


def httpx_calls(adapter: CannedAdapter) -> Tuple[Dict[str, Callable], List[str]]:
    """httpx on a ``MockTransport`` answering as the adapter does (counted on it)."""
    try:
        import httpx
    except ImportError:
        return {}, ["httpx: not importable"]

    def answer(request):
        adapter.calls += 1
        return httpx.Response(200, headers={"Content-Type": "application/json"}, content=BODY)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    params = {"limit": 10}
    return {
        "httpx GET (MockTransport)": lambda: client.get(URL, params=params).json(),
        "httpx POST (MockTransport)": lambda: client.post(URL, json=POST_JSON).json(),
    }, []


class _CannedSocket:
    """Enough of a socket for ``http.client``: writes are counted, reads get the canned answer."""

    def __init__(self, adapter: CannedAdapter) -> None:
        self.adapter = adapter

    def sendall(self, data: bytes) -> None:
        if data.startswith((b"GET ", b"POST ")):
            self.adapter.calls += 1

    def makefile(self, mode: str) -> io.BytesIO:
        return io.BytesIO(CANNED)  # http.client makes one per response

    def close(self) -> None:
        pass


def raw_calls(adapter: CannedAdapter) -> Dict[str, Callable]:
    """The floor: ``http.client`` on one kept-alive connection, the query and JSON done by hand."""
    connection = http.client.HTTPConnection("127.0.0.1", 9)
    connection.sock = _CannedSocket(adapter)  # type: ignore[assignment]  # already "connected"
    path = URL[len(BASE):]

    def get():
        connection.request("GET", f"{path}?{urlencode({'limit': 10})}")
        return json.loads(connection.getresponse().read())

    def post():
        body = json.dumps(POST_JSON).encode()
        connection.request("POST", path, body, {"Content-Type": "application/json"})
        return json.loads(connection.getresponse().read())

    return {"http.client GET (raw)": get, "http.client POST (raw)": post}


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
    # A proxy is kept below its parent once navigated, so the same path again costs less;
    # a new item on every call (an id from a list) shows the cost without that.
    names = itertools.cycle([f"user{number}" for number in range(10_000)])
    return {
        "restish GET": lambda: api.people["alice"].activities.get(qs={"limit": 10}),
        "restish GET, a new item each call": lambda: api.people[next(names)].activities.get(qs={"limit": 10}),
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
# Report


def run(rounds: int, batch: int) -> dict:
    adapter = CannedAdapter()
    calls = requests_calls(adapter)
    calls.update(raw_calls(adapter))
    notes: List[str] = []
    for builder in (httpx_calls, peer_calls, restish_calls):
        more_calls, more = builder(adapter)
        calls.update(more_calls)
        notes += more
    notes += check(calls, adapter)
    figures = interleaved(calls, rounds, batch)
    rows = []
    for name, measured in figures.items():
        baseline = figures.get("requests POST" if "POST" in name else "requests GET")
        rows.append({"name": name, "us_per_call": measured["cpu"] / 1000, "us_wall": measured["wall"] / 1000,
                     "vs_requests": measured["cpu"] / baseline["cpu"] if baseline else None})
    return {
        "rounds": rounds, "batch": batch, "python": sys.version.split()[0],
        "requests": requests.__version__, "environment_variables": len(os.environ),
        "calls": rows, "notes": notes,
    }


def print_table(result: dict) -> None:
    print(f"per-call cost, canned in-process answer; median of {result['rounds']} rounds x "
          f"{result['batch']} calls (Python {result['python']}, requests {result['requests']}, "
          f"{result['environment_variables']} environment variables)")
    width = max(len(row["name"]) for row in result["calls"])
    print(f"{'client':<{width}}  {'us CPU':>8}  {'us wall':>8}  {'vs requests (CPU)':>17}")
    for row in result["calls"]:
        ratio = f"{row['vs_requests']:.2f}x" if row["vs_requests"] else "-"
        print(f"{row['name']:<{width}}  {row['us_per_call']:>8.1f}  {row['us_wall']:>8.1f}  {ratio:>17}")
    for note in result["notes"]:
        print(note)


def main(argv: Optional[List[str]] = None) -> int:
    args = arguments(__doc__, rounds=25, batch=200).parse_args(argv)
    result = run(args.rounds, args.batch)
    return show(result, args.json, print_table)


if __name__ == "__main__":
    sys.exit(main())
