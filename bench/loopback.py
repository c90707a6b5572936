"""Sequential keep-alive GETs over loopback: restish against requests, httpx, urllib3 and raw http.client.

A minimal asyncio server runs in its own process and answers every request
on a kept-alive connection with ``200 {"ok": true}``; where the machine has
two cores or more, the server is pinned to one and this process to another,
so the client's figure is not the server's. Each client makes the same GET
(``/people/alice/activities?limit=10``) and decodes the JSON answer, one call
after another on its pooled connection. Clients are interleaved (one batch
each per round, in a rotating order); figures are medians over rounds of the
mean per call, wall time and this process's CPU time, with ratios against
raw ``http.client``.

    python bench/loopback.py                # table, about 15 s
    python bench/loopback.py --rounds 5     # quicker, noisier
    python bench/loopback.py --json
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import subprocess
import sys
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import urlencode

from common import arguments, interleaved, show

BODY = b'{"ok": true}'
ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
          + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)
PATH = "/people/alice/activities"
MAP_DICT = {"/people/{username}/activities": {"methods": ["GET"]}}
BASELINE = "http.client (raw)"


# --------------------------------------------------------------------------
# The server, in its own process


class _Answer(asyncio.Protocol):
    """Answers each request head (GETs only: no body to skip) with the canned answer."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.pending = b""

    def data_received(self, data: bytes) -> None:
        self.pending += data
        heads = self.pending.count(b"\r\n\r\n")
        if heads:
            self.pending = self.pending[self.pending.rfind(b"\r\n\r\n") + 4:]
            self.transport.write(ANSWER * heads)  # type: ignore[attr-defined]


async def _serve() -> None:
    server = await asyncio.get_running_loop().create_server(_Answer, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin


def _cores() -> Optional[Tuple[set, set]]:
    """``(client cores, server cores)``, disjoint, or None where pinning is not possible."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None
    return {cores[0]}, set(cores[1:2])


def start_server(pinned: Optional[Tuple[set, set]]) -> Tuple[subprocess.Popen, int]:
    server = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    port = int(server.stdout.readline())  # type: ignore[union-attr]  # printed once listening
    if pinned:
        os.sched_setaffinity(server.pid, pinned[1])
        os.sched_setaffinity(0, pinned[0])
    return server, port


# --------------------------------------------------------------------------
# The clients: {row name: zero-argument call returning the decoded answer}


def clients(port: int) -> Tuple[Dict[str, Callable], List[str], List[Callable]]:
    """The calls, notes on clients left out, and what closes them."""
    base = f"http://127.0.0.1:{port}"
    url, params, query = f"{base}{PATH}", {"limit": 10}, urlencode({"limit": 10})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def raw() -> object:
        connection.request("GET", f"{PATH}?{query}")
        return json.loads(connection.getresponse().read())

    import requests
    import urllib3
    pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1, timeout=30)
    session = requests.Session()
    calls: Dict[str, Callable] = {
        BASELINE: raw,
        "urllib3 pool": lambda: json.loads(pool.request("GET", f"{PATH}?{query}").data),
        "requests Session": lambda: session.get(url, params=params, timeout=30).json(),
    }
    closers: List[Callable] = [connection.close, pool.close, session.close]
    notes: List[str] = []
    try:
        import httpx
    except ImportError:
        notes.append("httpx: not importable")
    else:
        client = httpx.Client(timeout=30)
        calls["httpx Client"] = lambda: client.get(url, params=params).json()
        closers.append(client.close)
    try:
        import restish
        api = restish.Client(base, resources=MAP_DICT)
    except Exception as exc:  # noqa: BLE001 - any failure means: leave the restish row out
        notes.append(f"restish: not usable ({type(exc).__name__}: {exc})")
    else:
        calls["restish"] = lambda: api.people["alice"].activities.get(qs={"limit": 10})
        closers.append(api.close)
    for name, call in list(calls.items()):
        try:
            assert dict(call()) == {"ok": True}  # type: ignore[call-overload]
        except Exception as exc:  # noqa: BLE001
            notes.append(f"{name}: left out ({type(exc).__name__}: {exc})")
            del calls[name]
    return calls, notes, closers


def run(rounds: int, batch: int) -> dict:
    pinned = _cores()
    server, port = start_server(pinned)
    try:
        calls, notes, closers = clients(port)
        try:
            figures = interleaved(calls, rounds, batch)
        finally:
            for close in closers:
                close()
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        server.wait(timeout=30)
    base = figures.get(BASELINE)
    rows = [{"name": name, "us_wall": f["wall"] / 1000, "us_cpu": f["cpu"] / 1000,
             "wall_vs_raw": f["wall"] / base["wall"] if base else None,
             "cpu_vs_raw": f["cpu"] / base["cpu"] if base else None}
            for name, f in figures.items()]
    return {"rounds": rounds, "batch": batch, "pinned": bool(pinned), "calls": rows, "notes": notes}


def print_table(result: dict) -> None:
    where = "client and server pinned to separate cores" if result["pinned"] else "not pinned"
    print(f"sequential keep-alive GET over loopback, asyncio server in its own process ({where}); "
          f"median of {result['rounds']} rounds x {result['batch']} calls")
    width = max(len(row["name"]) for row in result["calls"])
    print(f"{'client':<{width}}  {'us wall':>8}  {'us CPU':>8}  {'wall vs raw':>11}  {'CPU vs raw':>10}")
    for row in result["calls"]:
        print(f"{row['name']:<{width}}  {row['us_wall']:>8.1f}  {row['us_cpu']:>8.1f}  "
              f"{row['wall_vs_raw'] or 0:>10.2f}x  {row['cpu_vs_raw'] or 0:>9.2f}x")
    for note in result["notes"]:
        print(note)


def main(argv: Optional[List[str]] = None) -> int:
    parser = arguments(__doc__, rounds=25, batch=200)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(_serve())
        return 0
    return show(run(args.rounds, args.batch), args.json, print_table)


if __name__ == "__main__":
    sys.exit(main())
