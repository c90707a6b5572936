"""Memory and speed of big uploads and downloads: restish against plain requests.

A file of ``--size`` bytes (default 1 GiB, made in a temporary directory and
deleted afterwards) goes up to, and the same number of bytes comes down
from, a threaded stdlib server on 127.0.0.1 that drains and streams in 64 KiB
pieces. Each case runs in a fresh subprocess, which imports everything,
measures its resident set, moves the data once, and reports how far its peak
resident set grew over that baseline (Linux: the peak is reset through
``/proc/self/clear_refs`` after imports and read from ``VmHWM``; elsewhere
``ru_maxrss``), the time the transfer took, and the bytes the other side
counted. Cases are interleaved over ``--repeat`` rounds; the table shows the
largest growth and the median speed.

Upload cases: restish ``upload_file=``; requests-toolbelt's ``MultipartEncoder``
used directly (the speed reference); plain requests ``files=``; maxclient's
way (``f.read()`` into ``files=``). Download cases: restish ``stream_to=``;
requests ``iter_content`` into a file (the speed reference); plain
``requests.get(...).content``.

    python bench/transfer.py                  # 1 GiB each way
    python bench/transfer.py --size 64M       # quicker
    python bench/transfer.py --repeat 5 --json
"""
from __future__ import annotations

import argparse
import http.server
import json
import os
import resource
import shutil
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Dict, List

CHUNK = 64 * 1024
MiB = 1 << 20
GROWTH_TARGET = 64 * MiB
SPEED_TARGET = 0.9
HERE = os.path.dirname(os.path.abspath(__file__))


# --------------------------------------------------------------------------
# The loopback server (in the parent process, so it is not measured)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_POST(self) -> None:
        """Drain the body in pieces; answer how many bytes came."""
        remaining = received = int(self.headers.get("Content-Length") or 0)
        while remaining > 0:
            piece = self.rfile.read(min(CHUNK, remaining))
            if not piece:
                return
            remaining -= len(piece)
        body = json.dumps({"bytes": received}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        """``/stream?n=N``: N bytes in 64 KiB pieces, with Content-Length."""
        n = int(self.path.partition("n=")[2] or 0)
        block = os.urandom(CHUNK)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(n))
        self.end_headers()
        for start in range(0, n, CHUNK):
            self.wfile.write(block if n - start >= CHUNK else block[: n - start])


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # skip the reverse DNS lookup
        self.server_name, self.server_port = self.server_address[:2]


# --------------------------------------------------------------------------
# The cases (run in the child process)


def restish_upload(url: str, path: str, size: int, out: str) -> int:
    import restish
    with restish.Client(url, resources=None, timeout=(10, 600)) as api:
        return api.drain.post(upload_file=path)["bytes"]


def toolbelt_upload(url: str, path: str, size: int, out: str) -> int:
    import requests
    from requests_toolbelt.multipart.encoder import MultipartEncoder
    with open(path, "rb") as file:
        encoder = MultipartEncoder({"file": ("file", file, "application/octet-stream")})
        answer = requests.post(f"{url}/drain", data=encoder, headers={"Content-Type": encoder.content_type},
                               timeout=(10, 600))
    return answer.json()["bytes"]


def requests_files_upload(url: str, path: str, size: int, out: str) -> int:
    import requests
    with open(path, "rb") as file:
        return requests.post(f"{url}/drain", files={"file": file}, timeout=(10, 600)).json()["bytes"]


def maxclient_upload(url: str, path: str, size: int, out: str) -> int:
    import requests
    with open(path, "rb") as file:  # what maxclient's rest.py does with an upload
        return requests.post(f"{url}/drain", files={"file": ("x", file.read())}, timeout=(10, 600)).json()["bytes"]


def restish_download(url: str, path: str, size: int, out: str) -> int:
    import restish
    with restish.Client(url, resources=None, timeout=(10, 600)) as api:
        return api.stream.get(n=size, stream_to=out)


def iter_content_download(url: str, path: str, size: int, out: str) -> int:
    import requests
    written = 0
    with requests.get(f"{url}/stream", params={"n": size}, stream=True, timeout=(10, 600)) as response, \
            open(out, "wb") as file:
        for chunk in response.iter_content(CHUNK):
            written += file.write(chunk)
    return written


def requests_content_download(url: str, path: str, size: int, out: str) -> int:
    import requests
    return len(requests.get(f"{url}/stream", params={"n": size}, timeout=(10, 600)).content)


# name: (direction, label, function, speed reference of that direction)
CASES: Dict[str, tuple] = {
    "restish-up": ("up", "restish upload_file=", restish_upload, "toolbelt-up"),
    "toolbelt-up": ("up", "toolbelt MultipartEncoder (raw)", toolbelt_upload, None),
    "requests-files": ("up", "requests files=", requests_files_upload, "toolbelt-up"),
    "maxclient-up": ("up", "maxclient f.read() into files=", maxclient_upload, "toolbelt-up"),
    "restish-down": ("down", "restish stream_to=", restish_download, "iter-content-down"),
    "iter-content-down": ("down", "requests iter_content to file (raw)", iter_content_download, None),
    "requests-content": ("down", "requests .content", requests_content_download, "iter-content-down"),
}


