"""The ``restish`` command: a big ``--download`` (memory and speed against ``stream_to=``)
and the start-up of ``restish --version`` against httpie's ``http --version``, in one run.

Download: ``restish --no-map -o FILE GET stream?n=SIZE`` (default 1 GiB) from the
threaded loopback server of ``transfer.py``, as a fresh process, against a fresh
process calling ``Client(...).stream.get(n=SIZE, stream_to=FILE)``. Both are timed
wall clock from start to exit (start-up included, the same for both kinds), and their
peak resident set is read from the kernel (``wait4``'s ``ru_maxrss``). The growth is
that peak minus the peak of the same command fetching 64 KiB, measured in the same
round: what the body itself costs. The CPU time (user + system, from ``wait4``) is
the figure that the machine's load moves least. Rounds are interleaved (``--repeat``); the table
shows the largest growth and the median speed. Target: growth under 64 MiB. The file
goes to ``/dev/shm`` when it has room (else ``--dir`` or the system temp dir): on a
shared disk, writeback stalls swing one run by 2x and drown the difference measured.

Start-up: ``restish --version`` (the console script, else ``python -m restish``)
and ``http --version`` (left out if httpie is not installed: ``pip install -e .[bench]``),
each ``--runs`` times, interleaved in a rotating order; the median wall time.

    python bench/cli.py                     # 1 GiB, 3 rounds, 21 start-ups: about a minute
    python bench/cli.py --size 256M --repeat 1 --runs 9
    python bench/cli.py --json
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Dict, List

import common  # noqa: F401 - puts the restish to time on sys.path
from transfer import MiB, _Handler, _Server, parse_size

GROWTH_TARGET = 64 * MiB
SMALL = 64 * 1024
STREAM_TO = """\
import sys, restish
with restish.Client(sys.argv[1], resources=None, timeout=(10, 600)) as api:
    print(api.stream.get(n=int(sys.argv[2]), stream_to=sys.argv[3]))
"""


def _env() -> dict:
    """The environment of the measured processes: this checkout's restish first, no colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESTISH_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [common.ROOT, env.get("PYTHONPATH")]))
    return env


def download_commands(url: str, size: int, out: str) -> Dict[str, List[str]]:
    return {
        "restish -o FILE GET (the command)": [sys.executable, "-m", "restish", "--no-map", "--url", url,
                                              "-o", out, "GET", f"stream?n={size}"],
        "Client.get(stream_to=) (a script)": [sys.executable, "-c", STREAM_TO, url, str(size), out],
    }