def _rss_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _peak_kib() -> int:
    peak = _rss_kib("VmHWM")
    if peak is not None:
        return peak
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss // 1024 if sys.platform == "darwin" else maxrss  # bytes on macOS, KiB elsewhere


def _baseline_kib() -> int:
    """The resident set now, with the peak reset to it where the kernel allows."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return _rss_kib("VmRSS") or _peak_kib()
    except OSError:
        return _peak_kib()


def child(case: str, url: str, path: str, size: int, out: str) -> None:
    """Run one case and print its measurements as one JSON line."""
    import gc

    import requests  # noqa: F401 - imported before the baseline, like everything a case uses
    import requests_toolbelt.multipart.encoder  # noqa: F401
    import common  # noqa: F401 - puts the restish to time on sys.path
    import restish
    import restish.uploads  # noqa: F401
    restish.Client  # noqa: B018 - resolve the lazy import now

    function = CASES[case][2]
    gc.collect()
    baseline = _baseline_kib()
    started = time.perf_counter()
    moved = function(url, path, size, out)
    elapsed = time.perf_counter() - started
    growth = (_peak_kib() - baseline) * 1024
    print(json.dumps({"case": case, "growth": growth, "seconds": elapsed, "moved": moved}))


# --------------------------------------------------------------------------
# The parent: file, server, subprocesses, table


def _make_file(path: str, size: int) -> None:
    block = os.urandom(MiB)
    with open(path, "wb") as out:
        for start in range(0, size, MiB):
            out.write(block if size - start >= MiB else block[: size - start])


def _run_case(case: str, url: str, path: str, size: int, out: str) -> dict:
    command = [sys.executable, os.path.abspath(__file__), "--child", case, "--url", url,
               "--file", path, "--size", str(size), "--out", out]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if os.path.exists(out):
        os.unlink(out)
    if done.returncode != 0:
        raise SystemExit(f"{case} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["moved"] < size:
        raise SystemExit(f"{case}: only {result['moved']} of {size} bytes arrived")
    return result


def measure(size: int, repeat: int, cases: List[str], directory: str) -> Dict[str, dict]:
    path, out = os.path.join(directory, "upload.bin"), os.path.join(directory, "download.bin")
    _make_file(path, size)
    server = _Server(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    runs: Dict[str, List[dict]] = {case: [] for case in cases}
    try:
        for round_ in range(repeat):
            order = cases[round_ % len(cases):] + cases[: round_ % len(cases)]  # rotate: no case always first
            for case in order:
                runs[case].append(_run_case(case, url, path, size, out))
    finally:
        server.shutdown()
        server.server_close()
    return {case: {"growth": max(r["growth"] for r in results),
                   "mib_s": statistics.median(size / MiB / r["seconds"] for r in results)}
            for case, results in runs.items()}


def table(results: Dict[str, dict], size: int) -> str:
    lines = [f"{'case':<38} {'dir':<5} {'peak RSS growth':>16} {'MiB/s':>8} {'vs raw':>7}",
             "-" * 78]
    for case, figures in results.items():
        direction, label, _, reference = CASES[case]
        ratio = ""
        if reference in results:
            ratio = f"{figures['mib_s'] / results[reference]['mib_s']:.2f}x"
        lines.append(f"{label:<38} {direction:<5} {figures['growth'] / MiB:>12.1f} MiB "
                     f"{figures['mib_s']:>8.0f} {ratio:>7}")
    lines.append("")
    for case in ("restish-up", "restish-down"):
        if case in results:
            figures, reference = results[case], CASES[case][3]
            verdict = "ok" if figures["growth"] < GROWTH_TARGET else "OVER"
            line = (f"{CASES[case][1]}: growth {figures['growth'] / MiB:.1f} MiB for {size / MiB:.0f} MiB "
                    f"(target < {GROWTH_TARGET // MiB} MiB: {verdict})")
            if reference in results:
                ratio = figures["mib_s"] / results[reference]["mib_s"]
                line += f"; speed {ratio:.2f}x raw (target >= {SPEED_TARGET}: {'ok' if ratio >= SPEED_TARGET else 'UNDER'})"
            lines.append(line)
    return "\n".join(lines)


def parse_size(text: str) -> int:
    """``1073741824``, ``1G``, ``256M``, ``64K`` (binary units)."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    factor = units.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in units else text
    value = int(float(number) * factor)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"size must be positive, not {text!r}")
    return value


def main(argv: List[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=1 << 30, help="bytes each way (e.g. 1G, 256M); default 1G")
    parser.add_argument("--repeat", type=int, default=3, help="rounds over all cases; default 3")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated subset of: " + ", ".join(CASES))
    parser.add_argument("--dir", default=None, help="where to put the temporary files (default: the system temp dir)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.url, args.file, args.size, args.out)
        return
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}")
    directory = tempfile.mkdtemp(prefix="restish-bench-", dir=args.dir)
    try:
        results = measure(args.size, max(1, args.repeat), cases, directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    if args.json:
        print(json.dumps({"size": args.size, "results": results}, indent=2))
    else:
        print(f"{args.size / MiB:.0f} MiB each way, {args.repeat} round(s), Python {sys.version.split()[0]}\n")
        print(table(results, args.size))


if __name__ == "__main__":
    main()