def run_measured(argv: List[str], out: str) -> tuple:
    """``(wall seconds, peak RSS bytes, bytes in out, CPU seconds)`` of one run of ``argv``."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=_env(), cwd=os.path.dirname(out))
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:4]}... failed: {proc.stderr.read().decode()}")
    proc.stderr.close()
    written = os.path.getsize(out)
    os.unlink(out)
    return elapsed, usage.ru_maxrss * 1024, written, usage.ru_utime + usage.ru_stime


def measure_downloads(size: int, repeat: int, directory: str) -> Dict[str, dict]:
    server = _Server(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    out = os.path.join(directory, "download.bin")
    runs: Dict[str, List[tuple]] = {label: [] for label in download_commands(url, size, out)}
    try:
        for round_ in range(repeat):
            labels = list(runs)
            shift = round_ % len(labels)
            for label in labels[shift:] + labels[:shift]:
                _, small_peak, _, _ = run_measured(download_commands(url, SMALL, out)[label], out)
                seconds, peak, written, cpu = run_measured(download_commands(url, size, out)[label], out)
                if written != size:
                    raise SystemExit(f"{label}: {written} of {size} bytes written")
                runs[label].append((seconds, peak - small_peak, cpu))
    finally:
        server.shutdown()
        server.server_close()
    return {label: {"growth": max(r[1] for r in results),
                    "mib_s": statistics.median(size / MiB / r[0] for r in results),
                    "cpu_s": statistics.median(r[2] for r in results)}
            for label, results in runs.items()}


def startup_commands() -> Dict[str, List[str]]:
    bindir = os.path.dirname(sys.executable)
    found: Dict[str, List[str]] = {}
    script = shutil.which("restish", path=bindir)
    found["restish --version"] = [script, "--version"] if script else [sys.executable, "-m", "restish", "--version"]
    http = shutil.which("http", path=bindir) or shutil.which("http")
    if http:
        found["http --version (httpie)"] = [http, "--version"]
    else:
        print("http: not installed (pip install -e .[bench]), left out", file=sys.stderr)
    return found


def measure_startup(runs: int) -> Dict[str, float]:
    """Median milliseconds per command over ``runs`` interleaved rounds, one warm-up each."""
    table = startup_commands()
    times: Dict[str, List[float]] = {label: [] for label in table}
    labels = list(table)
    for round_ in range(runs + 1):
        shift = round_ % len(labels)
        for label in labels[shift:] + labels[:shift]:
            started = time.perf_counter()
            subprocess.run(table[label], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=_env(), timeout=60)
            if round_:  # round 0 warms the page cache and .pyc files
                times[label].append((time.perf_counter() - started) * 1000)
    return {label: statistics.median(values) for label, values in times.items()}


def report(size: int, downloads: Dict[str, dict], startup: Dict[str, float]) -> str:
    lines = [f"--download of {size / MiB:.0f} MiB from 127.0.0.1",
             f"{'case':<36} {'peak RSS growth':>16} {'MiB/s':>8} {'vs stream_to=':>14} {'CPU s':>6}", "-" * 84]
    reference = downloads["Client.get(stream_to=) (a script)"]["mib_s"]
    for label, figures in downloads.items():
        lines.append(f"{label:<36} {figures['growth'] / MiB:>12.1f} MiB {figures['mib_s']:>8.0f} "
                     f"{figures['mib_s'] / reference:>13.2f}x {figures['cpu_s']:>6.2f}")
    growth = downloads["restish -o FILE GET (the command)"]["growth"]
    verdict = "ok" if growth < GROWTH_TARGET else "OVER"
    lines += [f"the command's growth: {growth / MiB:.1f} MiB (target < {GROWTH_TARGET // MiB} MiB: {verdict})", "",
              "start-up", f"{'command':<36} {'median ms':>9}", "-" * 47]
    lines += [f"{label:<36} {ms:>9.1f}" for label, ms in startup.items()]
    if len(startup) == 2:
        restish_ms, http_ms = startup.values()
        lines.append(f"restish --version takes {restish_ms / http_ms:.2f}x the time of http --version")
    return "\n".join(lines)


def _ram_disk(size: int) -> str | None:
    """/dev/shm when it can hold two copies of the file (the temporary one and the renamed one), else None."""
    try:
        stats = os.statvfs("/dev/shm")
    except OSError:
        return None
    return "/dev/shm" if stats.f_bavail * stats.f_frsize > 3 * size else None


def main(argv: List[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=1 << 30, help="bytes to download (e.g. 1G, 256M); default 1G")
    parser.add_argument("--repeat", type=int, default=3, help="download rounds; default 3")
    parser.add_argument("--runs", type=int, default=21, help="start-up runs per command (median); default 21")
    parser.add_argument("--dir", default=None,
                        help="where to put the downloaded file (default: /dev/shm if it has room, else the temp dir)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    directory = tempfile.mkdtemp(prefix="restish-bench-cli-", dir=args.dir or _ram_disk(args.size))
    try:
        downloads = measure_downloads(args.size, max(1, args.repeat), directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    startup = measure_startup(max(1, args.runs))
    if args.json:
        print(json.dumps({"size": args.size, "downloads": downloads, "startup_ms": startup}, indent=2))
    else:
        print(f"Python {sys.version.split()[0]}\n")
        print(report(args.size, downloads, startup))


if __name__ == "__main__":
    main()
